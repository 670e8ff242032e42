/**
 * `cutover`: the one command an operator runs at each step.
 *
 *   1. refuses transitions the stage machine does not allow (stages.ts);
 *   2. checks the transition's preconditions (preconditions.ts);
 *   3. writes the stage into the config file (config-file.ts), validated by the config schema;
 *   4. shows the change (change.ts);
 *   5. with apply, runs terraform on the environment's stack (apply.ts).
 *
 * Nothing is written when the transition is refused or a precondition fails (or with dryRun).
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { namesFor, type CutoverStage } from '../../../stacks/config';
import { readState, stateFile } from '../db/sync/state';
import { stageChange, type StageChange } from './change';
import { editStage, writeStage } from './config-file';
import { checkAlarms, checkHealth, checkLastSync, type CheckResult } from './preconditions';
import { planTransition, type Transition } from './stages';

export * from './stages';
export * from './preconditions';
export * from './change';
export * from './config-file';

export interface CutoverOptions {
  readonly envName: string;
  readonly to: CutoverStage;
  /** The JSON config file to edit. */
  readonly configFile: string;
  /** Health URL of the always-AWS test host. @default https://<testHost><healthCheckPath> */
  readonly healthUrl?: string;
  readonly cloudwatch: CloudWatchClient;
  /** Where db:sync / db:rollback record their outcome. */
  readonly stateDir: string;
  /** Check and show, write nothing. */
  readonly dryRun?: boolean;
}

export interface CutoverResult {
  readonly ok: boolean;
  readonly transition: Transition;
  readonly checks: CheckResult[];
  readonly change: StageChange | null;
  /** The config file was written. */
  readonly written: boolean;
  /** One line saying why nothing was written, when ok is false. */
  readonly error?: string;
}

async function runCheck(check: CheckResult['check'], o: CutoverOptions, healthUrl: string, alarmPrefix: string): Promise<CheckResult> {
  if (check === 'health') return checkHealth(healthUrl);
  if (check === 'alarms') return checkAlarms(o.cloudwatch, alarmPrefix);
  const file = stateFile(o.envName, o.stateDir);
  return checkLastSync(readState(o.envName, o.stateDir), check === 'forward-sync' ? 'forward' : 'reverse', file);
}

/** Plans, checks and (unless dryRun or refused) writes one stage change. */
export async function runCutover(o: CutoverOptions): Promise<CutoverResult> {
  const edit = editStage(o.configFile, o.envName, o.to);
  const from = edit.before.environments[o.envName].cutover.stage;
  const transition = planTransition(from, o.to);
  if (!transition.allowed) return { ok: false, transition, checks: [], change: null, written: false, error: `refused: ${transition.reason}` };
  const names = namesFor(edit.before, o.envName);
  const env = edit.before.environments[o.envName];
  const healthUrl = o.healthUrl ?? `https://${names.testHost}${env.service.healthCheckPath}`;
  const checks: CheckResult[] = [];
  for (const c of transition.preconditions) checks.push(await runCheck(c, o, healthUrl, `${names.prefix}-`));
  const change = stageChange(edit.before, edit.after, o.envName);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length) return { ok: false, transition, checks, change, written: false, error: `precondition failed: ${failed.map((c) => c.detail).join('; ')}` };
  if (!o.dryRun) writeStage(edit);
  return { ok: true, transition, checks, change, written: !o.dryRun };
}
