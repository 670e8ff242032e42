/**
 * `cutover --check-stage`: does the committed config's stage equal the stage `cutover --apply`
 * last applied (the record of the day)? A deploy that applies the committed config must not
 * revert a stage applied from a laptop, nor skip one: CI runs this before it applies.
 *
 *   applied stage recorded      ok when the committed stage is the applied one
 *   nothing applied yet         ok when the committed stage is the environment's starting stage
 *                               (the default: `vercel`, or `aws` for an environment that starts on
 *                               AWS such as staging); any other stage has to be reached by cutover
 */
import { defaultConfig, type Config, type CutoverStage } from '../../../stacks/config';
import type { AppliedStage, EnvironmentState } from './ledger';

export interface StageCheck {
  readonly ok: boolean;
  readonly env: string;
  /** The stage in the committed config. */
  readonly committed: CutoverStage;
  /** The stage cutover last applied, when one is recorded. */
  readonly applied: AppliedStage | null;
  /** Where the record was read. */
  readonly record: string;
  /** One sentence: why ok, or what differs and the command to run. */
  readonly message: string;
}

/** The environment's starting stage (before any cutover): its default. */
export function startingStage(envName: string): CutoverStage {
  return defaultConfig().environments[envName]?.cutover.stage ?? 'vercel';
}

export function checkStage(config: Config, envName: string, record: EnvironmentState, where: string): StageCheck {
  const committed = config.environments[envName].cutover.stage;
  const applied = record.applied ?? null;
  const base = { env: envName, committed, applied, record: where };
  const run = (stage: CutoverStage) => `npm run cutover -- --env ${envName} --to ${stage} --apply`;
  if (applied) {
    if (applied.stage === committed) return { ...base, ok: true, message: `committed stage ${committed} is the stage applied at ${applied.at}` };
    return {
      ...base,
      ok: false,
      message:
        `the committed config says stage ${committed} but stage ${applied.stage} was applied by cutover at ${applied.at} (${where}): a deploy would move AWS without the cutover's checks. ` +
        `To move AWS to ${committed} run ${run(committed)}; to keep ${applied.stage}, commit the config at stage ${applied.stage} (the file cutover wrote)`,
    };
  }
  const start = startingStage(envName);
  if (committed === start) return { ...base, ok: true, message: `no stage applied by cutover yet (${where}); the committed stage ${committed} is the starting stage` };
  return {
    ...base,
    ok: false,
    message:
      `no stage applied by cutover is recorded in ${where}, and the committed stage ${committed} is not the starting stage ${start}: ` +
      `reach it with cutover, one step at a time from the stage AWS runs now (e.g. ${run(committed)}), which records the applied stage`,
  };
}
