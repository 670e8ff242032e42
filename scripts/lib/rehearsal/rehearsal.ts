/**
 * The deploy rehearsal: real Terraform (offline hashicorp/aws mirror) against a
 * local AWS API (moto, see ./moto.ts). Per stack, in named phases:
 *
 *   init     terraform init (offline mirror)
 *   zone     a stack whose new zone awaits delegation (dns.delegated false, the
 *            default): as the administrator, apply its first, zone-only JSON; the
 *            full JSON (dns.delegated true) is what the later phases apply, and
 *            its apply must destroy nothing the first one made
 *   bootstrap  as the administrator: apply -target the permissions boundary,
 *            the OIDC provider and the GitHub deploy and plan roles (what a
 *            first administrator apply creates)
 *   trust    assume the deploy and plan roles with GitHub-shaped OIDC tokens
 *            (moto checks the trust against the claims); tokens of another
 *            environment or workflow must be refused
 *   apply    terraform apply -auto-approve, as the deploy role
 *   plan     terraform plan -detailed-exitcode, as the plan role; exit 2 (changes) is drift: failure
 *   unprotect  only when protected resources (RDS, ALB) are in state: set
 *            deletion_protection / enable_deletion_protection false on them and
 *            apply with -target; must be in-place updates only (what a real
 *            teardown does first)
 *   destroy  terraform destroy -auto-approve as the deploy role (runs after any
 *            failure too), of everything but the administrator's resources
 *   teardown as the administrator: destroy what is left (roles, boundary, provider)
 *   state    terraform state list must be empty
 *
 * With identities (npm run rehearse), moto evaluates IAM (moto_patched.py
 * "iam-evaluation"): an AccessDenied of the deploy or plan role fails its phase.
 *
 * The stack JSON is synthesized in rehearsal provider mode, which differs from
 * the real one only in the provider block (a test holds us to that).
 */
import { randomBytes } from 'crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { App } from 'cdktf';
import { awaitingDelegation, Config, namesFor } from '../../../stacks/config';
import { EnvironmentStack, ORIGIN_SECRET_VARIABLE } from '../../../stacks/environment-stack';
import { S3Client } from '@aws-sdk/client-s3';
import { ensureStateBucket } from '../aws/state-bucket';
import { maskSecrets } from '../proc/mask';
import { terraform, TerraformResult } from '../terraform/run';
import { DEPLOY_WORKFLOW, PLAN_WORKFLOW } from '../../../stacks/github-deploy';
import { CredentialEnv, FAKE_AWS_KEYS, MOTO_PATCHES, MotoServer, appliedPatches, assumeRoleWithWebIdentity, enableIamEvaluation, startMoto } from './moto';
import { DEFAULT_PHASE_TIMEOUT_SECONDS } from './limits';

export const PHASES = ['synth', 'init', 'zone', 'bootstrap', 'trust', 'apply', 'plan', 'unprotect', 'destroy', 'teardown', 'state'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseResult {
  readonly phase: Phase;
  readonly ok: boolean;
  readonly seconds: number;
  /** One-line outcome (e.g. "93 added", "no changes", "2 resources left in state"). */
  readonly summary: string;
}

export interface StackResult {
  readonly stack: string;
  readonly dir: string;
  readonly logFile: string;
  readonly ok: boolean;
  readonly phases: PhaseResult[];
  /** Errors, in order, with the provider's message (never the origin secret). */
  readonly errors: string[];
  /** Resource addresses still in state after destroy (must be empty). */
  readonly leftovers: string[];
  readonly seconds: number;
}

/** A gap between moto and AWS, and how the rehearsal handles it. */
export interface Gap {
  readonly gap: string;
  readonly handling: string;
}

export interface RehearsalReport {
  readonly ok: boolean;
  readonly stacks: StackResult[];
  /** Every emulator gap handled and how (printed with the verdict). */
  readonly gaps: Gap[];
  /** What the rehearsal does not prove, with the reason. */
  readonly notRehearsed: Gap[];
  readonly motoLog: string;
  readonly motoPid: number;
  readonly logDir: string;
  readonly seconds: number;
}

export { DEFAULT_PHASE_TIMEOUT_SECONDS };

/** Who runs which phase when moto evaluates IAM. */
export interface StackIdentities {
  /** The administrator's keys: init, the bootstrap apply, the teardown. */
  readonly admin: CredentialEnv;
  /** Addresses the administrator applies first (boundary, OIDC provider, GitHub roles). */
  readonly bootstrapTargets: readonly string[];
  /** Addresses only the administrator destroys: the bootstrap targets and what they reference. */
  readonly adminOnly: readonly string[];
  /** The deploy role's credentials (assumed with a token of the deploy job). */
  readonly deploy: () => Promise<CredentialEnv>;
  /** The plan role's credentials (a pull-request token); unset: the plan runs as the deploy role. */
  readonly plan?: () => Promise<CredentialEnv>;
  /** Tokens the roles must refuse: resolves to the ones wrongly accepted (labels). */
  readonly refused?: () => Promise<string[]>;
}

export interface StackRunOptions {
  /** Environment for terraform (fake keys, TF_VAR_origin_verify_secret, endpoint). */
  readonly env: Readonly<Record<string, string>>;
  /** Run as the administrator, the deploy role and the plan role (moto evaluating IAM). @default one identity: `env`'s keys */
  readonly identities?: StackIdentities;
  /** Extra `terraform init` arguments (the S3 backend pointed at moto). @default none */
  readonly initArgs?: readonly string[];
  /** The same stack with deletion protection off (cdk.tf.json path) and the resources that differ; applied (targeted) before destroy. */
  readonly unprotect?: { readonly json: string; readonly addresses: readonly string[] };
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** @default DEFAULT_PHASE_TIMEOUT_SECONDS */
  readonly phaseTimeoutSeconds?: number;
  /** Secret values masked in logs and errors. */
  readonly secrets?: readonly string[];
  /** The zone-only JSON of a new zone's first apply (cdk.tf.json path), applied before the full stack. @default none (one apply) */
  readonly zonePhase?: string;
}

type Run = TerraformResult;

/** How the rehearsal's administrator appears in phase summaries. */
const REHEARSAL_ADMIN_LABEL = 'administrator';

/** Runs terraform in `dir`, appending all output (secrets masked) to `logFile`; stops it after the timeout. The caller judges the exit code. */
function runTerraform(dir: string, args: string[], logFile: string, env: Readonly<Record<string, string>>, timeoutSeconds: number, secrets: readonly string[] = []): Promise<Run> {
  return terraform(dir, args, { env: { ...env }, logFile, timeoutSeconds, anyExitCode: true, secrets });
}

/** Runs `fn` with `json` in place of the stack directory's cdk.tf.json, then puts the stack's own JSON back. */
async function withStackJson<T>(dir: string, json: string, fn: () => Promise<T>): Promise<T> {
  const own = join(dir, 'cdk.tf.json');
  const kept = `${own}.own`;
  copyFileSync(own, kept);
  copyFileSync(json, own);
  try {
    return await fn();
  } finally {
    copyFileSync(kept, own);
    rmSync(kept, { force: true });
  }
}

/** The `Error:` blocks of terraform output (the provider's own messages), secrets masked. */
export function terraformErrors(output: string, secrets: readonly string[] = []): string {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /^(│ )?Error: /.test(l.trim()) || /^╷/.test(l.trim()));
  const text = (start >= 0 ? lines.slice(start) : lines.slice(-15)).join('\n').trim();
  return maskSecrets(text, secrets);
}

/** Resources with changes in a plan's human output ("# aws_x.y will be updated in-place"). */
export function plannedChanges(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^# \S+ (will be|must be) /.test(l))
    .map((l) => l.slice(2));
}

/** The resource changes of a plan's human output (between the header and "Plan:"), at most `max` lines. */
export function planBody(output: string, max = 120): string {
  const lines = output.split('\n');
  const from = lines.findIndex((l) => /Terraform will perform the following actions/.test(l));
  const to = lines.findIndex((l, i) => i > from && /^Plan: /.test(l));
  const body = lines.slice(from < 0 ? 0 : from + 1, to < 0 ? undefined : to + 1).filter((l) => l.trim() !== '');
  return body.length > max ? [...body.slice(0, max), `  ... ${body.length - max} more lines`].join('\n') : body.join('\n');
}

function applySummary(output: string): string {
  const m = /(\d+) added, (\d+) changed, (\d+) destroyed/.exec(output);
  return m ? `${m[1]} added, ${m[2]} changed, ${m[3]} destroyed` : '';
}

/**
 * Rehearses one synthesized stack directory (it holds cdk.tf.json). Never
 * throws for terraform failures: they are in the result. Destroy and the state
 * check run whatever happened before, so nothing is left in moto's state.
 */
export async function rehearseStackDir(stack: string, dir: string, logFile: string, opts: StackRunOptions): Promise<StackResult> {
  const started = Date.now();
  const timeout = opts.phaseTimeoutSeconds ?? DEFAULT_PHASE_TIMEOUT_SECONDS;
  const secrets = opts.secrets ?? [];
  const log = opts.log ?? (() => undefined);
  const phases: PhaseResult[] = [];
  const errors: string[] = [];
  let leftovers: string[] = [];
  writeFileSync(logFile, `rehearsal of stack ${stack} in ${dir}\n`, { flag: 'a' });

  const phase = async (name: Phase, args: string[], judge: (r: Run) => { ok: boolean; summary: string; error?: string }, env: Readonly<Record<string, string>> = opts.env): Promise<Run & { ok: boolean }> => {
    log(`[${stack}] ${name}: terraform ${args.length > 8 ? [...args.slice(0, 6), `... (${args.length - 6} more)`].join(' ') : args.join(' ')}`);
    const r = await runTerraform(dir, args, logFile, env, timeout, secrets);
    const verdict = r.timedOut ? { ok: false, summary: `timed out after ${timeout} s`, error: `timed out after ${timeout} s:\n${terraformErrors(r.output, secrets)}` } : judge(r);
    phases.push({ phase: name, ok: verdict.ok, seconds: r.seconds, summary: verdict.summary });
    if (!verdict.ok) errors.push(`${stack} ${name}: ${verdict.error ?? verdict.summary}`);
    log(`[${stack}] ${name}: ${verdict.ok ? 'ok' : 'FAILED'} in ${r.seconds.toFixed(1)} s${verdict.summary ? ` (${verdict.summary})` : ''}`);
    return { ...r, ok: verdict.ok };
  };
  const failed = (r: Run) => ({ ok: false, summary: `exit ${r.code}`, error: terraformErrors(r.output, secrets) });

  const ids = opts.identities;
  const withKeys = (keys: CredentialEnv): Readonly<Record<string, string>> => ({ ...opts.env, ...keys });
  const adminEnv = ids ? withKeys(ids.admin) : opts.env;
  const stateList = async (env: Readonly<Record<string, string>>): Promise<string[]> => {
    const list = await runTerraform(dir, ['state', 'list'], logFile, env, timeout, secrets);
    return list.code === 0 ? list.output.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('$')) : [];
  };
  /** A phase that is not a terraform command (assuming roles). */
  const step = async <T>(name: Phase, fn: () => Promise<T>, summary: (v: T) => string): Promise<T | undefined> => {
    const t0 = Date.now();
    try {
      const v = await fn();
      phases.push({ phase: name, ok: true, seconds: (Date.now() - t0) / 1000, summary: summary(v) });
      log(`[${stack}] ${name}: ok (${summary(v)})`);
      return v;
    } catch (e) {
      const message = maskSecrets((e as Error).message, secrets);
      phases.push({ phase: name, ok: false, seconds: (Date.now() - t0) / 1000, summary: message.split('\n')[0] });
      errors.push(`${stack} ${name}: ${message}`);
      log(`[${stack}] ${name}: FAILED (${message.split('\n')[0]})`);
      return undefined;
    }
  };

  /** Lifts deletion protection on the protected resources that are in state (in-place updates only). */
  const unprotect = async (u: { json: string; addresses: readonly string[] }, extra: string[], env: Readonly<Record<string, string>>) => {
    const inState = new Set(await stateList(env));
    const targets = u.addresses.filter((a) => inState.has(a));
    copyFileSync(u.json, join(dir, 'cdk.tf.json'));
    if (targets.length === 0) {
      phases.push({ phase: 'unprotect', ok: true, seconds: 0, summary: 'nothing protected in state' });
      return;
    }
    // After a failed apply a protected resource may be tainted; lifting its protection must not replace it.
    for (const t of targets) await runTerraform(dir, ['untaint', '-allow-missing', t], logFile, env, timeout, secrets);
    await phase('unprotect', ['apply', '-no-color', '-input=false', '-auto-approve', ...extra, ...targets.map((t) => `-target=${t}`)], (r) => {
      if (r.code !== 0) return failed(r);
      const m = /(\d+) added, (\d+) changed, (\d+) destroyed/.exec(r.output);
      if (m && (m[1] !== '0' || m[3] !== '0')) {
        return { ok: false, summary: applySummary(r.output), error: `lifting deletion protection must only update in place, but it ${applySummary(r.output)}` };
      }
      return { ok: true, summary: `${targets.length} resource(s): ${applySummary(r.output) || 'no changes'}` };
    }, env);
  };
  const zoneFirst = (zoneJson: string) =>
    withStackJson(dir, zoneJson, () => phase('zone', ['apply', '-no-color', '-input=false', '-auto-approve'], (r) => (r.code === 0 ? { ok: true, summary: `as ${REHEARSAL_ADMIN_LABEL}, zone only: ${applySummary(r.output)}` } : failed(r)), adminEnv));
  /** The full apply after a zone phase adds to what it made: a replaced zone would change its name servers, undoing the delegation. */
  const addsOnly = (r: Run) => {
    if (r.code !== 0) return failed(r);
    const m = /(\d+) destroyed/.exec(r.output);
    if (zone && m && m[1] !== '0') return { ok: false, summary: applySummary(r.output), error: `the full apply after the zone-only one must add to it, but it ${applySummary(r.output)}` };
    return { ok: true, summary: applySummary(r.output) };
  };
  const destroyed = (r: Run) => {
    if (r.code !== 0) return failed(r);
    const m = /(\d+) destroyed/.exec(r.output);
    return { ok: true, summary: m ? `${m[1]} destroyed` : '' };
  };

  const init = await phase('init', ['init', '-no-color', '-input=false', ...(opts.initArgs ?? [])], (r) => (r.code === 0 ? { ok: true, summary: '' } : failed(r)), adminEnv);
  // A new zone's first apply: the zone-only JSON in place of the full one, then the full one back.
  const zone = init.ok && opts.zonePhase ? await zoneFirst(opts.zonePhase) : undefined;
  if (init.ok) {
    // After a failed zone phase nothing more is applied; the teardown still runs.
    let deployEnv: Readonly<Record<string, string>> | undefined = zone?.ok === false ? undefined : opts.env;
    let planEnv: Readonly<Record<string, string>> | undefined = deployEnv;
    if (ids && deployEnv) {
      const boot = await phase('bootstrap', ['apply', '-no-color', '-input=false', '-auto-approve', ...ids.bootstrapTargets.map((t) => `-target=${t}`)], (r) => (r.code === 0 ? { ok: true, summary: `as ${REHEARSAL_ADMIN_LABEL}: ${applySummary(r.output)}` } : failed(r)), adminEnv);
      const roles = boot.ok
        ? await step('trust', async () => {
            const deploy = await ids.deploy();
            const plan = ids.plan ? await ids.plan() : deploy;
            const wronglyAccepted = ids.refused ? await ids.refused() : [];
            if (wronglyAccepted.length) throw new Error(`the roles accepted tokens they must refuse: ${wronglyAccepted.join('; ')}`);
            return { deploy, plan };
          }, () => `deploy and plan roles assumed with OIDC tokens${ids.refused ? '; foreign tokens refused' : ''}`)
        : undefined;
      deployEnv = roles ? withKeys(roles.deploy) : undefined;
      planEnv = roles ? withKeys(roles.plan) : undefined;
    }
    const apply = deployEnv ? await phase('apply', ['apply', '-no-color', '-input=false', '-auto-approve'], addsOnly, deployEnv) : undefined;
    // Once the plan has refreshed every resource and found no drift, the
    // teardown commands need not refresh again (saves ~30 s per command on 2 cores).
    let refreshed = false;
    if (apply?.ok && planEnv) {
      const plan = await phase('plan', ['plan', '-no-color', '-input=false', '-detailed-exitcode', '-lock=false'], (r) => {
        if (r.code === 0) return { ok: true, summary: 'no changes' };
        if (r.code === 2) {
          const changes = plannedChanges(r.output);
          return { ok: false, summary: `drift: ${changes.length} resource(s) would change`, error: `drift after apply (plan is not empty):\n${planBody(r.output)}\n(full plan in ${logFile})` };
        }
        return failed(r);
      }, planEnv);
      refreshed = plan.ok;
    }
    const refresh = refreshed ? ['-refresh=false'] : [];
    // Without the deploy role (bootstrap or trust failed) the administrator tears everything down.
    const teardownEnv = deployEnv ?? adminEnv;
    if (opts.unprotect) await unprotect(opts.unprotect, refresh, teardownEnv);
    if (!ids) {
      await phase('destroy', ['destroy', '-no-color', '-input=false', '-auto-approve', ...refresh], destroyed);
    } else {
      const adminOnly = new Set(ids.adminOnly);
      const targets = deployEnv ? (await stateList(adminEnv)).filter((a) => !adminOnly.has(a) && !a.startsWith('data.')) : [];
      if (targets.length) await phase('destroy', ['destroy', '-no-color', '-input=false', '-auto-approve', ...refresh, ...targets.map((t) => `-target=${t}`)], destroyed, teardownEnv);
      await phase('teardown', ['destroy', '-no-color', '-input=false', '-auto-approve', ...refresh], (r) => {
        const v = destroyed(r);
        return v.ok ? { ...v, summary: `as ${REHEARSAL_ADMIN_LABEL}: ${v.summary}` } : v;
      }, adminEnv);
    }
    await phase('state', ['state', 'list'], (r) => {
      if (r.code !== 0 && !/No state file was found/.test(r.output)) return failed(r);
      leftovers = r.code === 0 ? r.output.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('$')) : [];
      return leftovers.length === 0
        ? { ok: true, summary: 'empty' }
        : { ok: false, summary: `${leftovers.length} resource(s) left in state`, error: `left in state after destroy:\n  ${leftovers.join('\n  ')}` };
    }, adminEnv);
  }
  return { stack, dir, logFile, ok: phases.every((p) => p.ok), phases, errors, leftovers, seconds: (Date.now() - started) / 1000 };
}

/** Deletion-protection arguments of the AWS provider (RDS, ALB, and any later resource using the same names). */
export const PROTECTION_ARGUMENTS = ['deletion_protection', 'enable_deletion_protection'] as const;

/**
 * The same stack JSON with deletion protection lifted on every resource that
 * sets it: what an operator applies before a teardown. Returns the new JSON and
 * the addresses changed.
 */
export function withoutDeletionProtection(json: any): { json: any; addresses: string[] } {
  const copy = JSON.parse(JSON.stringify(json));
  const addresses: string[] = [];
  for (const [type, byName] of Object.entries((copy.resource ?? {}) as Record<string, Record<string, any>>)) {
    for (const [name, body] of Object.entries(byName)) {
      for (const arg of PROTECTION_ARGUMENTS) {
        if (body[arg] === true || body[arg] === 'true') {
          body[arg] = false;
          addresses.push(`${type}.${name}`);
        }
      }
    }
  }
  return { json: copy, addresses: [...new Set(addresses)] };
}

/**
 * Provider `endpoints` key that serves each resource type prefix. The rehearsal
 * refuses a stack with a resource type it cannot place (add it here and to
 * REHEARSAL_SERVICES in stacks/providers.ts).
 */
export const ENDPOINT_FOR_TYPE: ReadonlyArray<readonly [RegExp, string]> = [
  [/^aws_(vpc|subnet|route|route_table|internet_gateway|nat_gateway|eip|security_group|default_security_group|flow_log|network_acl|default_network_acl|default_route_table|ec2_|vpc_endpoint|egress_only_internet_gateway)/, 'ec2'],
  [/^aws_(lb|alb)(_|$)/, 'elbv2'],
  [/^aws_db_/, 'rds'],
  [/^aws_cloudwatch_log_/, 'cloudwatchlogs'],
  [/^aws_cloudwatch_(metric_alarm|dashboard|composite_alarm)/, 'cloudwatch'],
  [/^aws_appautoscaling_/, 'applicationautoscaling'],
  [/^aws_s3_/, 's3'],
  [/^aws_kms_/, 'kms'],
  [/^aws_sns_/, 'sns'],
  [/^aws_budgets_/, 'budgets'],
  [/^aws_wafv2_/, 'wafv2'],
  [/^aws_acm_/, 'acm'],
  [/^aws_route53_/, 'route53'],
  [/^aws_cloudfront_/, 'cloudfront'],
  [/^aws_iam_/, 'iam'],
  [/^aws_ecr_/, 'ecr'],
  [/^aws_ecs_/, 'ecs'],
  [/^aws_ssm_/, 'ssm'],
  [/^aws_secretsmanager_/, 'secretsmanager'],
  [/^aws_caller_identity$|^aws_partition$|^aws_region$/, 'sts'],
];

/** Resource and data types of a stack JSON whose service has no endpoint in its rehearsal provider block. */
export function typesWithoutEndpoint(json: any): string[] {
  const endpoints = new Set(Object.keys(json.provider?.aws?.[0]?.endpoints?.[0] ?? {}));
  const types = [...Object.keys(json.resource ?? {}), ...Object.keys(json.data ?? {})];
  return types.filter((t) => {
    const hit = ENDPOINT_FOR_TYPE.find(([re]) => re.test(t));
    return !hit || !endpoints.has(hit[1]);
  });
}

/** Synthesizes `stacks` in rehearsal mode into `outDir`; returns each stack's directory. */
export function synthRehearsal(config: Config, stacks: readonly string[], outDir: string, endpoint: string): Record<string, string> {
  const app = new App({ outdir: outDir });
  for (const stack of stacks) new EnvironmentStack(app, stack, { config, environment: stack, providerMode: { kind: 'rehearsal', endpoint } });
  app.synth();
  return Object.fromEntries(stacks.map((s) => [s, join(outDir, 'stacks', s)]));
}

/** The config once every domain is delegated to its zone (`dns.delegated: true`): the stacks of the second apply. */
export function delegatedEverywhere(config: Config): Config {
  const environments = Object.fromEntries(Object.entries(config.environments).map(([n, e]) => [n, { ...e, dns: { ...e.dns, delegated: true } }]));
  return { ...config, environments };
}

/** The account moto answers for (STS GetCallerIdentity). */
export const MOTO_ACCOUNT = '123456789012';

/** Addresses of the administrator's bootstrap: the permissions boundary, the OIDC provider, the GitHub roles and their policies. */
export function bootstrapAddresses(json: any): string[] {
  return Object.entries((json.resource ?? {}) as Record<string, Record<string, unknown>>).flatMap(([type, byName]) =>
    Object.keys(byName).filter((name) => name.startsWith('github_') || name.startsWith('github-boundary_')).map((name) => `${type}.${name}`),
  );
}

/** `addresses` and every resource they reference, transitively (what a -target apply of them creates too). */
export function withDependencies(json: any, addresses: readonly string[]): string[] {
  const resources = (json.resource ?? {}) as Record<string, Record<string, unknown>>;
  const seen = new Set<string>();
  const visit = (address: string) => {
    if (seen.has(address)) return;
    const [type, name] = address.split('.');
    const body = resources[type]?.[name];
    if (body === undefined) return;
    seen.add(address);
    const text = JSON.stringify(body);
    for (const m of text.matchAll(/\$\{[^}]*?\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g)) visit(`${m[1]}.${m[2]}`);
    for (const m of text.matchAll(/"(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)"/g)) visit(`${m[1]}.${m[2]}`);
  };
  addresses.forEach(visit);
  return [...seen];
}

/** Claims of the GitHub OIDC token a job of `workflow` gets (what the roles' trust is checked against). */
export function githubClaims(repository: string, subject: string, workflow: string, ref: string): Record<string, string> {
  return { aud: 'sts.amazonaws.com', sub: subject, repository, ref, job_workflow_ref: `${repository}/${workflow}@${ref}` };
}

/** The rehearsal's identities for one stack: administrator keys, the deploy and plan roles through OIDC tokens, and tokens that must be refused. */
export function stackIdentities(config: Config, stack: string, json: any, endpoint: string, admin: CredentialEnv): StackIdentities {
  const repo = config.github.repository ?? REHEARSAL_GITHUB_REPOSITORY;
  const branch = config.github.branch;
  const prefix = namesFor(config, stack).prefix;
  const deployArn = `arn:aws:iam::${MOTO_ACCOUNT}:role/${prefix}-github-deploy`;
  const planArn = `arn:aws:iam::${MOTO_ACCOUNT}:role/${prefix}-github-plan`;
  const subject = config.github.trust === 'environment' ? `repo:${repo}:environment:${stack}` : `repo:${repo}:ref:refs/heads/${branch}`;
  const deployClaims = githubClaims(repo, subject, DEPLOY_WORKFLOW, `refs/heads/${branch}`);
  const planClaims = githubClaims(repo, `repo:${repo}:pull_request`, PLAN_WORKFLOW, 'refs/pull/1/merge');
  const other = Object.keys(config.environments).find((e) => e !== stack) ?? 'other';
  const mustRefuse: [string, string, Record<string, string>][] = [
    [`${other}'s environment`, deployArn, { ...deployClaims, sub: `repo:${repo}:environment:${other}` }],
    ['another workflow of the repository', deployArn, { ...deployClaims, job_workflow_ref: `${repo}/.github/workflows/other.yml@refs/heads/${branch}` }],
    ['another repository', deployArn, githubClaims(`${repo}-fork`, subject.replace(repo, `${repo}-fork`), DEPLOY_WORKFLOW, `refs/heads/${branch}`)],
    ['a pull request, for the deploy role', deployArn, planClaims],
  ];
  const bootstrapTargets = bootstrapAddresses(json);
  return {
    admin,
    bootstrapTargets,
    adminOnly: withDependencies(json, bootstrapTargets),
    deploy: () => assumeRoleWithWebIdentity(endpoint, deployArn, deployClaims, `deploy-${stack}`),
    plan: config.github.planRole ? () => assumeRoleWithWebIdentity(endpoint, planArn, planClaims, `plan-${stack}`) : undefined,
    refused: async () => {
      const accepted: string[] = [];
      for (const [label, arn, claims] of mustRefuse) {
        const ok = await assumeRoleWithWebIdentity(endpoint, arn, claims, `refused-${stack}`).then(() => true, () => false);
        if (ok) accepted.push(label);
      }
      return accepted;
    },
  };
}

/**
 * With the S3 backend (the default), the administrator creates the state bucket in moto with the
 * bootstrap command's own code, and every stack inits with a partial backend configuration that
 * points the backend at moto (the stack JSON keeps the real backend block). Returns the init arguments.
 */
export async function motoStateBackend(jsons: readonly any[], endpoint: string, admin: CredentialEnv, logDir: string): Promise<string[]> {
  const backends = jsons.map((j) => j.terraform?.backend?.s3).filter(Boolean) as { bucket: string; region: string }[];
  if (backends.length === 0) return [];
  const client = new S3Client({ endpoint, forcePathStyle: true, region: backends[0].region, credentials: { accessKeyId: admin.AWS_ACCESS_KEY_ID, secretAccessKey: admin.AWS_SECRET_ACCESS_KEY } });
  try {
    for (const b of new Map(backends.map((x) => [x.bucket, x])).values()) await ensureStateBucket({ bucket: b.bucket, region: b.region, field: 'backend.bucket', client, tlsOnly: false });
  } finally {
    client.destroy();
  }
  const file = join(logDir, 'moto.s3.tfbackend');
  writeFileSync(
    file,
    [`endpoints = { s3 = "${endpoint}", sts = "${endpoint}", iam = "${endpoint}" }`, 'use_path_style = true', 'skip_credentials_validation = true', 'skip_requesting_account_id = true', 'skip_metadata_api_check = true', 'skip_region_validation = true', ''].join('\n'),
  );
  return [`-backend-config=${file}`];
}

/** GitHub repository the rehearsal deploys the OIDC provider and roles for when the config names none. */
export const REHEARSAL_GITHUB_REPOSITORY = 'rehearsal/venture-nudge-aws';

/** Gaps between moto 5.2.1 and AWS that are handled outside moto_patched.py. */
export const REHEARSAL_SETTINGS: readonly Gap[] = [
  {
    gap: 'moto enforces RDS deletion protection on delete (as AWS does)',
    handling: 'unprotect phase: before destroy, deletion_protection / enable_deletion_protection is set false on the protected resources in state and applied with -target (in-place updates only, checked), as a real teardown must',
  },
  {
    gap: 'no AWS account behind moto',
    handling: 'fake static keys; moto STS answers account 123456789012 (the rehearsal provider keeps account-id lookup on, so ids match AWS formats)',
  },
  {
    gap: 'moto serves plain HTTP (and applies S3 bucket policies)',
    handling: "the state bucket is made by the bootstrap command's own code (ensureStateBucket) without its TLS-only bucket policy, which would deny every plain-HTTP request; the backend reaches moto through a partial backend configuration (moto.s3.tfbackend), the stack JSON keeps the real backend block",
  },
  {
    gap: 'no GitHub repository in the default config (github.repository unset: no deploy roles)',
    handling: `the rehearsal sets github.repository to ${REHEARSAL_GITHUB_REPOSITORY} when unset, so the OIDC provider, deploy and plan roles are applied and destroyed too`,
  },
];

/** The config with a placeholder github.repository when it has none, so the deploy roles are rehearsed too. */
export function withRehearsalRepository(config: Config): Config {
  return config.github.repository ? config : { ...config, github: { ...config.github, repository: REHEARSAL_GITHUB_REPOSITORY } };
}

export const NOT_REHEARSED: readonly Gap[] = [
  { gap: 'ECS tasks never run in moto', handling: 'not rehearsed: container start, health checks and steady state (wait_for_steady_state stays off); the migration runner\'s task definition is applied, a runner task is never started (npm run remote is tested against moto with a simulated container)' },
  { gap: 'GitHub OIDC is exercised with unsigned tokens', handling: 'not rehearsed: the token signature and GitHub issuing it; the trust conditions (aud, sub, job_workflow_ref) are checked against the claims' },
  { gap: 'no real DNS or certificate validation', handling: 'not rehearsed: ACM DNS validation completes at once (MOTO_ACM_VALIDATION_WAIT=0), Route 53 records are not resolvable' },
  { gap: 'moto knows no resource tags, iam:PassedToService or s3:prefix in IAM conditions, and names few resources', handling: 'not rehearsed: the Environment-tag scoping and the deny of other environments (stack tests check the policy text); the Allow of a resource moto cannot name is taken as matching' },
  { gap: 'no quotas or full service-side validation', handling: 'not rehearsed: service quotas and some AWS-side argument validation only show up on real AWS' },
];

export interface RehearseOptions {
  readonly config: Config;
  /** @default every environment of the config */
  readonly stacks?: readonly string[];
  /** Git-ignored folder for the synthesized stacks and logs. @default ".rehearsal" */
  readonly workDir?: string;
  /** Stacks rehearsed at the same time (one moto serves them all). @default 2 */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
  readonly phaseTimeoutSeconds?: number;
  /** Edit a synthesized stack JSON before the run (used by tests to break a stack on purpose). */
  readonly editJson?: (stack: string, json: any) => any;
  /** Keep .terraform folders (provider links) after the run. @default false */
  readonly keepTerraformDirs?: boolean;
}

/** Full rehearsal: start moto, synthesize, rehearse every stack, stop moto (in every outcome). */
export async function rehearse(opts: RehearseOptions): Promise<RehearsalReport> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const stacks = opts.stacks ?? Object.keys(opts.config.environments);
  for (const s of stacks) {
    if (!opts.config.environments[s]) throw new Error(`--stack ${s}: unknown stack; known: ${Object.keys(opts.config.environments).join(', ')}`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = resolve(opts.workDir ?? '.rehearsal', stamp);
  mkdirSync(logDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url'); // 43 chars; never printed
  const patches = await appliedPatches();
  const moto: MotoServer = await startMoto({ logDir });
  log(`moto ${moto.endpoint} (pid ${moto.pid}), log ${moto.logFile}`);
  try {
    const t0 = Date.now();
    const configured = withRehearsalRepository(opts.config);
    // A new zone that awaits delegation is rehearsed as a user runs it: the zone-only apply, then the full one.
    const awaiting = stacks.filter((s) => awaitingDelegation(configured.environments[s]));
    const zoneDirs = awaiting.length ? synthRehearsal(configured, awaiting, join(logDir, 'synth-zone'), moto.endpoint) : {};
    const config = delegatedEverywhere(configured);
    const dirs = synthRehearsal(config, stacks, join(logDir, 'synth'), moto.endpoint);
    const unprotected: Record<string, StackRunOptions['unprotect']> = {};
    for (const s of stacks) {
      const main = join(dirs[s], 'cdk.tf.json');
      if (opts.editJson) writeFileSync(main, JSON.stringify(opts.editJson(s, JSON.parse(readFileSync(main, 'utf8'))), null, 2));
      const lifted = withoutDeletionProtection(JSON.parse(readFileSync(main, 'utf8')));
      if (lifted.addresses.length) {
        const json = join(logDir, `${s}.unprotected.tf.json`);
        writeFileSync(json, JSON.stringify(lifted.json, null, 2));
        unprotected[s] = { json, addresses: lifted.addresses };
      }
    }
    for (const s of stacks) {
      const missing = typesWithoutEndpoint(JSON.parse(readFileSync(join(dirs[s], 'cdk.tf.json'), 'utf8')));
      if (missing.length) {
        throw new Error(`stack ${s} uses ${missing.join(', ')} but the rehearsal provider has no endpoint for ${missing.length === 1 ? 'it' : 'them'}: add the service to ENDPOINT_FOR_TYPE (scripts/lib/rehearsal/rehearsal.ts) and REHEARSAL_SERVICES (stacks/providers.ts)`);
      }
    }
    const synthSeconds = (Date.now() - t0) / 1000;
    log(`synthesized ${stacks.join(', ')} in ${synthSeconds.toFixed(1)} s into ${join(logDir, 'synth')}`);

    const admin = await enableIamEvaluation(moto.endpoint);
    log(`moto evaluates IAM from now on; administrator ${admin.AWS_ACCESS_KEY_ID.slice(0, 8)}... bootstraps the state bucket and the roles`);
    const initArgs = await motoStateBackend(stacks.map((s) => JSON.parse(readFileSync(join(dirs[s], 'cdk.tf.json'), 'utf8'))), moto.endpoint, admin, logDir);
    const env: Record<string, string> = {
      ...FAKE_AWS_KEYS,
      AWS_REGION: opts.config.region,
      // Safety net: any client the endpoints list misses still talks to moto, never to AWS.
      AWS_ENDPOINT_URL: moto.endpoint,
      [`TF_VAR_${ORIGIN_SECRET_VARIABLE}`]: secret,
    };
    const queue = [...stacks];
    const results: StackResult[] = [];
    const worker = async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
        const json = JSON.parse(readFileSync(join(dirs[s], 'cdk.tf.json'), 'utf8'));
        // A stack without the GitHub roles (a test's cut-down stack) runs as the administrator throughout.
        const roles = bootstrapAddresses(json).length > 0;
        const r = await rehearseStackDir(s, dirs[s], join(logDir, `${s}.log`), {
          env: roles ? env : { ...env, ...admin },
          unprotect: unprotected[s],
          identities: roles ? stackIdentities(config, s, json, moto.endpoint, admin) : undefined,
          initArgs,
          zonePhase: zoneDirs[s] ? join(zoneDirs[s], 'cdk.tf.json') : undefined,
          log,
          phaseTimeoutSeconds: opts.phaseTimeoutSeconds,
          secrets: [secret],
        });
        results.push({ ...r, phases: [{ phase: 'synth', ok: true, seconds: synthSeconds, summary: '' }, ...r.phases] });
        if (!opts.keepTerraformDirs) rmSync(join(dirs[s], '.terraform'), { recursive: true, force: true });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 2, stacks.length)) }, worker));
    results.sort((a, b) => stacks.indexOf(a.stack) - stacks.indexOf(b.stack));
    const gaps: Gap[] = [
      ...patches.map((p) => ({ gap: p, handling: `moto_patched.py: ${MOTO_PATCHES[p] ?? 'see scripts/lib/rehearsal/moto_patched.py'}` })),
      ...REHEARSAL_SETTINGS,
    ];
    return { ok: results.every((r) => r.ok), stacks: results, gaps, notRehearsed: [...NOT_REHEARSED], motoLog: moto.logFile, motoPid: moto.pid, logDir, seconds: (Date.now() - started) / 1000 };
  } finally {
    await moto.stop();
    log(`moto stopped (pid ${moto.pid})`);
  }
}

/** Per-phase timing table (seconds), one row per stack. */
export function timingTable(report: RehearsalReport): string {
  const header = ['stack', ...PHASES, 'total', 'result'];
  const rows = report.stacks.map((s) => [
    s.stack,
    ...PHASES.map((p) => {
      const r = s.phases.find((x) => x.phase === p);
      return r ? `${r.seconds.toFixed(1)}${r.ok ? '' : ' FAIL'}` : '-';
    }),
    s.seconds.toFixed(1),
    s.ok ? 'ok' : 'FAILED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
