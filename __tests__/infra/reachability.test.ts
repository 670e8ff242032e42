/**
 * Each task's PostgreSQL egress admits exactly the database its settings point at, stage by stage:
 * the source-side service the source (Vercel Postgres, through NAT) at every stage, the RDS-side
 * service (stages ready and rds) the RDS group only. The runner reaches both. (The policy rule VN-ECS-3 checks the same property on any stack: __tests__/policy/reachability.test.ts.)
 */
import { CUTOVER_STAGES } from '../../stacks/config';
import { refsIn, resourcesOf, synthEnvironment, TfJson } from '../support/synth';

const TAGGED = { service: { imageTag: 'abc123' } };

/** PostgreSQL-ish egress (anything but 443) of the construct whose logical ids start with `prefix`. */
function databaseEgress(json: TfJson, prefix: string): { to: string; port: number }[] {
  return Object.entries(resourcesOf(json, 'aws_vpc_security_group_egress_rule'))
    .filter(([id, r]) => id.startsWith(prefix) && r.from_port !== 443)
    .map(([, r]) => {
      expect(r.from_port).toBe(r.to_port);
      return { to: r.cidr_ipv4 ?? refsIn(r.referenced_security_group_id)[0].replace(/_[0-9A-F]{8}\.id\}$/, '').replace('${aws_security_group.', 'sg:'), port: r.from_port };
    })
    .sort((a, b) => a.to.localeCompare(b.to));
}

/** Database settings host source of the app container of one service (`service_` or `service-rds_`): SSM (source) or the app secret (RDS). */
function appDatabase(json: TfJson, prefix = 'service_'): 'source' | 'rds' {
  const task = Object.entries(resourcesOf(json, 'aws_ecs_task_definition')).find(([id]) => id.startsWith(prefix))![1];
  const host = JSON.parse(task.container_definitions.replace(/\$\{[^}]*\}/g, (r: string) => r.replace(/"/g, "'")))[0].secrets.find((s: any) => s.name === 'PGHOST').valueFrom;
  return /:parameter\//.test(host) ? 'source' : 'rds';
}

describe.each(CUTOVER_STAGES)('at stage %s', (stage) => {
  const json = synthEnvironment({ environments: { production: { ...TAGGED, cutover: { stage } } } });
  const standby = ['ready', 'rds', 'rds-only'].includes(stage);

  test("the source-side service's PostgreSQL egress admits exactly the source, the database its settings name", () => {
    expect(appDatabase(json)).toBe('source');
    expect(databaseEgress(json, 'service_')).toEqual([{ to: '0.0.0.0/0', port: 5432 }]);
  });

  test(`the RDS-side service ${standby ? "reaches exactly RDS's group, the database its settings name" : 'does not exist'}`, () => {
    if (!standby) return expect(Object.keys(resourcesOf(json, 'aws_ecs_service')).filter((id) => id.startsWith('service-rds_'))).toEqual([]);
    expect(appDatabase(json, 'service-rds_')).toBe('rds');
    expect(databaseEgress(json, 'service-rds_')).toEqual([{ to: 'sg:database_sg', port: 5432 }]);
  });

  test('the runner reaches RDS through its group and the source through NAT, nothing else on PostgreSQL', () => {
    expect(databaseEgress(json, 'runner_')).toEqual([{ to: '0.0.0.0/0', port: 5432 }, { to: 'sg:database_sg', port: 5432 }]);
  });
});

describe('sourceDatabase', () => {
  const narrow = { cidrs: ['203.0.113.0/24'], port: 6543 };

  test('its CIDRs and port are the app\'s egress at a web stage', () => {
    const json = synthEnvironment({ environments: { production: { ...TAGGED, sourceDatabase: narrow } } });
    expect(databaseEgress(json, 'service_')).toEqual([{ to: '203.0.113.0/24', port: 6543 }]);
  });

  test('they are the runner\'s source egress too, so the runner is not open to 0.0.0.0/0 when the source has fixed addresses', () => {
    const json = synthEnvironment({ environments: { production: { ...TAGGED, sourceDatabase: narrow } } });
    expect(databaseEgress(json, 'runner_')).toEqual([{ to: '203.0.113.0/24', port: 6543 }, { to: 'sg:database_sg', port: 5432 }]);
  });

  test('at stage rds the source is not reachable from the service taking requests (the RDS side)', () => {
    const json = synthEnvironment({ environments: { production: { ...TAGGED, sourceDatabase: narrow, cutover: { stage: 'rds' } } } });
    expect(databaseEgress(json, 'service-rds_').map((e) => e.to)).not.toContain('203.0.113.0/24');
  });

  test('an invalid port fails the config, naming the field', () => {
    expect(() => synthEnvironment({ environments: { production: { sourceDatabase: { port: 70000 } } } })).toThrow(/environments\.production\.sourceDatabase\.port: must be a TCP port within 1\.\.65535/);
  });

  test('an empty CIDR list fails the config, naming the field', () => {
    expect(() => synthEnvironment({ environments: { production: { sourceDatabase: { cidrs: [] } } } })).toThrow(/environments\.production\.sourceDatabase\.cidrs: needs at least one CIDR/);
  });

  test('runner.sourceCidrs outside sourceDatabase.cidrs fails the config, naming the field', () => {
    expect(() => synthEnvironment({ environments: { production: { sourceDatabase: narrow, runner: { sourceCidrs: ['198.51.100.0/24'] } } } })).toThrow(/environments\.production\.runner\.sourceCidrs: 198\.51\.100\.0\/24 is not inside sourceDatabase\.cidrs/);
  });
});
