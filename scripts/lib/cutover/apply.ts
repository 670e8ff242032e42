/**
 * `cutover --apply` as a reviewed change, like a pull request's plan:
 *
 *   1. the stack is synthesized from the edited config (a copy beside the config file: the file
 *      itself is written only after the apply succeeded);
 *   2. every variable the stack declares without a default must come as `TF_VAR_<name>`: a missing
 *      one is refused by name before terraform runs;
 *   3. terraform init, then `plan -out=cutover.tfplan`, summarized with the plan review's summary
 *      (scripts/lib/terraform/plan-summary.ts): what is added, changed, destroyed, stateful alerts;
 *   4. the operator confirms (a prompt on a terminal, or --yes), then exactly the saved plan is
 *      applied (`terraform apply cutover.tfplan`: what was shown is what runs).
 *
 * The database switch (ready <-> rds: only the listener's weights move, see change.ts) is applied
 * in two reviewed plans: first `plan -target=<the weighted listener rule>` (the switch alone: one
 * ALB change, seconds, inside the read-only window), then the full plan (the alarms and outputs
 * that follow the service taking requests), each shown and confirmed before it is applied.
 *
 * The switch can be prepared before the freeze (`prepareOnly`: planned, shown, confirmed, saved
 * with a marker, see prepared.ts); the apply inside the read-only window then runs
 * `terraform apply <that plan>` at once, before any synth or init, and plans the rest after.
 *
 * Terraform's failures surface with their own error text (TerraformError carries stderr).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PROJECT_DIR, synthStacks } from '../terraform/synth';
import { terraform, TerraformError } from '../terraform/run';
import { renderSummaryMarkdown, summarizePlan, type PlanDocument, type PlanSummary } from '../terraform/plan-summary';
import type { StageEdit } from './config-file';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { clearPrepared, findPrepared, sha256, writePrepared } from './prepared';
import { apiSwitchOf, switchByApi } from './api-switch';

export const PLAN_FILE = 'cutover.tfplan';
/** The saved plan of the switch alone (the weighted listener rule). */
export const SWITCH_PLAN_FILE = 'cutover-switch.tfplan';
/** The one variable every environment stack declares without a default. */
export { ORIGIN_SECRET_ENV } from '../../../stacks/variables';

export interface ApplyStep {
  readonly args: string[];
  readonly why: string;
}

/** terraform commands run in the stack directory, in order (the confirmation sits before the last). */
export function applySteps(planFile = PLAN_FILE): ApplyStep[] {
  return [
    { args: ['init', '-input=false'], why: 'providers and backend' },
    { args: ['plan', '-input=false', `-out=${planFile}`], why: 'the change, saved for review' },
    { args: ['show', '-json', planFile], why: 'the saved plan, summarized' },
    { args: ['apply', '-input=false', planFile], why: 'exactly the reviewed plan (Route 53 weights, the RDS-side service, or the listener weights)' },
  ];
}

/**
 * Addresses of the listener and listener rules whose forward action carries weights (the
 * database switch), from a synthesized stack JSON.
 */
export function switchAddresses(stackJson: { resource?: Record<string, Record<string, Record<string, unknown>>> }): string[] {
  const out: string[] = [];
  for (const type of ['aws_lb_listener_rule', 'aws_lb_listener']) {
    for (const [id, r] of Object.entries(stackJson.resource?.[type] ?? {})) {
      const actions = (r.action ?? r.default_action ?? []) as { forward?: unknown }[];
      if (actions.some((a) => a.forward !== undefined)) out.push(`${type}.${id}`);
    }
  }
  return out;
}

/** Variables of a synthesized stack (cdk.tf.json) without a default and without `TF_VAR_<name>` in `env`. */
export function missingVariables(stackJson: { variable?: Record<string, { default?: unknown }> }, env: NodeJS.ProcessEnv): string[] {
  return Object.entries(stackJson.variable ?? {})
    .filter(([name, v]) => v.default === undefined && !env[`TF_VAR_${name}`])
    .map(([name]) => `TF_VAR_${name}`);
}

export interface ReviewedApplyOptions {
  readonly envName: string;
  /** The edited config (not yet written). */
  readonly edit: StageEdit;
  /** Shown the plan summary; resolves true to apply. */
  readonly confirm: (summary: PlanSummary, text: string) => Promise<boolean>;
  /** Where synth writes. @default <project>/cdktf.out */
  readonly outdir?: string;
  readonly log?: (line: string) => void;
  /** terraform's output as it runs. @default stderr */
  readonly onOutput?: (chunk: string) => void;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default 3600 */
  readonly timeoutSeconds?: number;
  /** Values masked in terraform's output. @default the TF_VAR_* values */
  readonly secrets?: readonly string[];
  /** Synthesizes the stack from a config file and returns the stack directory. @default synthStacks */
  readonly synth?: (configFile: string) => Promise<string>;
  /**
   * The change is the database switch (change.ts switchOnly): the weighted listener is planned
   * and applied alone first, then the rest. `confirm` is asked once per plan. @default false
   */
  readonly switchFirst?: boolean;
  /** Addresses the switch plan targets, from the synthesized stack JSON. @default switchAddresses */
  readonly switchTargets?: (stackJson: Record<string, unknown>) => string[];
  /** Told when the switch was applied but the rest of the plan was declined or failed (the stage is still written). */
  readonly onRestPending?: (message: string) => void;
  /**
   * With switchFirst: plan, show and confirm the switch alone, save it for a later apply (prepared.ts)
   * and apply nothing. Resolves true when confirmed and saved. @default false
   */
  readonly prepareOnly?: boolean;
  /** Where a prepared switch is saved and looked for. @default <outdir>/stacks/<envName> */
  readonly stackDir?: string;
  /** A prepared switch older than this is planned again. @default 3600 (PREPARED_MAX_AGE_SECONDS) */
  readonly preparedMaxAgeSeconds?: number;
  /**
   * Applies a prepared switch's one ModifyRule through the API before terraform applies its plan
   * (api-switch.ts). @default none: terraform alone applies it
   */
  readonly elbv2?: ElasticLoadBalancingV2Client;
}

function defaultSynth(o: ReviewedApplyOptions): (configFile: string) => Promise<string> {
  return async (configFile) => {
    const outdir = o.outdir ?? join(PROJECT_DIR, 'cdktf.out');
    const synth = await synthStacks({ outdir, stacks: [o.envName], offline: false, configFile, log: o.log });
    const file = synth.files[o.envName];
    if (!file) throw new Error(`synth wrote no stack for environment ${o.envName}: check --env and the config's environments`);
    return dirname(file);
  };
}

/** Synthesizes from the edited config; returns the stack directory. */
async function synthEdited(o: ReviewedApplyOptions): Promise<string> {
  const copy = join(dirname(o.edit.file), `.${basename(o.edit.file)}.cutover-${process.pid}.json`);
  writeFileSync(copy, o.edit.text);
  try {
    return await (o.synth ?? defaultSynth(o))(copy);
  } finally {
    rmSync(copy, { force: true });
  }
}

type Run = (step: ApplyStep, capture?: boolean) => Promise<{ stdout: string }>;

/**
 * Applies the prepared switch when it still holds (prepared.ts); resolves false when there is
 * none, or it no longer holds, or terraform calls it stale (the caller then plans it again).
 */
async function applyPrepared(o: ReviewedApplyOptions, runIn: (dir: string) => Run): Promise<boolean> {
  const dir = o.stackDir ?? join(o.outdir ?? join(PROJECT_DIR, 'cdktf.out'), 'stacks', o.envName);
  const found = findPrepared(dir, { envName: o.envName, to: o.edit.after.environments[o.envName].cutover.stage, editText: o.edit.text, maxAgeSeconds: o.preparedMaxAgeSeconds });
  if (!found.usable) {
    if (found.why) {
      o.log?.(`a prepared switch is in ${dir} but is not used: ${found.why}; the switch is planned again`);
      clearPrepared(dir);
    }
    return false;
  }
  const p = found.prepared;
  const byApi = p.api && o.elbv2 ? await switchByApi(o.elbv2, p.api) : undefined;
  if (byApi) o.log?.(`${byApi.switched ? 'switched' : 'not switched by the API'}: ${byApi.detail}`);
  try {
    await runIn(dir)({ args: ['apply', '-input=false', p.planFile], why: `the switch prepared and confirmed at ${p.at} (${p.targets.join(', ')}), applied as saved${byApi?.switched ? ': its state follows the live switch' : ''}` });
  } catch (e) {
    if (byApi?.switched && !(e instanceof TerraformError && /saved plan is stale/i.test(e.message))) {
      throw new Error(`the switch is live (${byApi.detail}), but terraform apply of the saved plan failed: ${(e as Error).message.split('\n')[0]}; rerun the same cutover command with --apply (it plans again, finds the listener switched and records the stage), or switch back with --to ready --apply`);
    }
    if (!(e instanceof TerraformError && /saved plan is stale/i.test(e.message))) throw e;
    o.log?.('terraform calls the prepared switch stale (the state changed since it was planned): the switch is planned again');
    clearPrepared(dir, p.planFile);
    return false;
  }
  clearPrepared(dir, p.planFile);
  return true;
}

/** Synthesizes, plans, asks, applies the saved plan. Resolves false when declined; throws on failure. */
export async function reviewedApply(o: ReviewedApplyOptions): Promise<boolean> {
  const env = o.env ?? process.env;
  const secrets = o.secrets ?? Object.entries(env).filter(([k, v]) => k.startsWith('TF_VAR_') && v).map(([, v]) => v as string);
  const runIn = (dir: string): Run => async (step, capture = false) => {
    o.log?.(`terraform ${step.args.join(' ')}   # ${step.why}`);
    const onOutput = capture ? undefined : (o.onOutput ?? ((c: string) => process.stderr.write(c)));
    return terraform(dir, step.args, { env, secrets, timeoutSeconds: o.timeoutSeconds ?? 3600, onOutput });
  };
  // Inside the read-only window: the prepared switch first, before synth and init.
  const switched = Boolean(o.switchFirst && !o.prepareOnly) && (await applyPrepared(o, runIn));
  const dir = await synthEdited(o);
  const stackFile = join(dir, 'cdk.tf.json');
  if (!existsSync(stackFile)) throw new Error(`${stackFile}: the synthesized stack is missing: rerun npm run synth`);
  const missing = missingVariables(JSON.parse(readFileSync(stackFile, 'utf8')), env);
  if (missing.length) throw new Error(`${missing.join(', ')} not set: the stack's variable(s) need a value before terraform runs (e.g. export TF_VAR_origin_verify_secret=<the CloudFront->ALB secret>)`);
  const run = runIn(dir);
  const [init, plan, show, apply] = applySteps();
  await run(init);
  let reviewed: PlanDocument | undefined;
  const review = async (planStep: ApplyStep, showStep: ApplyStep, applyStep: ApplyStep | null, file: string, part?: string): Promise<boolean> => {
    await run(planStep);
    reviewed = JSON.parse((await run(showStep, true)).stdout) as PlanDocument;
    const summary = summarizePlan(reviewed);
    const text = `${part ? `${part}\n\n` : ''}${renderSummaryMarkdown(summary, o.envName)}`;
    if (!(await o.confirm(summary, text))) {
      rmSync(join(dir, file), { force: true });
      return false;
    }
    if (applyStep) await run(applyStep);
    return true;
  };
  if (o.switchFirst) {
    if (!switched) {
      const targets = (o.switchTargets ?? switchAddresses)(JSON.parse(readFileSync(stackFile, 'utf8')));
      if (!targets.length) throw new Error(`${stackFile}: no listener with a weighted forward action: the switch needs both services (stage ready or rds)`);
      const switchPlan: ApplyStep = { args: ['plan', '-input=false', ...targets.map((t) => `-target=${t}`), `-out=${SWITCH_PLAN_FILE}`], why: 'the switch alone: the listener weights' };
      const switchShow: ApplyStep = { args: ['show', '-json', SWITCH_PLAN_FILE], why: 'the switch, summarized' };
      const switchApply: ApplyStep = { args: ['apply', '-input=false', SWITCH_PLAN_FILE], why: 'exactly the reviewed switch' };
      if (o.prepareOnly) {
        clearPrepared(dir);
        if (!(await review(switchPlan, switchShow, null, SWITCH_PLAN_FILE, `The switch (${targets.join(', ')}), prepared now, applied by --apply:`))) return false;
        const api = reviewed && apiSwitchOf(reviewed);
        writePrepared(dir, { envName: o.envName, to: o.edit.after.environments[o.envName].cutover.stage, editSha256: sha256(o.edit.text), planFile: SWITCH_PLAN_FILE, targets, ...(api ? { api } : {}) });
        if (api) o.log?.(`prepared: --apply sets ${api.address} by one ModifyRule first, then terraform applies this plan`);
        return true;
      }
      if (!(await review(switchPlan, switchShow, switchApply, SWITCH_PLAN_FILE, `The switch (${targets.join(', ')}), applied first:`))) return false;
    }
    // The switch is the stage: from here it is live and must be written and recorded, whatever the rest does.
    let rest: string | undefined;
    try {
      if (!(await review(plan, show, apply, PLAN_FILE, 'The rest of the stage (alarms and outputs that follow the service taking requests):'))) rest = 'the rest of the plan was not confirmed';
    } catch (e) {
      rest = `the rest of the plan failed: ${(e as Error).message.split('\n')[0]}`;
    }
    if (rest) o.onRestPending?.(`the switch is applied and live, but ${rest}: rerun the same cutover command with --apply (it re-applies the stage: no move, no precondition)`);
    return true;
  }
  if (o.prepareOnly) throw new Error('--prepare is for the database switch alone (ready <-> rds, the listener weights): this change is applied with --apply');
  return review(plan, show, apply, PLAN_FILE);
}
