/**
 * bench:sync — the cutover's freeze with db:sync against today's final sync (a full
 * db:copy --data-only --force), on one generated source of about 1 GB (pgbench -i -s 50 plus
 * an app-like table) with a writer committing at a steady rate. Two throwaway local clusters
 * with durable settings and wal_level=logical. One run prints three figures:
 *
 *   freeze   db:sync finish --freeze: writes stopped -> target caught up with sequences set (target <= 5 s)
 *   verify   the verification inside finish, measured separately
 *   copy     db:copy --data-only --force of the same (now frozen) database, verify included
 *
 *   npm run bench:sync -- --scale 50 --rate 200      # about 1 GB
 *   npm run bench:sync -- --scale 2                  # small run, a minute or two
 */
import { DEFAULT_JOBS } from '../scripts/lib/db/pool';
import { join } from 'node:path';
import type * as Pg from 'pg';
import { parseCli, runCli } from '../scripts/lib/cli/args';
import { createLogger } from '../scripts/lib/cli/log';
import { formatBytes } from '../scripts/lib/text/units';
import { runProcess } from '../scripts/lib/proc/run';
import type { SyncOptions } from '../scripts/lib/db/sync/index';
import type { Cluster } from '../__tests__/support/postgres';
import type * as Copy from '../scripts/lib/db/copy/index';
import type * as Sync from '../scripts/lib/db/sync/index';
import type * as Postgres from '../__tests__/support/postgres';
import type * as Shapes from '../__tests__/support/shapes';

// pg, the engines, the clusters and the shapes are loaded by main once the command line is read:
// --help loads none of them.
let Client: typeof Pg.Client;
let copyDatabase: typeof Copy.copyDatabase;
let finishSync: typeof Sync.finishSync, readStatus: typeof Sync.readStatus, startSync: typeof Sync.startSync, withSync: typeof Sync.withSync;
let DURABLE_SETTINGS: typeof Postgres.DURABLE_SETTINGS, PASSWORD: typeof Postgres.PASSWORD, PG_BIN: typeof Postgres.PG_BIN, SUPERUSER: typeof Postgres.SUPERUSER, startCluster: typeof Postgres.startCluster;
let asSubscriptionCreator: typeof Shapes.asSubscriptionCreator, shapeRds: typeof Shapes.shapeRds, shapeVercel: typeof Shapes.shapeVercel;

const spec = {
  name: 'npm run bench:sync --',
  summary: 'Benchmark the db:sync finish freeze and verify against a full db:copy --data-only --force, with a steady writer.',
  options: {
    scale: { type: 'string', valueName: 'n', description: 'pgbench scale (50 is about 750 MB of pgbench tables)', default: '50' },
    'app-rows': { type: 'string', valueName: 'n', description: 'rows in the app-like jsonb/text table (default: 8000 x scale)' },
    rate: { type: 'string', valueName: 'tx/s', description: 'writer transactions per second (insert + update + insert)', default: '200' },
    'stream-seconds': { type: 'string', valueName: 's', description: 'replication under the writer after the initial copy, before finish', default: '20' },
    jobs: { type: 'string', short: 'j', valueName: 'n', description: 'verify / copy workers', default: String(DEFAULT_JOBS) },
  },
} as const;

/** The two servers' settings: durable, with logical replication. */
const serverSettings = () => ({ ...DURABLE_SETTINGS, wal_level: 'logical', max_replication_slots: '10', max_wal_senders: '10' });

/** The source as Vercel Postgres gives it: the tables made and owned by the non-superuser app user. */
async function buildSource(cluster: Cluster, scale: number, appRows: number, env: NodeJS.ProcessEnv): Promise<string> {
  const db = await shapeVercel(cluster, { database: 'bench' });
  await runProcess(join(PG_BIN, 'pgbench'), ['-i', '-q', '-s', String(scale), '-p', String(cluster.port), 'bench'], { env: { ...env, PGUSER: db.user }, check: true });
  await db.sql(
    `ALTER TABLE pgbench_history ADD COLUMN id bigserial PRIMARY KEY;
     CREATE TABLE app_events (id bigserial PRIMARY KEY, user_id int NOT NULL, kind text NOT NULL, payload jsonb NOT NULL, body text, created_at timestamptz NOT NULL DEFAULT now());
     INSERT INTO app_events (user_id, kind, payload, body, created_at)
     SELECT g % 5000, 'kind_' || (g % 17), jsonb_build_object('n', g, 'tags', jsonb_build_array('a', 'b', g % 7)), repeat(md5(g::text), 1 + g % 6), timestamptz '2024-01-01' + g * interval '1 minute'
       FROM generate_series(1, ${appRows}) g;
     CREATE INDEX app_events_user_created ON app_events (user_id, created_at);`,
  );
  await db.sql('VACUUM ANALYZE');
  return db.url;
}

/** Commits `rate` transactions per second until its session is ended by the freeze. */
async function startWriter(url: string, rate: number, scale: number): Promise<{ count: () => number; started: number; done: Promise<void> }> {
  const c = new Client({ connectionString: url, ssl: false, application_name: 'bench writer' });
  c.on('error', () => undefined);
  await c.connect();
  let n = 0;
  const t0 = Date.now();
  const done = (async () => {
    for (;;) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate);
      try {
        while (n < due) {
          const aid = 1 + Math.floor(Math.random() * scale * 100000);
          await c.query(
            `WITH u AS (UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = $1 RETURNING aid),
                  h AS (INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, $1, 1, now()))
             INSERT INTO app_events (user_id, kind, payload, body) VALUES ($1 % 5000, 'bench', '{"w": 1}', 'x')`,
            [aid],
          );
          n++;
        }
      } catch {
        await c.end().catch(() => undefined);
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return { count: () => n, started: t0, done };
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  ({ Client } = await import('pg'));
  ({ copyDatabase } = await import('../scripts/lib/db/copy/index'));
  ({ finishSync, readStatus, startSync, withSync } = await import('../scripts/lib/db/sync/index'));
  ({ DURABLE_SETTINGS, PASSWORD, PG_BIN, SUPERUSER, startCluster } = await import('../__tests__/support/postgres'));
  ({ asSubscriptionCreator, shapeRds, shapeVercel } = await import('../__tests__/support/shapes'));
  const scale = Number(args.scale);
  const appRows = Number(args['app-rows'] ?? 8000 * scale);
  const rate = Number(args.rate);
  const jobs = Number(args.jobs);
  const log = createLogger({ prefix: '[bench]' });
  const env = { ...process.env, PGPASSWORD: PASSWORD, PGUSER: SUPERUSER, PGHOST: '127.0.0.1' };
  let source: Cluster | undefined;
  let target: Cluster | undefined;
  try {
    source = await startCluster({ settings: serverSettings() });
    target = await startCluster({ settings: serverSettings() });
    let t = Date.now();
    const from = await buildSource(source, scale, appRows, env);
    // RDS as it comes: the non-superuser master owns the database.
    const rds = await shapeRds(target, { database: 'bench' });
    const to = rds.url;
    const [{ size }] = await source.sql('bench', 'SELECT pg_database_size(current_database())::float8 AS size');
    log.info(`source ready in ${((Date.now() - t) / 1000).toFixed(0)} s: ${formatBytes(size)}`);
    const writer = await startWriter(from, rate, scale);
    const options: SyncOptions = { from, to, prefix: 'bench' };
    t = Date.now();
    // SUPERUSER for CREATE SUBSCRIPTION only (PostgreSQL 15 reserves it; RDS lets rds_superuser run it).
    await asSubscriptionCreator(rds, () => withSync(options, (ctx) => startSync(ctx)));
    while (!(await withSync(options, readStatus)).allReady) await new Promise((r) => setTimeout(r, 1000));
    const initialS = (Date.now() - t) / 1000;
    log.info(`initial copy (server to server, under the writer) done in ${initialS.toFixed(1)} s; streaming for ${args['stream-seconds']} s`);
    await new Promise((r) => setTimeout(r, Number(args['stream-seconds']) * 1000));
    const lag = await withSync(options, readStatus);
    const before = writer.count();
    const achieved = before / ((Date.now() - writer.started) / 1000);
    const fin = await withSync(options, (ctx) => finishSync(ctx, { freeze: true, jobs }));
    await writer.done;
    if (!fin.ok) throw new Error(`finish verification failed: ${fin.verify.mismatches.join('; ')}`);
    log.info(`finish: freeze ${fin.freezeMs} ms (catch-up ${fin.catchUpMs} ms), verify ${fin.verifyMs} ms; writer committed ${writer.count()} transactions`);
    t = Date.now();
    const copy = await copyDatabase({ from, to, mode: 'data-only', force: true, jobs });
    const copyS = (Date.now() - t) / 1000;
    if (!copy.ok) throw new Error('db:copy verification failed');
    const out = [
      `source: pgbench scale ${scale} + ${appRows} app rows = ${formatBytes(size)}; writer ${rate} tx/s requested, ${achieved.toFixed(0)} tx/s achieved; jobs ${jobs}`,
      `initial copy by the subscription: ${initialS.toFixed(1)} s; lag before finish: ${lag.lagBytes ?? '-'} bytes, ${lag.lagSeconds ?? '-'} s`,
      '',
      `freeze  (db:sync finish --freeze, writes stopped -> caught up + sequences set): ${(fin.freezeMs / 1000).toFixed(2)} s   (target <= 5 s; catch-up ${(fin.catchUpMs / 1000).toFixed(2)} s)`,
      `verify  (inside finish, after the freeze figure):                         ${(fin.verifyMs / 1000).toFixed(1)} s`,
      `db:copy --data-only --force (today's final sync, verify included):        ${copyS.toFixed(1)} s   (${copy.timings.map((p) => `${p.phase} ${(p.ms / 1000).toFixed(1)} s`).join(', ')})`,
    ];
    process.stdout.write(out.join('\n') + '\n');
    if (args.json) process.stdout.write(JSON.stringify({ scale, appRows, sizeBytes: size, rate, achievedRate: achieved, initialS, freezeMs: fin.freezeMs, catchUpMs: fin.catchUpMs, verifyMs: fin.verifyMs, copyS, copyTimings: copy.timings }) + '\n');
    return 0;
  } finally {
    source?.stop();
    target?.stop();
  }
}

if (require.main === module) runCli(main);
