/**
 * `cutover`: the one command an operator runs at each step.
 *
 *   1. reads the record of the day (ledger.ts): the stage last applied is where the move starts
 *      (the config's stage when none was applied yet);
 *   2. refuses transitions the stage machine does not allow (stages.ts);
 *   3. checks the transition's preconditions (preconditions.ts, one check per name);
 *   4. shows the change (change.ts);
 *   5. with `apply` (apply.ts: a saved plan, reviewed, then applied), applies it first, then
 *      writes the stage into the config file (config-file.ts) and records the applied stage;
 *      without `apply`, writes the stage into the config file for a later apply.
 *
 * With `prepare` (the database switch only, before the freeze): the checks that do not depend on
 * the data move run, the data ones (forward-sync, reverse-sync) wait for the apply, and `apply`
 * is called to plan, show and save the switch (prepared.ts); no stage is written or recorded.
 *
 * Nothing is written when the transition is refused, a precondition fails, the apply fails or is
 * declined, or with dryRun.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awaitingDelegation, databaseOfRecord, namesFor, STAGE_WEIGHTS, type CutoverStage } from '../../../stacks/config';
import { stageChange, type StageChange } from './change';
import { editStage, writeStage, type StageEdit } from './config-file';
import { fileLedger, type DayLedger } from './ledger';
import { PRECONDITIONS, type CheckResult } from './preconditions';
import { waitForOpen, type AtOpenOptions } from './at-open';
import { planTransition, type Precondition, type Transition } from './stages';

export * from './stages';
export * from './preconditions';
export * from './change';
export * from './config-file';
export * from './ledger';
export * from './check-stage';
export * from './at-open';

export interface CutoverOptions {
  readonly envName: string;
  readonly to: CutoverStage;
  /** The JSON config file to edit. */
  readonly configFile: string;
  /** Health URL of the always-AWS test host. @default https://<testHost><healthCheckPath> */
  readonly healthUrl?: string;
  readonly cloudwatch: CloudWatchClient;
  /** For the standby check before `rds` (the RDS-side target group's health). @default none (the check then fails, naming it) */
  readonly elbv2?: ElasticLoadBalancingV2Client;
  /** Where the local record of the day lives (used when no `ledger` is given). */
  readonly stateDir: string;
  /** The record of the day. @default fileLedger(envName, stateDir) */
  readonly ledger?: DayLedger;
  /** The source URL, for the live check before `rds`. @default none (the check then fails, naming it) */
  readonly sourceUrl?: string;
  /** Settle time of the source's statistics in the live check. @default 11000 */
  readonly settleMs?: number;
  /** Check and show, write nothing. */
  readonly dryRun?: boolean;
  /** `--to rds` while db:sync finish is still verifying after the open (see preconditions.ts). @default false */
  readonly beforeVerdict?: boolean;
  /**
   * `--to rds` at finish's open: the checks that do not depend on the data move run, then the
   * record is read again until finish has opened writes on the target, and the switch goes on as
   * with beforeVerdict (at-open.ts). @default none (the record is read once)
   */
  readonly atOpen?: AtOpenOptions;
  /**
   * Applies the change (the edited config) before anything is written; resolves true when
   * applied, false when the operator declined; throws when the apply failed.
   * @default none: the stage is only written into the config file
   */
  readonly apply?: (edit: StageEdit, change: StageChange) => Promise<boolean>;
  /**
   * Prepare the database switch instead of applying it: `apply` is then called to plan, confirm
   * and save it, and nothing is written. The data preconditions (DATA_PRECONDITIONS) are left to
   * the apply. @default false
   */
  readonly prepare?: boolean;
}

/** Preconditions about the data move: checked when the switch is applied, not when it is prepared. */
export const DATA_PRECONDITIONS: readonly Precondition[] = ['forward-sync', 'reverse-sync'];

export interface CutoverResult {
  readonly ok: boolean;
  readonly transition: Transition;
  readonly checks: CheckResult[];
  readonly change: StageChange | null;
  /** The config file was written. */
  readonly written: boolean;
  /** The change was applied (and recorded as the applied stage). */
  readonly applied: boolean;
  /** The switch was prepared (planned, confirmed and saved for the apply). */
  readonly prepared?: boolean;
  /** Preconditions left to the apply (with prepare). */
  readonly deferred?: Precondition[];
  /** One line saying why nothing was written, when ok is false. */
  readonly error?: string;
}

/**
 * The transition to run, from the applied stage. With apply, the stage already applied may be
 * applied again (no move, no check); so may the config's stage when nothing is recorded yet,
 * unless it is `rds` (the database of record moves only through the checks).
 */
function transitionFor(from: CutoverStage, to: CutoverStage, apply: boolean, applied: CutoverStage | undefined): Transition {
  const t = planTransition(from, to);
  if (t.allowed || !apply || from !== to) return t;
  if (!applied && databaseOfRecord(to) === 'rds') return { ...t, reason: `the config is already at stage ${to} but no applied stage is recorded: set the config back to stage ready and run --to rds again, with its checks` };
  return { ...t, allowed: true, reason: `re-applies stage ${to} (${applied ? 'the stage last applied' : 'the config\'s stage; nothing recorded yet'}): no move, no precondition`, preconditions: [] };
}

/** Plans, checks and (unless dryRun or refused) applies and writes one stage change. */
export async function runCutover(o: CutoverOptions): Promise<CutoverResult> {
  const ledger = o.ledger ?? fileLedger(o.envName, o.stateDir);
  const record = await ledger.read();
  const edit = editStage(o.configFile, o.envName, o.to);
  const configured = edit.before.environments[o.envName].cutover.stage;
  const from = record.applied?.stage ?? configured;
  const before = from === configured ? edit.before : editStage(o.configFile, o.envName, from).after;
  const transition = transitionFor(from, o.to, Boolean(o.apply) && !o.prepare, record.applied?.stage);
  const none = { checks: [] as CheckResult[], change: null, written: false, applied: false };
  if (!transition.allowed) return { ok: false, transition, ...none, error: `refused: ${transition.reason}` };
  const names = namesFor(before, o.envName);
  const env = before.environments[o.envName];
  if (awaitingDelegation(env) && STAGE_WEIGHTS[o.to].aws > 0) {
    return { ok: false, transition, ...none, error: `refused: environments.${o.envName}.dns.delegated is false, so the stack holds only its new zone and nothing on AWS takes weight yet: delegate ${env.domain} to the zone, set environments.${o.envName}.dns.delegated to true and apply (README: "Zone and delegation"), then run this again` };
  }
  let ctx = {
    envName: o.envName,
    healthUrl: o.healthUrl ?? `https://${names.testHost}${env.service.healthCheckPath}`,
    alarmPrefix: `${names.prefix}-`,
    cloudwatch: o.cloudwatch,
    record,
    recordWhere: ledger.where,
    sourceUrl: o.sourceUrl,
    settleMs: o.settleMs,
    beforeVerdict: o.beforeVerdict,
    standby: o.elbv2 ? { client: o.elbv2, loadBalancerName: `${names.prefix}-alb`, minHealthy: env.service.minTasks } : undefined,
  };
  const change = stageChange(before, edit.after, o.envName);
  if (o.prepare && !change.switchOnly) {
    return { ok: false, transition, ...none, change, error: `refused: --prepare is for the database switch alone (stage ready <-> rds: only the listener's weights move); ${from} -> ${o.to} is applied with --apply` };
  }
  if (o.atOpen && (o.to !== 'rds' || o.prepare || o.dryRun || !o.apply)) throw new Error('atOpen is for --to rds --apply alone');
  const deferred = o.prepare || o.atOpen ? transition.preconditions.filter((c) => DATA_PRECONDITIONS.includes(c)) : [];
  const checks: CheckResult[] = [];
  for (const c of transition.preconditions) if (!deferred.includes(c)) checks.push(...(await PRECONDITIONS[c](ctx)));
  const result = { transition, checks, change, written: false, applied: false, ...(o.prepare ? { deferred } : {}) };
  const failure = () => checks.filter((c) => !c.ok).map((c) => c.detail).join('; ');
  if (failure()) return { ok: false, ...result, error: `precondition failed: ${failure()}` };
  if (o.atOpen) {
    const open = await waitForOpen(ledger, record, o.atOpen);
    if ('error' in open) return { ok: false, ...result, error: open.error };
    ctx = { ...ctx, record: open.record, beforeVerdict: true };
    for (const c of deferred) checks.push(...(await PRECONDITIONS[c](ctx)));
    if (failure()) return { ok: false, ...result, error: `precondition failed: ${failure()}` };
  }
  if (o.dryRun) return { ok: true, ...result };
  if (o.prepare) {
    if (!o.apply) throw new Error('prepare needs the apply function that plans and saves the switch');
    if (!(await o.apply(edit, change))) return { ok: false, ...result, error: 'the switch was not confirmed' };
    return { ok: true, ...result, prepared: true };
  }
  if (o.apply && !(await o.apply(edit, change))) return { ok: false, ...result, error: 'the plan was not confirmed' };
  writeStage(edit);
  if (o.apply) {
    try {
      await ledger.update({ applied: { stage: o.to, at: new Date().toISOString() } });
    } catch (err) {
      throw new Error(`stage ${o.to} was applied and written to ${o.configFile}, but not recorded: ${(err as Error).message}; rerun this command once the record can be written (it re-applies the stage, no change)`);
    }
  }
  return { ok: true, ...result, written: true, applied: Boolean(o.apply) };
}
