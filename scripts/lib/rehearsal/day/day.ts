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
 *             weights; after stage ready the RDS-side "AWS" app processes start with the RDS-side
 *             task definition's settings beside the source-side ones and are registered in
 *             their target group; while a stage step runs, the AWS share of the traffic follows
 *             the ALB listener's weights as moto holds them (./listener.ts), live
 *   judge     ./report.ts: the app's ledger and an independent comparison, never the
 *             toolkit's verify
 *
 * The stage steps' `terraform apply` runs with TF_CLI_ARGS_apply=-refresh=false: the stack
 * was applied once and nothing but these steps changes it, so the state is what moto holds.
 */
import type { Comparison } from './report';
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
import type { AlbView, ListenerWeights } from './listener';
import type { StepResult } from './report';

export const ENV = 'production';
export const APEX = 'venturenudge.com';
export const TASK_FAMILY = `venture-nudge-${ENV}-task`;
/** The RDS-side service's task definition family (stages ready and rds). */
export const RDS_TASK_FAMILY = `venture-nudge-${ENV}-rds-task`;
export const LOAD_BALANCER = `venture-nudge-${ENV}-alb`;

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
  /** The source-side service's tasks. */
  aws: AppProcess[];
  /** The RDS-side service's tasks (from stage ready). */
  standby: AppProcess[];
  weights: { vercel: number; aws: number };
  /** The ALB listener's weights between the two services, as moto last said. */
  listener: ListenerWeights;
  readonly alb: AlbView;
  readonly timeline: WriterChange[];
  readonly stages: { at: number; stage: string }[];
  readonly switches: { at: number; from: 'source' | 'rds'; to: 'source' | 'rds' }[];
  readonly steps: StepResult[];
  readonly comparisons: Comparison[];
  readonly superuserSteps: string[];
  /** Since when the traffic reaches the RDS-side service (undefined: it does not). */
  rdsSideSince?: number;
  /**
   * Awaited before the traffic first goes to the RDS-side service, while set: the judge's hold of
   * both databases at the open (walk.ts watchOpen), so that no request reaches RDS before it.
   */
  gate?: () => Promise<void>;
  /** The judge's holds (when and how long): the rehearsal's own time, like its comparisons. */
  readonly holds: { at: number; seconds: number }[];
}

/** The local state file the production stack's backend names (see stacks/state-backend.ts). */
export const STATE_FILE = join(PROJECT_DIR, LOCAL_STATE_DIR, `${ENV}.tfstate`);

/** The traffic goes where the live weights and the live processes say: Route 53 between Vercel and AWS, the listener between the two services. */
export function route(run: DayRun): void {
  if (run.listener.source > 0 && run.listener.rds > 0) throw new Error(`the listener sends requests to both services (source ${run.listener.source}, rds ${run.listener.rds}): two databases would take writes`);
  const aws = run.listener.rds > 0 ? run.standby : run.aws;
  if (run.listener.rds > 0) run.rdsSideSince ??= Date.now();
  else run.rdsSideSince = undefined;
  run.traffic.route(run.weights, { vercel: run.vercel ? [run.vercel.port] : [], aws: aws.map((a) => a.port) });
}

/** Moto's client settings for the run. */
export function motoClient(run: DayRun) {
  return { region: run.env.AWS_REGION, endpoint: run.moto.endpoint, credentials: { accessKeyId: run.env.AWS_ACCESS_KEY_ID, secretAccessKey: run.env.AWS_SECRET_ACCESS_KEY } };
}

/**
 * Starts `run.tasks` new app processes with the synthesized task definition of one side's
 * service; the source side's replace the old ones (the traffic moves to them first), the RDS
 * side's are registered in their target group and take requests only when the listener says so.
 */
export async function rollout(run: DayRun, label: string, side: 'source' | 'rds' = 'source'): Promise<void> {
  const aws = motoClient(run);
  const clients = { ssm: new SSMClient(aws), secrets: new SecretsManagerClient(aws) };
  try {
    const settings = await resolveSettings(run.stackJson, containerSettings(run.stackJson, side === 'rds' ? RDS_TASK_FAMILY : TASK_FAMILY), clients);
    const fresh = await Promise.all(Array.from({ length: run.tasks }, (_, i) => startApp(`${label}-${i + 1}`, settings, run.fleet)));
    const old = side === 'rds' ? run.standby : run.aws;
    if (side === 'rds') run.standby = fresh;
    else run.aws = fresh;
    await run.alb.registerTargets(side, fresh.map((a) => a.port));
    route(run);
    run.log(`rollout ${label} (${side} side): ${fresh.map((a) => `${a.name} :${a.port}`).join(', ')} healthy${side === 'rds' ? ' and registered in the RDS-side target group' : ', registered in the source-side target group and taking traffic'}; stopping ${old.map((a) => a.name).join(', ') || 'nothing'}`);
    await Promise.all(old.map((a) => a.process.stop()));
  } finally {
    clients.ssm.destroy();
    clients.secrets.destroy();
  }
}

/** While `work` runs, reads the listener every `everyMs` and re-routes the moment its weights change. */
export async function followListener<T>(run: DayRun, work: Promise<T>, everyMs = 200): Promise<T> {
  let done = false;
  const poll = (async () => {
    while (!done) {
      try {
        const w = await run.alb.weights();
        if (w.source !== run.listener.source || w.rds !== run.listener.rds) {
          if (w.rds > 0 && run.rdsSideSince === undefined) await run.gate?.();
          run.listener = w;
          route(run);
          run.log(`listener: source side ${w.source} / RDS side ${w.rds} (live, moto)`);
        }
      } catch (e) {
        run.log(`listener: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    return await work;
  } finally {
    done = true;
    await poll;
  }
}

/** How a step runs beside the rest of the walk. */
export interface StepOptions {
  /** Grant SUPERUSER on that side for the step (CREATE SUBSCRIPTION). */
  readonly superuser?: 'source' | 'target';
  /** With superuser: revoke it only once this settled too (a step running beside, so its ALTER ROLE is no write "since finish" there). */
  readonly holdRevokeUntil?: Promise<unknown>;
  /** The step's output as it comes. */
  readonly onOutput?: (text: string) => void;
}

/** Runs `npm run <script> -- <args>` as a child process with the run's environment, and records it as a step. */
export async function runCommand(run: DayRun, label: string, script: string, args: readonly string[], o: StepOptions = {}): Promise<StepResult> {
  const { superuser } = o;
  const command = `npm run ${script} -- ${args.join(' ')}`;
  run.log(`step ${label}: ${command}${superuser ? `   (as a superuser for CREATE SUBSCRIPTION on the ${superuser})` : ''}`);
  const startedAt = Date.now();
  const onOutput = o.onOutput ? (text: string) => o.onOutput!(text) : undefined;
  const exec = (): Promise<ProcessResult> =>
    runProcess('npm', ['run', '--silent', script, '--', ...args], { cwd: PROJECT_DIR, env: run.env, logFile: join(run.logDir, 'steps.log'), timeoutSeconds: run.timeoutSeconds, secrets: run.secrets, onOutput });
  if (superuser) {
    const role = superuser === 'target' ? run.db.target.user : run.db.source.user;
    run.superuserSteps.push(`${label}: SUPERUSER granted to ${role} for CREATE SUBSCRIPTION only (PostgreSQL 15 reserves it to superusers; RDS and Neon let their admin roles run it), revoked after${o.holdRevokeUntil ? ' it and the step beside it' : ''}`);
  }
  const held = async () => {
    const r = await exec();
    await o.holdRevokeUntil?.catch(() => undefined);
    return r;
  };
  const r = superuser ? await asSubscriptionCreator(superuser === 'target' ? run.db.target : run.db.source, held) : await exec();
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
export function runStep(run: DayRun, id: string, opts: StepOptions & { extra?: string[]; label?: string } = {}): Promise<StepResult> {
  const { script, args } = commandLine(step(id).command);
  return runCommand(run, opts.label ?? id, script, [...args, ...(opts.extra ?? [])], opts);
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

