/**
 * bench:copy — db:copy side by side with its peers on a generated source (pgbench; scale 80 is
 * about 1.2 GB), on two throwaway local clusters with durable settings:
 *
 *   pg_dump | psql        PostgreSQL 15 client binaries (benchmark only)
 *   pgcopydb clone        when pgcopydb is installed (apt-get install pgcopydb); skipped otherwise
 *   db:copy --no-verify   the CLI as a user runs it: `npm run -s db:copy`, timed from outside
 *                         (npm, the launcher and Node start-up included), --jobs as given
 *
 * The tools run interleaved (the order rotates every round) for several rounds, each into a
 * fresh database after a CHECKPOINT and sync; medians are compared (goal: db:copy <= 0.9x the
 * best peer). It then reports how db:copy's time splits between data (COPY) and keys/indexes
 * (the engine in-process, for its events), and how --jobs 1, 2 and 4 scale. Every child process goes through scripts/lib/proc/run.ts.
 *
 *   npm run bench:copy -- --scale 80 --rounds 3
 *   npm run bench:copy -- --scale 2 --rounds 1 --scaling 1,2   # small run, about a minute
 */
import { DEFAULT_JOBS } from '../scripts/lib/db/pool';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli, runCli, UsageError } from '../scripts/lib/cli/args';
import { createLogger } from '../scripts/lib/cli/log';
import { formatBytes } from '../scripts/lib/text/units';
import type { CopyEvent } from '../scripts/lib/db/copy/index';
import { runProcess } from '../scripts/lib/proc/run';
import { projectRoot } from '../scripts/lib/cli/root';
import type { Cluster } from '../__tests__/support/postgres';
import type { ShapedDatabase } from '../__tests__/support/shapes';
import type * as Postgres from '../__tests__/support/postgres';
import type * as Shapes from '../__tests__/support/shapes';
import type * as Copy from '../scripts/lib/db/copy/index';

// The clusters, the shapes and the engine (pg with them) are loaded by main once the command line
// is read: --help loads none of them.
let copyDatabase: typeof Copy.copyDatabase;
let DURABLE_SETTINGS: typeof Postgres.DURABLE_SETTINGS, PASSWORD: typeof Postgres.PASSWORD, PG_BIN: typeof Postgres.PG_BIN, startCluster: typeof Postgres.startCluster;
let shapeRds: typeof Shapes.shapeRds, shapeVercel: typeof Shapes.shapeVercel;

const ROOT = projectRoot(__dirname);

const spec = {
  name: 'npm run bench:copy --',
  summary: 'Benchmark db:copy against pg_dump | psql and pgcopydb on two local throwaway clusters.',
  options: {
    scale: { type: 'string', valueName: 'n', description: 'pgbench scale (80 is about 1.2 GB)', default: '80' },
    rounds: { type: 'string', valueName: 'n', description: 'interleaved rounds', default: '3' },
    jobs: { type: 'string', short: 'j', valueName: 'n', description: 'db:copy and pgcopydb workers in the rounds', default: String(DEFAULT_JOBS) },
    scaling: { type: 'string', valueName: 'list', description: 'db:copy --jobs values for the scaling runs', default: '1,2,4' },
  },
} as const;

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** How one db:copy run spent its time. */
interface CopyRun {
  readonly seconds: number;
  readonly phases: string;
  /** COPY time summed over workers. */
  readonly dataSeconds: number;
  /** Key and index builds summed over workers. */
  readonly indexSeconds: number;
}

interface Bench {
  readonly source: Cluster;
  readonly target: Cluster;
  /** The source as Vercel's non-superuser app user (../__tests__/support/shapes.ts). */
  readonly src: string;
  /** Environment for libpq tools: the source's user and password. */
  readonly env: NodeJS.ProcessEnv;
}


async function settle(b: Bench): Promise<void> {
  await Promise.all([b.source.sql('postgres', 'CHECKPOINT'), b.target.sql('postgres', 'CHECKPOINT')]);
  await runProcess('sync', [], { check: true });
}

async function pgDumpPsql(b: Bench, t: ShapedDatabase): Promise<number> {
  // As the same users: the app user reads, the RDS master restores (no owners or grants to replay).
  const dump = `${join(PG_BIN, 'pg_dump')} --no-owner --no-privileges -h 127.0.0.1 -p ${b.source.port} bench`;
  const restore = `${join(PG_BIN, 'psql')} -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p ${b.target.port} -U ${t.user} -d ${t.database} >/dev/null`;
  const r = await runProcess('bash', ['-o', 'pipefail', '-c', `${dump} | ${restore}`], { env: b.env, check: true, secrets: [PASSWORD] });
  return r.seconds;
}

async function pgcopydb(b: Bench, t: ShapedDatabase, jobs: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pgcopydb-'));
  try {
    const args = ['clone', '--source', b.src, '--target', t.url, '--table-jobs', String(jobs), '--index-jobs', String(jobs), '--dir', dir, '--no-owner', '--no-acl'];
    const r = await runProcess('pgcopydb', args, { env: b.env, check: true, secrets: [PASSWORD, encodeURIComponent(PASSWORD)] });
    return r.seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function dbCopy(b: Bench, t: ShapedDatabase, jobs: number): Promise<CopyRun> {
  let dataMs = 0;
  let indexMs = 0;
  const onEvent = (e: CopyEvent) => {
    // one table-end per whole table or per chunk of a split table
    if (e.type === 'table-end') dataMs += e.ms;
    if (e.type === 'statement' && e.ms !== undefined) indexMs += e.ms;
  };
  const t0 = Date.now();
  const s = await copyDatabase({ from: b.src, to: t.url, jobs, verify: false, onEvent });
  const seconds = (Date.now() - t0) / 1000;
  const phases = s.timings.map((p) => `${p.phase} ${(p.ms / 1000).toFixed(1)} s`).join(', ');
  return { seconds, phases, dataSeconds: dataMs / 1000, indexSeconds: indexMs / 1000 };
}

/** `npm run -s db:copy` as a user types it (URLs in the environment, not argv), wall time from outside. */
async function dbCopyCli(b: Bench, t: ShapedDatabase, jobs: number): Promise<number> {
  const env = { ...b.env, SOURCE_DATABASE_URL: b.src, TARGET_DATABASE_URL: t.url, CI: 'true' };
  const r = await runProcess('npm', ['run', '-s', 'db:copy', '--', '--jobs', String(jobs), '--no-verify', '--json'], { cwd: ROOT, env, check: true, secrets: [PASSWORD, encodeURIComponent(PASSWORD)] });
  if (JSON.parse(r.stdout).ok !== true) throw new Error(`db:copy did not report ok: ${r.stdout.slice(0, 500)}`);
  return r.seconds;
}

/** Runs `fn` into a fresh RDS-shaped target database after settling both clusters, then drops it. */
async function fresh<T>(b: Bench, db: string, fn: (target: ShapedDatabase) => Promise<T>): Promise<T> {
  // RDS as it comes: the non-superuser master owns the fresh database.
  const target = await shapeRds(b.target, { database: db });
  await settle(b);
  try {
    return await fn(target);
  } finally {
    await b.target.sql('postgres', `DROP DATABASE IF EXISTS ${db}`);
  }
}

async function hasPgcopydb(): Promise<boolean> {
  try {
    return (await runProcess('pgcopydb', ['--version'])).code === 0;
  } catch {
    return false;
  }
}

type Tool = 'pg_dump|psql' | 'pgcopydb' | 'db:copy';

async function rounds(b: Bench, count: number, jobs: number, tools: Tool[], log: ReturnType<typeof createLogger>) {
  const times: Record<Tool, number[]> = { 'pg_dump|psql': [], pgcopydb: [], 'db:copy': [] };
  for (let r = 1; r <= count; r++) {
    // interleave: the order rotates every round
    const order = tools.map((_, i) => tools[(i + r - 1) % tools.length]);
    for (const tool of order) {
      const db = `r${r}_${tool.replace(/\W/g, '')}`;
      if (tool === 'pg_dump|psql') times[tool].push(await fresh(b, db, (d) => pgDumpPsql(b, d)));
      else if (tool === 'pgcopydb') times[tool].push(await fresh(b, db, (d) => pgcopydb(b, d, jobs)));
      else times[tool].push(await fresh(b, db, (d) => dbCopyCli(b, d, jobs)));
      log.info(`round ${r}: ${tool} ${times[tool][times[tool].length - 1].toFixed(1)} s`);
    }
  }
  return { times };
}

function sideBySide(times: Record<Tool, number[]>, tools: Tool[], count: number): string[] {
  const w = 14;
  const out = [['round', ...tools].map((h, i) => (i ? h.padStart(w) : h.padEnd(6))).join('')];
  for (let r = 0; r < count; r++) out.push([String(r + 1).padEnd(6), ...tools.map((t) => `${times[t][r].toFixed(2)} s`.padStart(w))].join(''));
  out.push(['median'.padEnd(6), ...tools.map((t) => `${median(times[t]).toFixed(2)} s`.padStart(w))].join(''));
  const peers = tools.filter((t) => t !== 'db:copy');
  const best = Math.min(...peers.map((t) => median(times[t])));
  const bestName = peers.find((t) => median(times[t]) === best);
  out.push('', `db:copy / best peer (${bestName}) = ${(median(times['db:copy']) / best).toFixed(2)}   (goal <= 0.90)`);
  return out;
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const [scale, count, jobs] = [Number(args.scale), Number(args.rounds), Number(args.jobs)];
  const scaling = args.scaling.split(',').map(Number);
  if (![scale, count, jobs, ...scaling].every((x) => Number.isInteger(x) && x > 0)) throw new UsageError('--scale, --rounds, --jobs and --scaling take whole numbers above 0');
  ({ copyDatabase } = await import('../scripts/lib/db/copy/index'));
  ({ DURABLE_SETTINGS, PASSWORD, PG_BIN, startCluster } = await import('../__tests__/support/postgres'));
  ({ shapeRds, shapeVercel } = await import('../__tests__/support/shapes'));
  const log = createLogger({ prefix: '[bench]' });
  const env = { ...process.env, PGPASSWORD: PASSWORD, PGUSER: 'default', PATH: `${PG_BIN}:${process.env.PATH}` };
  const tools: Tool[] = (await hasPgcopydb()) ? ['pg_dump|psql', 'pgcopydb', 'db:copy'] : ['pg_dump|psql', 'db:copy'];
  if (!tools.includes('pgcopydb')) log.warn('pgcopydb is not installed: comparing with pg_dump | psql only (apt-get install pgcopydb)');
  let source: Cluster | undefined;
  let target: Cluster | undefined;
  try {
    source = await startCluster({ settings: DURABLE_SETTINGS });
    target = await startCluster({ settings: DURABLE_SETTINGS });
    // As Vercel Postgres gives it: the non-superuser app user "default" owns the database and what pgbench makes.
    const src = (await shapeVercel(source, { database: 'bench' })).url;
    const t0 = Date.now();
    log.info(`building the source: pgbench -i -s ${scale}`);
    await runProcess(join(PG_BIN, 'pgbench'), ['-i', '-q', '-s', String(scale), '-h', '127.0.0.1', '-p', String(source.port), 'bench'], { env, check: true });
    await source.sql('bench', 'VACUUM ANALYZE');
    const [{ size }] = await source.sql('bench', 'SELECT pg_database_size(current_database())::float8 AS size');
    log.info(`source ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${formatBytes(size)}`);
    const b: Bench = { source, target, src, env };

    // The launcher compiles what changed on its first run; the rounds time an up-to-date tree.
    await runProcess('npm', ['run', '-s', 'db:copy', '--', '--help'], { cwd: ROOT, check: true });
    const { times } = await rounds(b, count, jobs, tools, log);
    const copies: CopyRun[] = [await fresh(b, 'split', (d) => dbCopy(b, d, jobs))];
    const scaled: { jobs: number; run: CopyRun }[] = [];
    for (const j of scaling) scaled.push({ jobs: j, run: await fresh(b, `jobs${j}`, (d) => dbCopy(b, d, j)) });

    const out = [
      `source: pgbench scale ${scale} = ${formatBytes(size)}; ${count} interleaved rounds; --jobs ${jobs} for db:copy and pgcopydb; db:copy is \`npm run -s db:copy\` timed from outside`,
      '',
      ...sideBySide(times, tools, count),
      '',
      'db:copy time split, the engine in-process (data = COPY time summed over workers, indexes = key/index builds summed over workers):',
      ...copies.map((c) => `  --jobs ${jobs}: wall ${c.seconds.toFixed(2)} s; data ${c.dataSeconds.toFixed(2)} s; indexes ${c.indexSeconds.toFixed(2)} s; phases ${c.phases}`),
      '',
      'db:copy --jobs scaling (one run each):',
      ...scaled.map((x) => `  --jobs ${x.jobs}: ${x.run.seconds.toFixed(2)} s (data ${x.run.dataSeconds.toFixed(2)} s, indexes ${x.run.indexSeconds.toFixed(2)} s)`),
    ];
    process.stdout.write(out.join('\n') + '\n');
    if (args.json) process.stdout.write(JSON.stringify({ scale, sizeBytes: size, jobs, tools, times, copies, scaling: scaled }) + '\n');
    return 0;
  } finally {
    source?.stop();
    target?.stop();
  }
}

if (require.main === module) runCli(main);
