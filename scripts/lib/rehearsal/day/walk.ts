/**
 * The migration-day rehearsal from end to end: set up (./day.ts header), walk DAY_PATH, judge,
 * and take everything down again in every outcome (moto, both clusters, every app process,
 * and the local state file the stage steps used, which is moved into the run's folder).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ORIGIN_SECRET_VARIABLE } from '../../../../stacks/environment-stack';
import { PASSWORD } from '../../../../__tests__/support/postgres';
import { startMoto } from '../moto';
import { REHEARSAL_GITHUB_REPOSITORY } from '../rehearsal';
import { PROJECT_DIR } from '../../terraform/synth';
import { formatBytes } from '../../text/units';
import { redactSecrets } from '../../db/connection';
import { maskSecrets } from '../../proc/mask';
import { compareSides, databaseBytes, fillSource, holdSides, startDatabases, type HeldSides } from './databases';
import { APEX, deploy, ENV, followListener, LOAD_BALANCER, rollout, route, runCommand, runStep, STATE_FILE, waitReady, type DayOptions, type DayRun } from './day';
import { albView } from './listener';
import { RDS_BUNDLE_IN_IMAGE, startApp } from './fleet';
import { readLedger } from './ledger';
import { judge, type Comparison, type DayReport, type StepResult } from './report';
import { DAY_PATH, step } from './steps';
import { apexWeights, startTraffic } from './traffic';

const CUTOVER_STEPS: Record<string, string> = { canary: 'canary', '25': '25', '50': '50', aws: 'aws', ready: 'ready', rds: 'rds', 'back-to-ready': 'ready', 'rds-only': 'rds-only' };
/** `cutover --prepare` steps: they check and plan like a stage step, and change nothing. */
const PREPARE_STEPS = new Set(['prepare-rds', 'prepare-ready']);

/** Starts moto, the databases, the Vercel app and the traffic, and deploys the stack at stage vercel. */
async function setup(opts: DayOptions, logDir: string, log: (l: string) => void): Promise<DayRun> {
  const moto = await startMoto({ logDir });
  log(`moto ${moto.endpoint} (pid ${moto.pid}), log ${moto.logFile}`);
  let db;
  try {
    db = await startDatabases(join(logDir, 'certs'));
  } catch (e) {
    await moto.stop();
    throw e;
  }
  log(`source (Vercel-shaped) 127.0.0.1:${db.source.cluster.port}/${db.source.database} as ${db.source.user}; target (RDS-shaped) 127.0.0.1:${db.target.cluster.port}/${db.target.database} as ${db.target.user}`);
  const origin = randomBytes(32).toString('base64url');
  const configFile = join(logDir, 'venture-nudge.config.json');
  // The local backend: its state file is the one the rehearsal moves into its run folder (the S3 default needs a bucket).
  // The day comes long after the zone's delegation (the deploy rehearsal walks the zone-only first apply).
  writeFileSync(configFile, `${JSON.stringify({ github: { repository: REHEARSAL_GITHUB_REPOSITORY }, environments: { [ENV]: { database: { logicalReplication: true }, backend: { type: 'local' }, dns: { delegated: true } } } }, null, 2)}\n`);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...moto.clientEnv,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    VN_PROVIDER_MODE: 'rehearsal',
    VN_REHEARSAL_ENDPOINT: moto.endpoint,
    VN_STACKS: ENV,
    [`TF_VAR_${ORIGIN_SECRET_VARIABLE}`]: origin,
    VN_CONFIG: configFile,
    VN_STATE_DIR: join(logDir, 'state'),
    SOURCE_DATABASE_URL: db.sourceUrl,
    TARGET_DATABASE_URL: db.targetUrl,
    // The stage steps' plan (cutover --apply applies that saved plan): the stack was applied once
    // and only these steps change it, so the state is what moto holds (docs/rehearsal.md).
    TF_CLI_ARGS_plan: '-refresh=false',
    VN_SOURCE_AS_RDS_SEES_IT: db.sourceForTarget,
    VN_RDS_AS_SOURCE_SEES_IT: db.targetForSource,
  };
  const run: DayRun = {
    logDir,
    env,
    moto,
    db,
    traffic: startTraffic(opts.rate ?? 30),
    fleet: { ledger: join(logDir, 'ledger.jsonl'), logDir, imageFiles: { [RDS_BUNDLE_IN_IMAGE]: db.rdsCaBundle } },
    stackJson: join(PROJECT_DIR, 'cdktf.out', 'stacks', ENV, 'cdk.tf.json'),
    log,
    secrets: [PASSWORD, encodeURIComponent(PASSWORD), origin],
    timeoutSeconds: opts.stepTimeoutSeconds ?? 300,
    tasks: opts.tasks ?? 2,
    aws: [],
    standby: [],
    weights: { vercel: 100, aws: 0 },
    listener: { source: 100, rds: 0 },
    alb: albView({ region: env.AWS_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }, LOAD_BALANCER),
    timeline: [{ at: 0, writer: 'source' }],
    stages: [{ at: Date.now(), stage: 'vercel' }],
    switches: [],
    steps: [],
    comparisons: [],
    holds: [],
    superuserSteps: [],
  };
  return run;
}

/** The database work and the deploy of the day before, side by side. */
async function prepare(run: DayRun, scale: number): Promise<void> {
  const deployed = deploy(run);
  deployed.catch(() => undefined);
  await fillSource(run.db, scale, join(run.logDir, 'pgbench.log'));
  run.log(`source: app tables + pgbench scale ${scale}, ${formatBytes(await databaseBytes(run.db.source))}`);
  // The Vercel deployment: its POSTGRES_URL / DATABASE_URL are the source URL the user has.
  run.vercel = await startApp('vercel', { DATABASE_URL: run.db.sourceUrl, POSTGRES_URL: run.db.sourceUrl, NODE_ENV: 'production' }, run.fleet);
  route(run);
  await deployed;
  // What `npx vercel env pull` gives: the app's secrets (env:sync skips the database variables).
  const dotenv = join(run.logDir, '.env.production');
  const fake = ['OPENAI_API_KEY', 'TAVILY_API_KEY', 'AGORA_APP_ID', 'AGORA_APP_CERTIFICATE', 'NEXTAUTH_SECRET'].map((k) => `${k}="rehearsal-${k.toLowerCase()}-${randomBytes(6).toString('hex')}"`);
  writeFileSync(dotenv, [...fake, `POSTGRES_URL="${run.db.sourceUrl}"`, ''].join('\n'), { mode: 0o600 });
  const r = await runCommand(run, 'env:sync', 'env:sync', ['--file', dotenv, '--env', ENV]);
  if (!r.ok) throw new Error(`env:sync failed before the runbook: ${r.error}`);
}

function label(id: string, seen: Map<string, number>): string {
  const n = (seen.get(id) ?? 0) + 1;
  seen.set(id, n);
  return n === 1 ? id : `${id} (again)`;
}

/** The flags the rehearsal adds to a step (see ./steps.ts). */
function extraFlags(run: DayRun, id: string, stage: boolean): string[] {
  if (stage || PREPARE_STEPS.has(id)) return ['--health-url', `http://127.0.0.1:${run.aws[0].port}/api/health`, '--yes'];
  if (id === 'start' || id === 'start-again') return ['--source-conninfo-env', 'VN_SOURCE_AS_RDS_SEES_IT'];
  if (id === 'rollback') return ['--source-conninfo-env', 'VN_RDS_AS_SOURCE_SEES_IT'];
  if (id === 'finish') return ['--reverse-conninfo-env', 'VN_RDS_AS_SOURCE_SEES_IT'];
  return [];
}

/** A step started before the next one and waiting for it: `cutover --to rds --apply --at-open`, beside finish. */
interface Beside {
  readonly id: string;
  readonly name: string;
  readonly done: Promise<StepResult>;
}

const startsBeside = (id: string) => /\s--at-open\b/.test(step(id).command);

/** What finish prints the moment writes open on RDS (scripts/db-sync.ts onOpen). */
const OPEN_LINE = /\bopen: writes open on the target after\b/;

/**
 * Watches a finish's output for its open: from that moment RDS is the writer (the timeline),
 * and the judge holds both databases as they are (before any request reaches the RDS side: the
 * app moves only when the cutover beside finish flips the listener, which is checked).
 */
function watchOpen(run: DayRun) {
  let text = '';
  let held: Promise<HeldSides> | undefined;
  const hold = (): Promise<HeldSides> => {
    if (!held) {
      const at = Date.now();
      run.timeline.push({ at, writer: 'rds' });
      held = holdSides(run.db);
      held.then(() => run.holds.push({ at, seconds: (Date.now() - at) / 1000 }), () => undefined);
    }
    return held;
  };
  return {
    onOutput(chunk: string): void {
      if (held) return;
      text = (text + chunk).slice(-4000);
      if (OPEN_LINE.test(text)) void hold();
    },
    /** The listener flipped to the RDS side: the hold first (if finish's line is not read yet, now). */
    gate: async () => void (await hold().catch(() => undefined)),
    held: () => held,
  };
}

/** The independent comparison after a switch: of the databases now, or as held at the open. */
async function compareAfter(run: DayRun, name: string, held?: HeldSides): Promise<void> {
  const at = Date.now();
  let entry: Comparison;
  if (held && run.rdsSideSince !== undefined && run.rdsSideSince <= held.takenAt) {
    entry = { after: name, same: false, difference: `the judge held the databases at ${new Date(held.takenAt).toISOString()}, after the traffic reached the RDS side (${new Date(run.rdsSideSince).toISOString()}): not judged`, at, seconds: 0 };
    await held.release();
  } else {
    try {
      const c = await compareSides(run.db, held);
      entry = { after: name, same: c.same, difference: c.same ? undefined : c.difference, at, seconds: (Date.now() - at) / 1000 };
    } finally {
      await held?.release();
    }
  }
  run.comparisons.push(entry);
  run.log(`independent comparison after ${name}${held ? ' (both sides as they were at the open)' : ''}: ${entry.same ? 'identical' : `DIFFERENT ${JSON.stringify(entry.difference).slice(0, 600)}`}`);
}

/** After a stage step: the traffic follows the new weights; stage ready starts the RDS-side service's tasks. */
async function afterStage(run: DayRun, id: string, name: string): Promise<void> {
  const stage = CUTOVER_STEPS[id];
  run.weights = apexWeights(run.stackJson, APEX);
  run.listener = await run.alb.weights();
  run.stages.push({ at: Date.now(), stage: name === id ? stage : `${stage} (${name})` });
  // Stage ready starts the RDS-side service's tasks (first time; they keep running after a rollback).
  if (id === 'ready' && run.standby.length === 0) await rollout(run, 'rds', 'rds');
  else if (stage === 'rds-only') await scaleToZero(run);
  else route(run);
  run.log(`stage ${stage}: Route 53 weights vercel ${run.weights.vercel} / aws ${run.weights.aws}; listener source side ${run.listener.source} / RDS side ${run.listener.rds}`);
}

/**
 * Stage rds-only: the source side's tasks stop, as ECS stops them when the autoscaling range becomes
 * 0..0 (the listener sent them no request since rds). The traffic goes on through the RDS side.
 */
async function scaleToZero(run: DayRun): Promise<void> {
  const idle = run.aws;
  if (run.listener.source !== 0) throw new Error(`stage rds-only with listener weight ${run.listener.source} on the source side: it must be 0`);
  run.aws = [];
  route(run);
  await Promise.all(idle.map((a) => a.process.stop()));
  run.log(`scaled to zero (source side): stopped ${idle.map((a) => a.name).join(', ') || 'nothing'}`);
}

/** Runs one step (with the step started beside it, if any); true when both succeeded. */
async function walkStep(run: DayRun, id: string, name: string, beside?: Beside): Promise<boolean> {
  const stage = CUTOVER_STEPS[id];
  const switching = id === 'finish' ? ({ from: 'source', to: 'rds' } as const) : id === 'rollback' ? ({ from: 'rds', to: 'source' } as const) : undefined;
  if (switching) {
    const at = Date.now();
    run.timeline.push({ at, writer: 'switching', from: switching.from });
    run.switches.push({ at, ...switching });
  }
  // finish arms the reverse replication (a subscription on the source) before it opens writes on RDS
  const superuser = id === 'start' || id === 'start-again' ? 'target' : id === 'rollback' || id === 'finish' ? 'source' : undefined;
  const open = beside && switching?.to === 'rds' ? watchOpen(run) : undefined;
  run.gate = open?.gate;
  // A stage step's traffic follows the listener live (the database switch lands mid-command).
  const running = runStep(run, id, { extra: extraFlags(run, id, Boolean(stage)), superuser, label: name, holdRevokeUntil: beside?.done, onOutput: open?.onOutput });
  const r = stage ? await followListener(run, running) : await running;
  const b = beside ? await beside.done : undefined;
  run.gate = undefined;
  const held = await open?.held()?.catch((e: Error) => void run.log(`the judge could not hold the databases at the open: ${e.message}`));
  if (switching) run.timeline.push({ at: Date.now(), writer: r.ok || held !== undefined ? switching.to : switching.from });
  if (!r.ok || (b && !b.ok)) {
    await held?.release();
    return false;
  }
  if (switching) await compareAfter(run, name, held ?? undefined);
  if (id === 'start' || id === 'start-again') await waitReady(run);
  if (b) await afterStage(run, beside!.id, beside!.name);
  if (stage) await afterStage(run, id, name);
  return true;
}

/** Walks DAY_PATH; stops at the first failed step. */
async function walk(run: DayRun): Promise<void> {
  const seen = new Map<string, number>();
  let beside: Beside | undefined;
  for (const id of DAY_PATH) {
    const name = label(id, seen);
    if (CUTOVER_STEPS[id] && run.aws.length === 0) await rollout(run, 'aws'); // the service's tasks, running since the deploy
    if (startsBeside(id)) {
      // it waits for the next step (finish) to open writes on RDS, the listener followed live
      beside = { id, name, done: followListener(run, runStep(run, id, { extra: extraFlags(run, id, true), label: name })) };
      beside.done.catch(() => undefined);
      continue;
    }
    const with_ = beside;
    beside = undefined;
    if (!(await walkStep(run, id, name, with_))) return;
  }
  if (beside) await beside.done; // a step beside nothing: the path ended with it
}

/** Stops everything the run started and moves the stage steps' state file into the run folder. */
async function teardown(run: DayRun): Promise<void> {
  await run.traffic.stop();
  await Promise.all([run.vercel, ...run.aws, ...run.standby].filter((a) => a !== undefined).map((a) => a!.process.stop()));
  run.alb.close();
  await run.moto.stop();
  run.db.stop();
  moveState(run.logDir);
}

/** Marks the local state file as the rehearsal's while a run uses it (an interrupted run leaves it behind). */
const MARKER = `${STATE_FILE}.migration-day`;

/** Moves the state file (and its backup and marker) into a run folder. */
function moveState(into: string): void {
  for (const f of [STATE_FILE, `${STATE_FILE}.backup`, MARKER]) if (existsSync(f)) renameSync(f, join(into, basename(f)));
}

/**
 * Refuses a state file that is not the rehearsal's (it never touches a real state); one an
 * interrupted rehearsal left behind (marked) is moved into that run's folder.
 */
function claimState(logDir: string, log: (l: string) => void): void {
  if (existsSync(STATE_FILE) && existsSync(MARKER)) {
    const previous = readFileSync(MARKER, 'utf8').trim();
    const into = existsSync(previous) ? previous : logDir;
    moveState(into);
    log(`moved the state file an interrupted migration-day rehearsal left behind into ${into}`);
  }
  if (existsSync(STATE_FILE)) {
    throw new Error(`${STATE_FILE} exists: the migration-day rehearsal applies the ${ENV} stack against moto with the local state file its backend names; move that file away first (the rehearsal never touches it)`);
  }
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(MARKER, `${logDir}\n`);
}

/** Runs the whole rehearsal; never throws for a failed step (it is in the report). */
export async function migrationDay(opts: DayOptions = {}): Promise<DayReport> {
  const startedAt = Date.now();
  const sink = opts.log ?? (() => undefined);
  // Every line the rehearsal prints passes the mask: a difference can quote a subscription's CONNECTION.
  const log = (line: string) => sink(redactSecrets(maskSecrets(line, [PASSWORD, encodeURIComponent(PASSWORD)])));
  const logDir = resolve(opts.workDir ?? '.rehearsal', `day-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(logDir, { recursive: true });
  claimState(logDir, log);
  const run = await setup(opts, logDir, log);
  const problems: string[] = [];
  let bytes = 0;
  try {
    await prepare(run, opts.scale ?? 1);
    bytes = await databaseBytes(run.db.source);
    await walk(run);
    await new Promise((r) => setTimeout(r, 3000)); // traffic on the final stage
  } catch (e) {
    problems.push((e as Error).message);
    log(`error: ${(e as Error).message}`);
  }
  try {
    await run.traffic.stop();
    const report = await judge({
      ledger: readLedger(run.fleet.ledger),
      db: run.db,
      timeline: run.timeline,
      switches: run.switches,
      stages: run.stages,
      steps: run.steps,
      comparisons: run.comparisons,
      holds: run.holds,
      superuserSteps: run.superuserSteps,
      scale: opts.scale ?? 1,
      databaseBytes: bytes,
      requests: run.traffic.counts().requests,
      logDir,
      startedAt,
      problems,
    });
    writeFileSync(join(logDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await teardown(run);
  }
}
