/**
 * The checks `cutover` runs before a stage change: the test host's health endpoint, the
 * environment's CloudWatch alarms, and the last data move recorded by db:sync / db:rollback.
 */
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { EnvironmentState } from '../db/sync/state';
import type { Precondition } from './stages';

export interface CheckResult {
  readonly check: Precondition;
  readonly ok: boolean;
  readonly detail: string;
}

/** GET the health URL: healthy is HTTP 200 and, for a JSON body with `status`, status ok/healthy. */
export async function checkHealth(url: string, timeoutMs = 10000): Promise<CheckResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    const body = await res.text();
    if (res.status !== 200) return { check: 'health', ok: false, detail: `${url} answered HTTP ${res.status}: fix the app on AWS before moving traffic` };
    let status: unknown;
    try {
      status = (JSON.parse(body) as { status?: unknown }).status;
    } catch {
      status = undefined;
    }
    if (typeof status === 'string' && !/^(ok|healthy|pass|up)$/i.test(status)) return { check: 'health', ok: false, detail: `${url} answered status "${status}"` };
    return { check: 'health', ok: true, detail: `${url} healthy (HTTP 200)` };
  } catch (err) {
    return { check: 'health', ok: false, detail: `${url} did not answer (${(err as Error).message}): check the test host and the ALB` };
  }
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

/** The last recorded data move is a success in the wanted direction. */
export function checkLastSync(state: EnvironmentState, direction: 'forward' | 'reverse', file: string): CheckResult {
  const check: Precondition = direction === 'forward' ? 'forward-sync' : 'reverse-sync';
  const command = direction === 'forward' ? 'npm run db:sync -- finish --freeze --env <env>' : 'npm run db:rollback -- --env <env>';
  const last = state.lastSync;
  if (!last) return { check, ok: false, detail: `no data move recorded in ${file}: run ${command} first` };
  if (last.direction !== direction) return { check, ok: false, detail: `the last recorded data move (${last.at}) went ${last.direction}, not ${direction}: run ${command} first` };
  if (!last.ok) return { check, ok: false, detail: `the last ${command.split(' -- ')[0].replace('npm run ', '')} (${last.at}) failed: ${last.message ?? 'see its output'}; fix it and rerun` };
  return { check, ok: true, detail: `${direction === 'forward' ? 'db:sync finish' : 'db:rollback'} succeeded at ${last.at} (${last.source} -> ${last.target}, freeze ${last.freezeMs ?? '?'} ms)` };
}
