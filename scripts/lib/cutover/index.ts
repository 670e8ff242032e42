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
import { planTransition, type Transition } from './stages';

export * from './stages';
export * from './preconditions';
export * from './change';
export * from './config-file';
export * from './ledger';
export * from './check-stage';

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
   * Applies the change (the edited config) before anything is written; resolves true when
   * applied, false when the operator declined; throws when the apply failed.
   * @default none: the stage is only written into the config file
   */
  readonly apply?: (edit: StageEdit, change: StageChange) => Promise<boolean>;
}

export interface CutoverResult {
  readonly ok: boolean;
  readonly transition: Transition;
  readonly checks: CheckResult[];
  readonly change: StageChange | null;
  /** The config file was written. */
  readonly written: boolean;
  /** The change was applied (and recorded as the applied stage). */
  readonly applied: boolean;
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
  if (!applied && databaseOfRecord(to) === 'rds') return { ...t, reason: `the config is already at stage rds but no applied stage is recorded: set the config back to stage ready and run --to rds again, with its checks` };
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
  const transition = transitionFor(from, o.to, Boolean(o.apply), record.applied?.stage);
  const none = { checks: [] as CheckResult[], change: null, written: false, applied: false };
  if (!transition.allowed) return { ok: false, transition, ...none, error: `refused: ${transition.reason}` };
  const names = namesFor(before, o.envName);
  const env = before.environments[o.envName];
  if (awaitingDelegation(env) && STAGE_WEIGHTS[o.to].aws > 0) {
    return { ok: false, transition, ...none, error: `refused: environments.${o.envName}.dns.delegated is false, so the stack holds only its new zone and nothing on AWS takes weight yet: delegate ${env.domain} to the zone, set environments.${o.envName}.dns.delegated to true and apply (README: "Zone and delegation"), then run this again` };
  }
  const ctx = {
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
  const checks: CheckResult[] = [];
  for (const c of transition.preconditions) checks.push(...(await PRECONDITIONS[c](ctx)));
  const change = stageChange(before, edit.after, o.envName);
  const failed = checks.filter((c) => !c.ok);
  const result = { transition, checks, change, written: false, applied: false };
  if (failed.length) return { ok: false, ...result, error: `precondition failed: ${failed.map((c) => c.detail).join('; ')}` };
  if (o.dryRun) return { ok: true, ...result };
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
