/**
 * The checks `cutover` runs before a stage change, one per precondition name
 * ({@link PRECONDITIONS}: a table keyed by name, so a new precondition in stages.ts does not
 * compile until it has its check):
 *
 *   health        the test host's health endpoint, by the one health check (http/health.ts)
 *   alarms        every CloudWatch alarm of the environment is OK
 *   forward-sync  the record of the day says db:sync finish succeeded and its verification passed
 *                 (not while it says "open, verifying": the verdict is not in), and the live source
 *                 agrees: frozen, no slot or publication left, no write since (source.ts)
 *   reverse-sync  the record says db:rollback succeeded
 *   standby       the RDS-side service's target group has at least the service's minimum of healthy
 *                 targets (ELB's own health checks of /api/health), before the listener sends it requests
 *   source-standby  the same of the source-side service's group, before the listener sends it requests
 *                 again (rds -> ready: after rds-only its tasks start again with stage rds)
 *   verified      the record says the last db:sync finish is verified (never "open, verifying"), before
 *                 rds-only scales the source-side service to zero
 */
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TARGET_GROUP_PREFIX } from '../../../stacks/config/stages';
import { checkHealth } from '../http/health';
import type { EnvironmentState } from './ledger';
import { checkSourceUrl, type LiveFinding } from './source';
import type { Precondition } from './stages';

export interface CheckResult {
  readonly check: Precondition;
  /** Which part of the check, when it has several (forward-sync: record, frozen, replication, no-write). */
  readonly part?: 'record' | LiveFinding['what'];
  readonly ok: boolean;
  readonly detail: string;
}

/** GET the health URL by the project's one health check: HTTP 200, status "healthy", database "connected". */
export async function checkHealthUrl(url: string, timeoutMs = 10000): Promise<CheckResult> {
  const u = new URL(url);
  const h = await checkHealth(u.origin, { path: `${u.pathname}${u.search}`, timeoutMs });
  if (h.healthy) return { check: 'health', ok: true, detail: `${h.url} healthy (HTTP 200)` };
  const fix = h.status === undefined ? 'check the test host and the ALB' : 'fix the app on AWS before moving traffic';
  return { check: 'health', ok: false, detail: `${h.url} ${h.problems.join('; ')}: ${fix}` };
}

/** Every alarm whose name starts with `prefix` is OK (at least one must exist). */
export async function checkAlarms(client: CloudWatchClient, prefix: string): Promise<CheckResult> {
  const alarms: MetricAlarm[] = [];
  let next: string | undefined;
  do {
    const r = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, NextToken: next }));
    alarms.push(...(r.MetricAlarms ?? []));
    next = r.NextToken;
  } while (next);
  if (!alarms.length) return { check: 'alarms', ok: false, detail: `no CloudWatch alarm named ${prefix}*: apply the stack (observability) first, or check --env and the region` };
  const bad = alarms.filter((a) => a.StateValue !== 'OK');
  if (bad.length) return { check: 'alarms', ok: false, detail: `alarm(s) not OK: ${bad.map((a) => `${a.AlarmName} (${a.StateValue})`).join(', ')}` };
  return { check: 'alarms', ok: true, detail: `${alarms.length} alarm(s) OK` };
}

/** Where the standby check looks: the environment's ALB and how many healthy targets a side needs. */
export interface StandbyTarget {
  readonly client: ElasticLoadBalancingV2Client;
  /** e.g. `venture-nudge-production-alb`. */
  readonly loadBalancerName: string;
  /** The service's minimum task count. */
  readonly minHealthy: number;
}

/**
 * The side's target group (name prefix TARGET_GROUP_PREFIX[side]) of the ALB has at least
 * `minHealthy` healthy targets: the RDS side's before ready -> rds, the source side's before rds -> ready.
 */
export async function checkStandby(t: StandbyTarget, side: 'source' | 'rds' = 'rds'): Promise<CheckResult> {
  const check: Precondition = side === 'rds' ? 'standby' : 'source-standby';
  const who = side === 'rds' ? 'the RDS-side service' : 'the source-side service';
  const prefix = TARGET_GROUP_PREFIX[side];
  const fail = (detail: string): CheckResult => ({ check, ok: false, detail });
  const lbs = await t.client.send(new DescribeLoadBalancersCommand({ Names: [t.loadBalancerName] })).catch((e: Error) => e);
  if (lbs instanceof Error) return fail(`load balancer ${t.loadBalancerName} cannot be read (${lbs.name}: ${lbs.message}): apply the stack, or check --env and the region`);
  const lb = lbs.LoadBalancers?.[0]?.LoadBalancerArn;
  if (!lb) return fail(`no load balancer named ${t.loadBalancerName}: apply the stack, or check --env and the region`);
  // The target groups the HTTPS listener forwards to (its rules' weighted forwards included).
  const listeners = (await t.client.send(new DescribeListenersCommand({ LoadBalancerArn: lb }))).Listeners ?? [];
  const arns = new Set<string>();
  for (const l of listeners.filter((x) => x.Port === 443)) {
    for (const r of (await t.client.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? []) {
      for (const a of r.Actions ?? []) for (const arn of [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn)]) if (arn) arns.add(arn);
    }
  }
  const groups = arns.size ? await t.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [...arns] })) : { TargetGroups: [] };
  const group = groups.TargetGroups?.find((g) => g.TargetGroupName?.startsWith(prefix));
  if (!group?.TargetGroupArn) {
    return fail(`the HTTPS listener of ${t.loadBalancerName} forwards to no ${side === 'rds' ? 'RDS' : 'source'}-side target group (${prefix}*): ${side === 'rds' ? 'apply stage ready first (npm run cutover -- --env <env> --to ready --apply)' : 'apply the stack, or check --env and the region'}`);
  }
  const health = await t.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }));
  const states = (health.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State ?? 'unknown');
  const healthy = states.filter((s) => s === 'healthy').length;
  const others = states.filter((s) => s !== 'healthy');
  if (healthy < t.minHealthy) {
    const zero = side === 'source' ? ' (after stage rds-only, stage rds starts its tasks again: apply it and wait)' : '';
    return fail(`${who} has ${healthy} healthy target(s) in ${group.TargetGroupName}, fewer than its minimum of ${t.minHealthy}${others.length ? ` (others: ${others.join(', ')})` : ''}: wait for its tasks to pass /api/health (aws ecs wait services-stable), or read their logs${zero}`);
  }
  return { check, ok: true, detail: `${who} has ${healthy} healthy target(s) in ${group.TargetGroupName} (minimum ${t.minHealthy})` };
}

/** The last recorded data move is a success in the wanted direction. */
export function checkLastSync(state: EnvironmentState, direction: 'forward' | 'reverse', where: string, o: { beforeVerdict?: boolean } = {}): CheckResult {
  const check: Precondition = direction === 'forward' ? 'forward-sync' : 'reverse-sync';
  const command = direction === 'forward' ? 'npm run db:sync -- finish --freeze --env <env>' : 'npm run db:rollback -- --env <env>';
  const last = state.lastSync;
  const r = (ok: boolean, detail: string): CheckResult => ({ check, part: 'record', ok, detail });
  if (!last) return r(false, `no data move recorded in ${where}: run ${command} first`);
  if (last.direction !== direction) return r(false, `the last recorded data move (${last.at}) went ${last.direction}, not ${direction}: run ${command} first`);
  if (!last.ok) {
    if (direction === 'forward' && last.openedAt) {
      return r(false, `the verification of db:sync finish failed after writes opened on the target (${last.openedAt}): ${last.message ?? 'see its output'}; run npm run db:rollback -- --env <env> (the reverse replication finish armed carries every write made on the target since back), then fix the difference and go forward again (db:sync start --truncate, finish)`);
    }
    return r(false, `the last ${command.split(' -- ')[0].replace('npm run ', '')} (${last.at}) failed: ${last.message ?? 'see its output'}; fix it and rerun`);
  }
  if (direction === 'forward' && last.verification === 'verifying') {
    if (o.beforeVerdict) return r(true, `db:sync finish opened writes on the target at ${last.openedAt ?? last.at} and is still verifying; --before-verdict: the app moves before the verdict (should it fail, npm run db:rollback carries every write made on the target since back)`);
    return r(false, `db:sync finish opened writes on the target at ${last.openedAt ?? last.at} and has no verdict yet (open, verifying): wait for it to print "verified"; if that finish is no longer running, rerun ${command} (it verifies the frozen source against the target again) or run npm run db:rollback -- --env <env>; or move now with --before-verdict (a failed verdict then needs db:rollback, which carries the writes back)`);
  }
  return r(true, `${direction === 'forward' ? 'db:sync finish' : 'db:rollback'} succeeded at ${last.at} (${last.source} -> ${last.target}, freeze ${last.freezeMs ?? '?'} ms${last.verification === 'verified' ? `, verified after the open in ${last.verifyMs ?? '?'} ms` : ''})`);
}

/** What every check may read. */
export interface CheckContext {
  readonly envName: string;
  readonly healthUrl: string;
  /** Alarm name prefix, e.g. `venture-nudge-production-`. */
  readonly alarmPrefix: string;
  readonly cloudwatch: CloudWatchClient;
  /** The record of the day and where it was read. */
  readonly record: EnvironmentState;
  readonly recordWhere: string;
  /** The source URL, for the live check of forward-sync. */
  readonly sourceUrl?: string;
  /** Settle time of the statistics in the live check (source.ts). @default 11000 */
  readonly settleMs?: number;
  /** forward-sync passes while finish is still verifying after the open (`--before-verdict`). @default false */
  readonly beforeVerdict?: boolean;
  /** Where the standby check looks. @default none (the check then fails, naming it) */
  readonly standby?: StandbyTarget;
}

export type Check = (ctx: CheckContext) => Promise<CheckResult[]>;

async function forwardSync(ctx: CheckContext): Promise<CheckResult[]> {
  const record = checkLastSync(ctx.record, 'forward', ctx.recordWhere, { beforeVerdict: ctx.beforeVerdict });
  if (!record.ok) return [record];
  const live = (part: CheckResult['part'], ok: boolean, detail: string): CheckResult => ({ check: 'forward-sync', part, ok, detail });
  const mark = ctx.record.lastSync?.sourceMark;
  if (!mark) return [record, live('no-write', false, `the finish recorded in ${ctx.recordWhere} has no source mark, so a write since cannot be ruled out: record finish again with this version (npm run db:sync -- finish --freeze --env ${ctx.envName})`)];
  if (!ctx.sourceUrl) return [record, live('frozen', false, 'the live check of the source needs its URL: set SOURCE_DATABASE_URL (or pass --source-env NAME)')];
  const findings = await checkSourceUrl(ctx.sourceUrl, mark, { envName: ctx.envName, settleMs: ctx.settleMs });
  return [record, ...findings.map((f) => live(f.what, f.ok, f.detail))];
}

/** One check per precondition name. */
export const PRECONDITIONS: Readonly<Record<Precondition, Check>> = {
  health: async (ctx) => [await checkHealthUrl(ctx.healthUrl)],
  alarms: async (ctx) => [await checkAlarms(ctx.cloudwatch, ctx.alarmPrefix)],
  'forward-sync': forwardSync,
  'reverse-sync': async (ctx) => [checkLastSync(ctx.record, 'reverse', ctx.recordWhere)],
  standby: async (ctx) => [ctx.standby ? await checkStandby(ctx.standby, 'rds') : { check: 'standby', ok: false, detail: 'the standby check needs the ALB (an ELBv2 client): run it through npm run cutover' }],
  'source-standby': async (ctx) => [ctx.standby ? await checkStandby(ctx.standby, 'source') : { check: 'source-standby', ok: false, detail: 'the source-standby check needs the ALB (an ELBv2 client): run it through npm run cutover' }],
  // The verdict itself, --before-verdict or not: a failed one needs the source side's tasks.
  verified: async (ctx) => [{ ...checkLastSync(ctx.record, 'forward', ctx.recordWhere), check: 'verified' }],
};
