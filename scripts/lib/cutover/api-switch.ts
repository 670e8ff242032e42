/**
 * The prepared switch applied by the one API call its saved plan describes.
 *
 * Inside the read-only window `terraform apply <saved switch plan>` spends most of its time
 * before it calls AWS: the process starts, the AWS provider (hundreds of MB) starts and hands
 * over its schema, and the plan is read; the ModifyRule itself takes milliseconds. Measured in
 * the migration-day rehearsal on a loaded 2-core machine: 35 s from the open to the ModifyRule.
 *
 * So, when the confirmed switch plan is exactly one listener rule whose forward weights change
 * (and nothing else of it), `cutover --prepare` keeps that change beside the plan
 * ({@link apiSwitchOf}), and `cutover --apply` first makes the same change through the ELBv2 API
 * ({@link switchByApi}): the live rule is read, and only when its weights are the plan's
 * *before* does ModifyRule set the plan's *after* (the same target groups, weights, order and
 * stickiness). Then terraform applies the saved plan as before, which sends the same ModifyRule
 * again (a no-op) and brings the state along. What was reviewed is what runs: the plan is the
 * only source of the values. When the live rule is neither before nor after (someone changed
 * it since the plan), nothing is sent and terraform's apply decides, as without this step.
 */
import { DescribeRulesCommand, ModifyRuleCommand, type Action, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { PlanDocument } from '../terraform/plan-summary';

export interface GroupWeight {
  readonly targetGroupArn: string;
  readonly weight: number;
}

/** One listener rule's forward weights, before and after the confirmed plan. */
export interface ApiSwitch {
  /** The resource address in the plan. */
  readonly address: string;
  readonly ruleArn: string;
  /** The forward action's order, when the plan sets one. */
  readonly order?: number;
  readonly stickiness: { readonly enabled: boolean; readonly durationSeconds?: number };
  readonly before: readonly GroupWeight[];
  readonly after: readonly GroupWeight[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface PlanForward {
  target_group?: { arn?: string; weight?: number }[];
  stickiness?: { enabled?: boolean; duration?: number }[];
}
interface PlanAction {
  type?: string;
  order?: number;
  forward?: PlanForward[];
}

const hasUnknown = (v: unknown): boolean => v === true || (typeof v === 'object' && v !== null && Object.values(v).some(hasUnknown));

/** The rule's values with the forward weights zeroed: equal before and after when only weights change. */
function withoutWeights(rule: Record<string, Json>): string {
  const actions = ((rule.action as PlanAction[] | undefined) ?? []).map((a) => ({ ...a, forward: a.forward?.map((f) => ({ ...f, target_group: [...(f.target_group ?? [])].map((g) => ({ ...g, weight: 0 })).sort((x, y) => String(x.arn).localeCompare(String(y.arn))) })) }));
  return JSON.stringify({ ...rule, action: actions });
}

function forwardOf(rule: Record<string, Json>): { action: PlanAction; groups: GroupWeight[] } | undefined {
  const actions = (rule.action as PlanAction[] | undefined) ?? [];
  if (actions.length !== 1 || actions[0].type !== 'forward' || actions[0].forward?.length !== 1) return undefined;
  const groups = (actions[0].forward[0].target_group ?? []).map((g) => ({ targetGroupArn: String(g.arn ?? ''), weight: Number(g.weight ?? 1) }));
  if (!groups.length || groups.some((g) => !g.targetGroupArn)) return undefined;
  return { action: actions[0], groups };
}

/**
 * The switch as one ModifyRule, from the confirmed switch plan; undefined when the plan is
 * anything else (more than one change, not a listener rule, a change beside the weights, a value
 * known only after apply): then only terraform applies it.
 */
export function apiSwitchOf(plan: PlanDocument): ApiSwitch | undefined {
  const changes = (plan.resource_changes ?? []).filter((c) => !c.change.actions.every((a) => a === 'no-op' || a === 'read'));
  if (changes.length !== 1) return undefined;
  const c = changes[0];
  if (c.type !== 'aws_lb_listener_rule' || c.change.actions.join(',') !== 'update' || hasUnknown((c.change as { after_unknown?: unknown }).after_unknown)) return undefined;
  const before = c.change.before as Record<string, Json> | undefined;
  const after = c.change.after as Record<string, Json> | undefined;
  if (!before || !after || typeof before.arn !== 'string' || withoutWeights(before) !== withoutWeights(after)) return undefined;
  const b = forwardOf(before);
  const a = forwardOf(after);
  if (!a || !b) return undefined;
  const sticky = a.action.forward?.[0].stickiness?.[0];
  return {
    address: c.address,
    ruleArn: before.arn,
    ...(typeof a.action.order === 'number' && a.action.order > 0 ? { order: a.action.order } : {}),
    stickiness: { enabled: Boolean(sticky?.enabled), ...(sticky?.enabled && sticky.duration ? { durationSeconds: sticky.duration } : {}) },
    before: b.groups,
    after: a.groups,
  };
}

const key = (groups: readonly GroupWeight[]) => JSON.stringify([...groups].map((g) => [g.targetGroupArn, g.weight]).sort());
const show = (groups: readonly GroupWeight[]) => groups.map((g) => `${g.targetGroupArn.replace(/^.*:targetgroup\//, '')}=${g.weight}`).join(', ');

function liveWeights(actions: readonly Action[]): GroupWeight[] | undefined {
  const forwards = actions.filter((a) => a.Type === 'forward');
  if (forwards.length !== 1) return undefined;
  const f = forwards[0];
  if (f.ForwardConfig?.TargetGroups?.length) return f.ForwardConfig.TargetGroups.map((g) => ({ targetGroupArn: g.TargetGroupArn ?? '', weight: g.Weight ?? 1 }));
  return f.TargetGroupArn ? [{ targetGroupArn: f.TargetGroupArn, weight: 1 }] : undefined;
}

export type ApiSwitchResult =
  | { readonly switched: true; readonly ms: number; readonly detail: string }
  | { readonly switched: false; readonly detail: string };

/** Reads the live rule; when it holds the plan's before, sets the plan's after. Never throws. */
export async function switchByApi(client: ElasticLoadBalancingV2Client, s: ApiSwitch): Promise<ApiSwitchResult> {
  const t0 = Date.now();
  try {
    const rule = (await client.send(new DescribeRulesCommand({ RuleArns: [s.ruleArn] }))).Rules?.[0];
    const live = rule ? liveWeights(rule.Actions ?? []) : undefined;
    if (!live) return { switched: false, detail: `the live rule ${s.ruleArn} has no single forward action: left to terraform` };
    if (key(live) === key(s.after)) return { switched: false, detail: `the live rule already forwards as the plan's after (${show(s.after)})` };
    if (key(live) !== key(s.before)) return { switched: false, detail: `the live rule forwards ${show(live)}, not the plan's before (${show(s.before)}): it changed since the plan; left to terraform` };
    await client.send(
      new ModifyRuleCommand({
        RuleArn: s.ruleArn,
        Actions: [
          {
            Type: 'forward',
            ...(s.order !== undefined ? { Order: s.order } : {}),
            ForwardConfig: {
              TargetGroups: s.after.map((g) => ({ TargetGroupArn: g.targetGroupArn, Weight: g.weight })),
              TargetGroupStickinessConfig: { Enabled: s.stickiness.enabled, ...(s.stickiness.durationSeconds ? { DurationSeconds: s.stickiness.durationSeconds } : {}) },
            },
          },
        ],
      }),
    );
    const ms = Date.now() - t0;
    return { switched: true, ms, detail: `ModifyRule ${s.address}: ${show(s.before)} -> ${show(s.after)} in ${ms} ms (the saved plan's change)` };
  } catch (e) {
    return { switched: false, detail: `the ELBv2 API refused (${(e as Error).name}: ${(e as Error).message.split('\n')[0]}): left to terraform` };
  }
}
