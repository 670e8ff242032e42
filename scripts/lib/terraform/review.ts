/**
 * The plan-review pipeline behind `npm run plan` and `npm run validate`, as
 * named phases: synth (./synth.ts) -> init -> validate -> plan -> show. Each phase is timed;
 * a failure names its phase and stack.
 *
 * Offline mode (the default when no AWS credentials are around) synthesizes with
 * VN_PROVIDER_MODE=offline, installs the provider from the local mirror, uses
 * fake static keys and a local backend, and never refreshes: the plan shows
 * what the configuration would create from empty state.
 */
import { createHash, randomBytes } from 'crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { homedir } from 'os';
import { join, relative, resolve } from 'path';
import { ORIGIN_SECRET_ENV, ORIGIN_SECRET_VARIABLE, PREVIOUS_ORIGIN_SECRET_ENV, PREVIOUS_ORIGIN_SECRET_VARIABLE } from '../../../stacks/variables';
import { maskDeep } from '../proc/mask';
import { OFFLINE_AWS_ENV, terraform, TerraformError } from './run';
import { PROJECT_DIR, SynthResult, synthStacks } from './synth';
import { PlanDocument, PlanSummary, renderSummaryMarkdown, summarizePlan } from './plan-summary';

export { PROJECT_DIR, stackNames, olderThanSources, distIsStale, synthStacks, SynthError } from './synth';
export type { SynthOptions, SynthResult } from './synth';
export const PHASES = ['synth', 'init', 'validate', 'plan', 'show'] as const;
export type Phase = (typeof PHASES)[number];
export { ORIGIN_SECRET_ENV, PREVIOUS_ORIGIN_SECRET_ENV };

/**
 * The previous origin secret(s) a rotation passes to Terraform, to be redacted like the
 * current one. A value that is not a JSON list is redacted whole (Terraform will refuse it).
 */
export function previousOriginSecrets(env: NodeJS.ProcessEnv): string[] {
  const raw = env[PREVIOUS_ORIGIN_SECRET_ENV];
  if (raw === undefined || raw.trim() === '' || raw.trim() === '[]') return [];
  try {
    const list = JSON.parse(raw) as unknown;
    if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return list.filter((x) => x !== '');
  } catch {
    // not JSON: redact the raw value
  }
  return [raw];
}

/** A failure that names the phase (and stack) it happened in. */
export class ReviewError extends Error {
  constructor(readonly phase: Phase | 'setup', readonly stack: string | undefined, message: string) {
    super(`${phase}${stack ? ` (${stack})` : ''}: ${message}`);
    this.name = 'ReviewError';
  }
}

/** True when the usual AWS credential chain has something to find (env keys, profile, web identity, container role, ~/.aws files). */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env, home = homedir()): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE) return true;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  return existsSync(join(home, '.aws', 'credentials')) || existsSync(join(home, '.aws', 'config'));
}

/**
 * The CloudFront->ALB secret the plan needs. Taken from $TF_VAR_origin_verify_secret;
 * in offline mode a random throwaway one is generated when unset. Never logged.
 */
export function originSecret(env: NodeJS.ProcessEnv, offline: boolean): { value: string; generated: boolean } {
  const given = env[ORIGIN_SECRET_ENV];
  if (given !== undefined && given !== '') {
    if (given.length < 32) throw new ReviewError('setup', undefined, `${ORIGIN_SECRET_ENV} must be at least 32 characters (it is ${given.length}); generate one with: openssl rand -base64 33`);
    return { value: given, generated: false };
  }
  if (!offline) throw new ReviewError('setup', undefined, `${ORIGIN_SECRET_ENV} is not set; export the CloudFront->ALB shared secret (>= 32 characters) before planning against AWS`);
  return { value: randomBytes(32).toString('base64url'), generated: true };
}

export interface StackReviewOptions {
  readonly stack: string;
  /** Synthesized `cdk.tf.json` or `cdk.tf`. */
  readonly synthFile: string;
  /** Working directory kept between runs (`.plan/<stack>`): its `.terraform` is reused. */
  readonly workdir: string;
  readonly offline: boolean;
  /** Value for TF_VAR_origin_verify_secret (redacted from plan.json). */
  readonly originSecret: string;
  /** Run `terraform plan` + `show` (false: init + validate only). @default true */
  readonly plan?: boolean;
  /** Run `terraform validate` (plan validates too; tests comparing plans skip it). @default true */
  readonly validate?: boolean;
  /** Build folder whose `stacks/<stack>/` anchors a local backend's relative path (see reviewBackend). @default $CDKTF_OUTDIR or <repo>/cdktf.out */
  readonly buildDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface StackReview {
  readonly stack: string;
  readonly workdir: string;
  /** Seconds per phase (synth is reported by the caller, once for all stacks). */
  readonly timings: Partial<Record<Phase, number>>;
  /** init was skipped because `.terraform` already matched the providers and backend. */
  readonly initCached: boolean;
  readonly validateWarnings: string[];
  readonly planJsonFile?: string;
  readonly summaryFile?: string;
  readonly plan?: PlanDocument;
  readonly summary?: PlanSummary;
}

const INIT_STAMP = '.vn-init-stamp';

/** Replaces every occurrence of `secret` in string values with a marker (the process layer's masker). */
export function redact<T>(value: T, secret: string, marker = '(redacted)'): T {
  return maskDeep(value, [secret], marker);
}

/** The build folder `npm run synth` writes and `terraform apply` runs in (`<buildDir>/stacks/<stack>`). */
export function defaultBuildDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CDKTF_OUTDIR ?? join(PROJECT_DIR, 'cdktf.out'));
}

type Backend = Record<string, Record<string, unknown> | undefined>;

/**
 * The backend a review runs with. Offline: a throwaway local state in the
 * review folder (an offline plan starts from empty state and must never touch
 * the real one). Otherwise the configured backend, with a local `path`
 * resolved against the stack folder `terraform apply` runs in
 * (`<buildDir>/stacks/<stack>`), so plan, apply and the review read one state file.
 */
export function reviewBackend(stack: string, backend: Backend, offline: boolean, buildDir = defaultBuildDir()): { backend: Backend; stateFile?: string; swapped?: string[] } {
  if (offline) {
    const swapped = Object.keys(backend).filter((b) => b !== 'local');
    return { backend: { local: { path: `terraform.${stack}.tfstate` } }, swapped: swapped.length ? swapped : undefined };
  }
  const local = backend.local;
  if (!local) return { backend };
  const stateFile = resolve(buildDir, 'stacks', stack, String(local.path ?? 'terraform.tfstate'));
  return { backend: { ...backend, local: { ...local, path: stateFile } }, stateFile };
}

const swappedNote = (stack: string, swapped: readonly string[]) => `${stack}: offline, so the ${swapped.join(', ')} backend is replaced by a local one for this review (plan from empty state)`;

/**
 * Copies the synthesized file into the working directory, with the backend of
 * `reviewBackend`. Returns the stamp that decides whether `terraform init` can be skipped.
 */
function prepareWorkdir(o: StackReviewOptions, log: (l: string) => void): string | undefined {
  mkdirSync(o.workdir, { recursive: true });
  for (const f of ['cdk.tf', 'cdk.tf.json', 'plan.bin', 'plan.json', 'summary.md']) rmSync(join(o.workdir, f), { force: true });
  const buildDir = o.buildDir ?? defaultBuildDir();
  if (o.synthFile.endsWith('.json')) {
    const doc = JSON.parse(readFileSync(o.synthFile, 'utf8')) as { terraform?: { backend?: Backend } };
    const chosen = reviewBackend(o.stack, doc.terraform?.backend ?? {}, o.offline, buildDir);
    if (chosen.swapped) log(swappedNote(o.stack, chosen.swapped));
    if (chosen.stateFile) log(`${o.stack}: local backend, so this plan reads ${relative(process.cwd(), chosen.stateFile)}, the state terraform apply in ${relative(process.cwd(), join(buildDir, 'stacks', o.stack))} writes (none = everything is new); use the S3 backend for team reviews`);
    doc.terraform = { ...doc.terraform, backend: chosen.backend };
    writeFileSync(join(o.workdir, 'cdk.tf.json'), JSON.stringify(doc, null, 2));
    return createHash('sha256').update(JSON.stringify(doc.terraform ?? {})).update(o.offline ? 'offline' : 'aws').digest('hex');
  }
  // HCL: the same backend choice, written into the backend block.
  let hcl = readFileSync(o.synthFile, 'utf8');
  const block = /backend\s+"([^"]+)"\s*\{([^}]*)\}/.exec(hcl);
  if (block) {
    const path = /path\s*=\s*"([^"]+)"/.exec(block[2])?.[1];
    const chosen = reviewBackend(o.stack, { [block[1]]: path === undefined ? {} : { path } }, o.offline, buildDir);
    if (chosen.swapped) log(swappedNote(o.stack, chosen.swapped));
    const local = chosen.backend.local;
    if (local) hcl = hcl.replace(block[0], `backend "local" {\npath = ${JSON.stringify(local.path)}\n}`);
  }
  writeFileSync(join(o.workdir, 'cdk.tf'), hcl);
  return undefined; // HCL: always init
}

/** Keeps the first lines of a long Terraform error; the rest is one rerun away. */
function shorten(message: string, workdir: string, max = 25): string {
  const lines = message.split('\n');
  if (lines.length <= max) return message;
  const where = [...new Set([...message.matchAll(/in resource "([^"]+)" "([^"]+)"/g)].map((m) => `${m[1]}.${m[2]}`))];
  return [
    lines[0],
    ...(where.length ? [`Terraform points at: ${where.join(', ')}`] : []),
    ...lines.slice(1, max),
    `... (${lines.length - max} more lines; rerun terraform in ${relative(process.cwd(), workdir) || '.'} for all of it)`,
  ].join('\n');
}

/** init + validate (+ plan + show) for one synthesized stack; writes plan.json and summary.md. */
export async function reviewStack(o: StackReviewOptions): Promise<StackReview> {
  const log = o.log ?? (() => undefined);
  const timings: Partial<Record<Phase, number>> = {};
  const env: NodeJS.ProcessEnv = { ...(o.offline ? OFFLINE_AWS_ENV : {}), ...o.env, [ORIGIN_SECRET_ENV]: o.originSecret };
  const previous = previousOriginSecrets({ ...process.env, ...env });
  // every origin secret Terraform is given, out of messages and plan.json
  const hide = <T>(value: T): T => maskDeep(redact(value, o.originSecret, `(redacted: ${ORIGIN_SECRET_VARIABLE})`), previous, `(redacted: ${PREVIOUS_ORIGIN_SECRET_VARIABLE})`);
  const tf = async (phase: Phase, args: string[], allowCodes: number[] = []) => {
    try {
      return await terraform(o.workdir, args, { env, allowCodes });
    } catch (e) {
      if (e instanceof TerraformError) throw new ReviewError(phase, o.stack, shorten(hide(e.message), o.workdir));
      throw new ReviewError(phase, o.stack, (e as Error).message);
    }
  };

  const stamp = prepareWorkdir(o, log);
  const stampFile = join(o.workdir, INIT_STAMP);
  const initCached =
    stamp !== undefined && existsSync(join(o.workdir, '.terraform', 'providers')) && existsSync(join(o.workdir, '.terraform.lock.hcl')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;
  if (initCached) {
    timings.init = 0;
  } else {
    rmSync(stampFile, { force: true });
    // Offline the backend is always local, so -reconfigure is safe (JSON <-> HCL switches, swapped backends).
    timings.init = (await tf('init', ['init', '-input=false', ...(o.offline ? ['-reconfigure'] : [])])).seconds;
    if (stamp) writeFileSync(stampFile, stamp);
  }

  const validate = (o.validate === false ? Promise.resolve(undefined) : tf('validate', ['validate', '-json'], [1])).then((r) => {
    if (!r) return [];
    type Diagnostics = { valid: boolean; diagnostics?: { severity: string; summary: string; detail?: string; range?: { filename: string; start: { line: number } } }[] };
    let out: Diagnostics;
    try {
      out = JSON.parse(r.stdout) as Diagnostics;
    } catch {
      throw new ReviewError('validate', o.stack, shorten(hide(`terraform validate gave no JSON:\n${r.stderr || r.stdout}`), o.workdir));
    }
    const where = (d: NonNullable<typeof out.diagnostics>[number]) => (d.range ? ` (${d.range.filename}:${d.range.start.line})` : '');
    const errors = (out.diagnostics ?? []).filter((d) => d.severity === 'error');
    if (!out.valid) {
      const text = errors.map((d) => `${d.summary}${where(d)}${d.detail ? `: ${d.detail}` : ''}`).join('\n') || 'configuration is invalid';
      throw new ReviewError('validate', o.stack, shorten(hide(text), o.workdir));
    }
    timings.validate = r.seconds;
    return (out.diagnostics ?? []).filter((d) => d.severity === 'warning').map((d) => `${d.summary}${where(d)}`);
  });
  if (o.plan === false) {
    const validateWarnings = await validate;
    return { stack: o.stack, workdir: o.workdir, timings, initCached, validateWarnings };
  }
  // validate and plan run side by side: both only read the configuration, and plan re-validates anyway.
  const planArgs = ['plan', '-input=false', '-out=plan.bin', ...(o.offline ? ['-refresh=false', '-lock=false'] : [])];
  const [validateResult, planResult] = await Promise.allSettled([validate, tf('plan', planArgs)]);
  if (validateResult.status === 'rejected') throw validateResult.reason;
  if (planResult.status === 'rejected') throw planResult.reason;
  timings.plan = planResult.value.seconds;
  chmodSync(join(o.workdir, 'plan.bin'), 0o600);

  const show = await tf('show', ['show', '-json', 'plan.bin']);
  timings.show = show.seconds;
  const plan = hide(JSON.parse(show.stdout) as PlanDocument);
  const summary = summarizePlan(plan);
  const planJsonFile = join(o.workdir, 'plan.json');
  const summaryFile = join(o.workdir, 'summary.md');
  writeFileSync(planJsonFile, JSON.stringify(plan, null, 1), { mode: 0o600 });
  writeFileSync(summaryFile, renderSummaryMarkdown(summary, o.stack));
  return { stack: o.stack, workdir: o.workdir, timings, initCached, validateWarnings: validateResult.value, planJsonFile, summaryFile, plan, summary };
}

export interface ReviewOptions {
  /** @default every environment in the config */
  readonly stacks?: readonly string[];
  /** Root of the review folder: `<outdir>/<stack>/` per stack, `<outdir>/.synth/` for synth. @default <repo>/.plan */
  readonly outdir?: string;
  /** @default true when no AWS credentials are found (see hasAwsCredentials) */
  readonly offline?: boolean;
  readonly hcl?: boolean;
  readonly configFile?: string;
  readonly runner?: 'dist' | 'ts-node';
  /** Stop after validate. @default true (plan) */
  readonly plan?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface ReviewResult {
  readonly offline: boolean;
  readonly originSecretGenerated: boolean;
  readonly synth: SynthResult;
  readonly stacks: StackReview[];
  /** Sum per phase over all stacks (synth once). */
  readonly timings: Record<Phase, number>;
  /** Wall time of the whole run. */
  readonly totalSeconds: number;
}

/** synth once, then init/validate/plan/show per stack. */
export async function runReview(opts: ReviewOptions = {}): Promise<ReviewResult> {
  const started = process.hrtime.bigint();
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const offline = opts.offline ?? !hasAwsCredentials(env);
  const secret = originSecret(env, offline);
  const outdir = resolve(opts.outdir ?? join(PROJECT_DIR, '.plan'));
  log(`synth${opts.hcl ? ' (HCL)' : ''}${offline ? ' (offline provider mode)' : ''}...`);
  const synth = await synthStacks({ outdir: join(outdir, '.synth'), stacks: opts.stacks, offline, hcl: opts.hcl, configFile: opts.configFile, runner: opts.runner, env, log });
  const stacks: StackReview[] = [];
  for (const [stack, synthFile] of Object.entries(synth.files)) {
    log(`${stack}: init, validate${opts.plan === false ? '' : ', plan, show'}...`);
    // offline: the caller's Terraform variables only (its AWS settings give way to the fake ones)
    const stackEnv = offline ? Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('TF_VAR_'))) : env;
    stacks.push(await reviewStack({ stack, synthFile, workdir: join(outdir, stack), offline, originSecret: secret.value, plan: opts.plan, env: stackEnv, log }));
  }
  const timings = Object.fromEntries(PHASES.map((p) => [p, p === 'synth' ? synth.seconds : stacks.reduce((s, r) => s + (r.timings[p] ?? 0), 0)])) as Record<Phase, number>;
  return { offline, originSecretGenerated: secret.generated, synth, stacks, timings, totalSeconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** The per-phase timing lines printed by the CLIs and the benchmark. */
export function formatTimings(r: ReviewResult): string {
  const lines = [`synth     ${r.timings.synth.toFixed(2)} s  (build: ${r.synth.build})`];
  for (const p of PHASES.slice(1)) {
    const per = r.stacks.map((s) => (s.timings[p] === undefined ? undefined : `${s.stack} ${s.timings[p]!.toFixed(2)}${p === 'init' && s.initCached ? ' cached' : ''}`)).filter(Boolean);
    if (!per.length) continue;
    lines.push(`${p.padEnd(9)} ${r.timings[p].toFixed(2)} s  (${per.join(', ')}${p === 'validate' && r.stacks.some((s) => s.timings.plan !== undefined) ? '; runs alongside plan' : ''})`);
  }
  lines.push(`total     ${r.totalSeconds.toFixed(2)} s wall`);
  return lines.join('\n');
}
