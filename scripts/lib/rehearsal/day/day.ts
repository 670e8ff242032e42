/**
 * `npm run rehearse -- --migration-day`: the dress rehearsal of the README's cutover runbook.
 *
 * Against one moto, a Vercel-shaped source and an RDS-shaped target (./databases.ts), with the
 * stand-in app (./app.ts) taking a steady mix of reads and writes (./traffic.ts):
 *
 *   setup     moto; both databases; the app's tables and pgbench -i -s N on the source; the
 *             "Vercel" app on the source; the production stack synthesized and applied once at
 *             stage vercel; env:sync of a .env.production as `vercel env pull` writes it
 *   runbook   every step of ./steps.ts DAY_PATH as the user types it (npm run ..., a child
 *             process); after each cutover step the traffic follows the synthesized Route 53
 *             weights; after a step that changes the app's database settings (rds, back to
 *             aws) new "AWS" app processes start with the new task definition's settings and
 *             the old ones stop
 *   judge     ./report.ts: the app's ledger and an independent comparison, never the
 *             toolkit's verify
 *
 * The stage steps' `terraform apply` runs with TF_CLI_ARGS_apply=-refresh=false: the stack
 * was applied once and nothing but these steps changes it, so the state is what moto holds.
 */
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LOCAL_STATE_DIR } from '../../../../stacks/state-backend';
import { runProcess, type ProcessResult } from '../../proc/run';
import { PROJECT_DIR, synthStacks } from '../../terraform/synth';
import { terraform } from '../../terraform/run';
import type { MotoServer } from '../moto';
import { asSubscriptionCreator } from '../../../../__tests__/support/shapes';
import type { DayDatabases } from './databases';
import { startApp, type AppProcess, type FleetOptions } from './fleet';
import type { WriterChange } from './ledger';
import { commandLine, step } from './steps';
import { containerSettings, resolveSettings } from './taskdef';
import type { Traffic } from './traffic';
import type { StepResult } from './report';

export const ENV = 'production';
export const APEX = 'venturenudge.com';
export const TASK_FAMILY = `venture-nudge-${ENV}-task`;

export interface DayOptions {
  /** pgbench scale of the source (pgbench -i -s N beside the app's tables). @default 1 */
  readonly scale?: number;
  /** Requests per second of the load driver. @default 30 */
  readonly rate?: number;
  /** "AWS" app processes per rollout (the service's tasks). @default 2 */
  readonly tasks?: number;
  /** @default .rehearsal */
  readonly workDir?: string;
  /** Limit per runbook command. @default 300 */
  readonly stepTimeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

/** Everything one run holds while it walks the runbook. */
export interface DayRun {
  readonly logDir: string;
  readonly env: Record<string, string>;
  readonly moto: MotoServer;
  readonly db: DayDatabases;
  readonly traffic: Traffic;
  readonly fleet: FleetOptions;
  readonly stackJson: string;
  readonly log: (line: string) => void;
  readonly secrets: string[];
  readonly timeoutSeconds: number;
  readonly tasks: number;
  vercel?: AppProcess;
  aws: AppProcess[];
  weights: { vercel: number; aws: number };
  readonly timeline: WriterChange[];
  readonly stages: { at: number; stage: string }[];
  readonly switches: { at: number; from: 'source' | 'rds'; to: 'source' | 'rds' }[];
  readonly steps: StepResult[];
  readonly comparisons: { after: string; same: boolean; difference: unknown }[];
  readonly superuserSteps: string[];
}

/** The local state file the production stack's backend names (see stacks/state-backend.ts). */
export const STATE_FILE = join(PROJECT_DIR, LOCAL_STATE_DIR, `${ENV}.tfstate`);

/** The traffic goes where the live weights and the live processes say. */
export function route(run: DayRun): void {
  run.traffic.route(run.weights, { vercel: run.vercel ? [run.vercel.port] : [], aws: run.aws.map((a) => a.port) });
}

/** Starts `run.tasks` new app processes with the task definition now synthesized, moves the traffic to them, stops the old ones. */
export async function rollout(run: DayRun, label: string): Promise<void> {
  const aws = { region: run.env.AWS_REGION, endpoint: run.moto.endpoint, credentials: { accessKeyId: run.env.AWS_ACCESS_KEY_ID, secretAccessKey: run.env.AWS_SECRET_ACCESS_KEY } };
  const clients = { ssm: new SSMClient(aws), secrets: new SecretsManagerClient(aws) };
  try {
    const settings = await resolveSettings(run.stackJson, containerSettings(run.stackJson, TASK_FAMILY), clients);
    const fresh = await Promise.all(Array.from({ length: run.tasks }, (_, i) => startApp(`${label}-${i + 1}`, settings, run.fleet)));
    const old = run.aws;
    run.aws = fresh;
    route(run);
    run.log(`rollout ${label}: ${fresh.map((a) => `${a.name} :${a.port}`).join(', ')} healthy and taking traffic; stopping ${old.map((a) => a.name).join(', ') || 'nothing'}`);
    await Promise.all(old.map((a) => a.process.stop()));
  } finally {
    clients.ssm.destroy();
    clients.secrets.destroy();
  }
}

/** Runs `npm run <script> -- <args>` as a child process with the run's environment, and records it as a step. */
export async function runCommand(run: DayRun, label: string, script: string, args: readonly string[], superuser?: 'source' | 'target'): Promise<StepResult> {
  const command = `npm run ${script} -- ${args.join(' ')}`;
  run.log(`step ${label}: ${command}${superuser ? `   (as a superuser for CREATE SUBSCRIPTION on the ${superuser})` : ''}`);
  const startedAt = Date.now();
  const exec = (): Promise<ProcessResult> =>
    runProcess('npm', ['run', '--silent', script, '--', ...args], { cwd: PROJECT_DIR, env: run.env, logFile: join(run.logDir, 'steps.log'), timeoutSeconds: run.timeoutSeconds, secrets: run.secrets });
  if (superuser) {
    const role = superuser === 'target' ? run.db.target.user : run.db.source.user;
    run.superuserSteps.push(`${label}: SUPERUSER granted to ${role} for CREATE SUBSCRIPTION only (PostgreSQL 15 reserves it to superusers; RDS and Neon let their admin roles run it), revoked after`);
  }
  const r = superuser ? await asSubscriptionCreator(superuser === 'target' ? run.db.target : run.db.source, exec) : await exec();
  const tail = r.output.trim().split('\n').slice(-12).join('\n');
  const result: StepResult = {
    id: label,
    command,
    ok: r.code === 0,
    code: r.code,
    startedAt,
    endedAt: Date.now(),
    seconds: r.seconds,
    stdout: r.stdout,
    error: r.code === 0 ? undefined : `${r.timedOut ? `timed out after ${run.timeoutSeconds} s\n` : ''}${tail}`,
  };
  run.steps.push(result);
  run.log(`step ${label}: ${result.ok ? 'ok' : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(1)} s${result.ok ? '' : `\n  ${tail.split('\n').join('\n  ')}`}`);
  return result;
}

/** Runs one runbook step exactly as ./steps.ts RUNBOOK (the README) writes it, plus `extra` flags. */
export function runStep(run: DayRun, id: string, opts: { extra?: string[]; superuser?: 'source' | 'target'; label?: string } = {}): Promise<StepResult> {
  const { script, args } = commandLine(step(id).command);
  return runCommand(run, opts.label ?? id, script, [...args, ...(opts.extra ?? [])], opts.superuser);
}

/** `db:sync -- status --json` until every table is ready (the runbook's `status --watch`). */
export async function waitReady(run: DayRun, timeoutSeconds = 180): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const r = await runProcess('npm', ['run', '--silent', 'db:sync', '--', 'status', '--json'], { cwd: PROJECT_DIR, env: run.env, logFile: join(run.logDir, 'steps.log'), secrets: run.secrets, timeoutSeconds: 60 });
    try {
      const s = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { allReady?: boolean; lagBytes?: number | null };
      if (s.allReady) return run.log(`status: every table ready, lag ${s.lagBytes ?? '-'} bytes`);
    } catch {
      /* not JSON yet */
    }
    if (Date.now() > deadline) throw new Error(`db:sync status: tables not all ready after ${timeoutSeconds} s:\n${r.output.slice(-2000)}`);
    await new Promise((res) => setTimeout(res, 1500));
  }
}

/** The deploy before the day: the production stack synthesized and applied at stage vercel. */
export async function deploy(run: DayRun): Promise<void> {
  const t0 = Date.now();
  const synth = await synthStacks({ outdir: join(PROJECT_DIR, 'cdktf.out'), stacks: [ENV], offline: false, configFile: run.env.VN_CONFIG, env: run.env, log: run.log });
  const dir = join(synth.files[ENV], '..');
  const logFile = join(run.logDir, 'deploy.log');
  await terraform(dir, ['init', '-input=false', '-no-color'], { env: run.env, logFile, timeoutSeconds: 600, secrets: run.secrets });
  await terraform(dir, ['apply', '-input=false', '-auto-approve', '-no-color'], { env: run.env, logFile, timeoutSeconds: 900, secrets: run.secrets });
  run.log(`deploy: ${ENV} applied at stage vercel in ${((Date.now() - t0) / 1000).toFixed(0)} s (log ${logFile})`);
}

