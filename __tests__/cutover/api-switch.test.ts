/**
 * The prepared switch applied by the one ModifyRule its confirmed plan describes (api-switch.ts):
 * which plans qualify, and what is sent (or not) given the live rule. The ELBv2 client answers
 * like an ALB and records what it is sent; the migration-day rehearsal runs the same path against
 * moto with a plan terraform made.
 */
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { apiSwitchOf, switchByApi, type ApiSwitch } from '../../scripts/lib/cutover/api-switch';
import type { PlanDocument } from '../../scripts/lib/terraform/plan-summary';

const RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/1/2/3';
const TG_SOURCE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/vn-tg-1/a';
const TG_RDS = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/vn-rd-1/b';

/** aws_lb_listener_rule values as the AWS provider 5.100 writes them in `terraform show -json`. */
function rule(source: number, rds: number, extra: Record<string, unknown> = {}) {
  return {
    action: [
      {
        authenticate_cognito: [],
        authenticate_oidc: [],
        fixed_response: [],
        forward: [{ stickiness: [{ duration: 0, enabled: false }], target_group: [{ arn: TG_RDS, weight: rds }, { arn: TG_SOURCE, weight: source }] }],
        order: 1,
        redirect: [],
        target_group_arn: '',
        type: 'forward',
      },
    ],
    arn: RULE,
    condition: [{ http_header: [{ http_header_name: 'X-Origin-Verify', values: ['(sensitive value)'] }] }],
    id: RULE,
    listener_arn: 'arn:listener',
    priority: 10,
    tags: {},
    tags_all: {},
    ...extra,
  };
}

function plan(changes: { before: unknown; after: unknown; address?: string; type?: string; actions?: string[]; after_unknown?: unknown }[]): PlanDocument {
  return {
    resource_changes: changes.map((c, i) => ({
      address: c.address ?? (i ? `aws_lb_listener_rule.other${i}` : 'aws_lb_listener_rule.from-cloudfront'),
      type: c.type ?? 'aws_lb_listener_rule',
      change: { actions: c.actions ?? ['update'], before: c.before, after: c.after, after_unknown: c.after_unknown ?? {} },
    })) as PlanDocument['resource_changes'],
  };
}

/** An ELBv2 client whose rule forwards with `live` weights; records every command sent. */
function alb(live: { source: number; rds: number } | 'fixed-response') {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const actions = live === 'fixed-response' ? [{ Type: 'fixed-response' }] : [{ Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_SOURCE, Weight: live.source }, { TargetGroupArn: TG_RDS, Weight: live.rds }] } }];
  const client = {
    send: async (c: { input: Record<string, unknown> }) => {
      sent.push({ name: c.constructor.name, input: c.input });
      if (c.constructor.name === 'DescribeRulesCommand') return { Rules: [{ RuleArn: RULE, Actions: actions }] };
      return {};
    },
  } as unknown as ElasticLoadBalancingV2Client;
  return { client, sent };
}

describe('which confirmed plans are one ModifyRule', () => {
  test('a plan that changes only the rule forward weights is that rule, its before and after', () => {
    expect(apiSwitchOf(plan([{ before: rule(100, 0), after: rule(0, 100) }]))).toEqual({
      address: 'aws_lb_listener_rule.from-cloudfront',
      ruleArn: RULE,
      order: 1,
      stickiness: { enabled: false },
      before: [{ targetGroupArn: TG_RDS, weight: 0 }, { targetGroupArn: TG_SOURCE, weight: 100 }],
      after: [{ targetGroupArn: TG_RDS, weight: 100 }, { targetGroupArn: TG_SOURCE, weight: 0 }],
    });
  });

  test('a plan with a second change is left to terraform', () => {
    expect(apiSwitchOf(plan([{ before: rule(100, 0), after: rule(0, 100) }, { before: rule(1, 1), after: rule(2, 2) }]))).toBeUndefined();
  });

  test('a change of the rule beside its weights (its condition) is left to terraform', () => {
    expect(apiSwitchOf(plan([{ before: rule(100, 0), after: rule(0, 100, { condition: [] }) }]))).toBeUndefined();
  });

  test('a value known only after the apply is left to terraform', () => {
    expect(apiSwitchOf(plan([{ before: rule(100, 0), after: rule(0, 100), after_unknown: { action: [{ forward: [{ target_group: true }] }] } }]))).toBeUndefined();
  });

  test('a change of the listener itself (not a rule) is left to terraform', () => {
    expect(apiSwitchOf(plan([{ before: rule(100, 0), after: rule(0, 100), type: 'aws_lb_listener', address: 'aws_lb_listener.https' }]))).toBeUndefined();
  });

  test('no-op and read entries beside the switch do not count as changes', () => {
    const p = plan([{ before: rule(100, 0), after: rule(0, 100) }, { before: {}, after: {}, actions: ['no-op'] }]);
    expect(apiSwitchOf(p)?.ruleArn).toBe(RULE);
  });
});

describe('the switch by the API', () => {
  const s = apiSwitchOf(plan([{ before: rule(100, 0), after: rule(0, 100) }])) as ApiSwitch;

  test("a live rule at the plan's before gets exactly the plan's after in one ModifyRule", async () => {
    const { client, sent } = alb({ source: 100, rds: 0 });
    const r = await switchByApi(client, s);
    expect(r).toMatchObject({ switched: true });
    expect(sent.map((c) => c.name)).toEqual(['DescribeRulesCommand', 'ModifyRuleCommand']);
    expect(sent[1].input).toEqual({
      RuleArn: RULE,
      Actions: [{ Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_RDS, Weight: 100 }, { TargetGroupArn: TG_SOURCE, Weight: 0 }], TargetGroupStickinessConfig: { Enabled: false } } }],
    });
  });

  test('a live rule that changed since the plan is not touched, and the answer says so', async () => {
    const { client, sent } = alb({ source: 50, rds: 50 });
    const r = await switchByApi(client, s);
    expect(r.switched).toBe(false);
    expect(r.detail).toMatch(/changed since the plan; left to terraform/);
    expect(sent.map((c) => c.name)).toEqual(['DescribeRulesCommand']);
  });

  test('a live rule already at the after is not sent again', async () => {
    const { client, sent } = alb({ source: 0, rds: 100 });
    expect((await switchByApi(client, s)).detail).toMatch(/already forwards as the plan's after/);
    expect(sent).toHaveLength(1);
  });

  test('a rule without a forward action is left to terraform', async () => {
    const { client } = alb('fixed-response');
    expect((await switchByApi(client, s)).detail).toMatch(/no single forward action/);
  });

  test('a refusal of the API is an answer, not a throw (terraform then applies)', async () => {
    const client = { send: async () => Promise.reject(Object.assign(new Error('User is not authorized to perform: elasticloadbalancing:ModifyRule'), { name: 'AccessDenied' })) } as unknown as ElasticLoadBalancingV2Client;
    await expect(switchByApi(client, s)).resolves.toEqual({ switched: false, detail: expect.stringMatching(/refused \(AccessDenied: User is not authorized.*left to terraform/) });
  });
});
