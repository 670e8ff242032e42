/**
 * The plan summary on small hand-made `terraform show -json` documents:
 * what a reviewer must not miss is at the top, counts add up by type.
 */
import { changeKind, PlanDocument, renderSummaryMarkdown, ResourceChange, summarizePlan } from '../../scripts/lib/terraform/plan-summary';

function change(address: string, actions: string[], extra: { before?: unknown; replacePaths?: string[][]; actionReason?: string } = {}): ResourceChange {
  const [type, name] = address.split('.');
  return {
    address,
    mode: 'managed',
    type,
    name,
    action_reason: extra.actionReason,
    change: { actions, before: extra.before ?? null, after: {}, replace_paths: extra.replacePaths },
  };
}

function plan(changes: ResourceChange[]): PlanDocument {
  return { format_version: '1.2', terraform_version: '1.11.4', resource_changes: changes, planned_values: { root_module: { resources: [] } } };
}

describe('changeKind', () => {
  it('treats delete-then-create and create-then-delete both as a replacement', () => {
    expect(changeKind(['delete', 'create'])).toBe('replace');
    expect(changeKind(['create', 'delete'])).toBe('replace');
  });

  it('rejects an action list it does not know, naming it', () => {
    expect(() => changeKind(['teleport'])).toThrow(/unknown action list \[teleport\]/);
  });
});

describe('summarizePlan', () => {
  it('flags a forced replacement of the database instance as critical, with the attribute that forces it', () => {
    const s = summarizePlan(
      plan([
        change('aws_db_instance.database', ['delete', 'create'], { actionReason: 'replace_because_cannot_update', before: { deletion_protection: true }, replacePaths: [['engine']] }),
        change('aws_route53_record.apex', ['update']),
      ]),
    );
    expect(s.alerts).toHaveLength(1);
    expect(s.alerts[0]).toMatchObject({ level: 'critical', address: 'aws_db_instance.database', kind: 'replace', forcedBy: ['engine'], deletionProtected: true });
  });

  it('puts the database danger at the very top of the Markdown, before the counts', () => {
    const md = renderSummaryMarkdown(summarizePlan(plan([change('aws_s3_bucket.logs', ['delete']), change('aws_db_instance.database', ['delete', 'create'])])), 'production');
    const lines = md.split('\n');
    const danger = lines.findIndex((l) => l.includes('DANGER') && l.includes('aws_db_instance.database') && l.includes('REPLACED'));
    const counts = lines.findIndex((l) => /to add, .* to change/.test(l));
    expect(danger).toBeGreaterThan(0);
    expect(danger).toBeLessThan(counts);
    expect(lines.slice(0, danger).some((l) => l.includes('[!CAUTION]'))).toBe(true);
  });

  it('warns about other stateful resources destroyed (bucket, zone, KMS key) but not about stateless ones', () => {
    const s = summarizePlan(
      plan([
        change('aws_s3_bucket.logs', ['delete']),
        change('aws_route53_zone.main', ['delete', 'create']),
        change('aws_kms_key.main', ['delete']),
        change('aws_security_group.web', ['delete']),
        change('aws_lb.alb', ['create', 'delete']),
      ]),
    );
    expect(s.alerts.map((a) => [a.type, a.level])).toEqual([
      ['aws_kms_key', 'warning'],
      ['aws_route53_zone', 'warning'],
      ['aws_s3_bucket', 'warning'],
    ]);
  });

  it('does not alert when a stateful resource is only created or updated in place', () => {
    const s = summarizePlan(plan([change('aws_db_instance.database', ['update']), change('aws_s3_bucket.logs', ['create'])]));
    expect(s.alerts).toEqual([]);
    expect(renderSummaryMarkdown(s, 'staging')).toContain('No stateful resource');
  });

  it('counts by type, and gives the Terraform-style totals where a replacement is one add and one destroy', () => {
    const s = summarizePlan(
      plan([
        change('aws_route53_record.a', ['create']),
        change('aws_route53_record.b', ['update']),
        change('aws_route53_record.c', ['delete', 'create']),
        change('aws_vpc.main', ['no-op']),
        change('aws_subnet.a', ['delete']),
        { address: 'data.aws_caller_identity.me', mode: 'data', type: 'aws_caller_identity', change: { actions: ['read'] } },
      ]),
    );
    expect(s.totals).toEqual({ add: 1, change: 1, destroy: 1, replace: 1, read: 1, noop: 1, forget: 0 });
    expect(s.terraformTotals).toEqual({ add: 2, change: 1, destroy: 2 });
    expect(s.byType).toEqual([
      { type: 'aws_route53_record', add: 1, change: 1, destroy: 0, replace: 1 },
      { type: 'aws_subnet', add: 0, change: 0, destroy: 1, replace: 0 },
    ]);
  });

  it('says so when the plan has no changes', () => {
    expect(renderSummaryMarkdown(summarizePlan(plan([change('aws_vpc.main', ['no-op'])])), 'production')).toContain('No changes');
  });

  it('refuses a document that is not a plan', () => {
    expect(() => summarizePlan({} as PlanDocument)).toThrow(/not a `terraform show -json <planfile>` document/);
  });
});
