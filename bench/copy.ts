/**
 * bench:copy — times `pg_dump | psql` (PostgreSQL 15 client binaries, benchmark only) against
 * db:copy (verify off) and db:verify on a generated source of about 1 GB (pgbench -i -s 50 plus
 * an app-like table with jsonb and text). Methods run interleaved for several rounds on two
 * throwaway local clusters; prints a table of figures and the ratios against the targets
 * (db:copy median <= 0.75x pg_dump|psql, verify <= 0.3x copy).
 *
 *   npm run bench:copy -- --scale 50 --rounds 3
 *   npm run bench:copy -- --scale 2 --rounds 3     # small run, about a minute
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseCli, runCli } from '../scripts/lib/cli/args';
import { copyDatabase } from '../scripts/lib/db/copy/index';
import { createLogger } from '../scripts/lib/cli/log';
import { formatBytes } from '../scripts/lib/cli/progress';
import { verifyDatabases } from '../scripts/lib/db/verify';
import { PASSWORD, PG_BIN, SUPERUSER, startCluster, type Cluster } from '../__tests__/support/postgres';

const spec = {
  name: 'npm run bench:copy --',
  summary: 'Benchmark db:copy and db:verify against pg_dump | psql on two local throwaway clusters.',
  options: {
    scale: { type: 'string', valueName: 'n', description: 'pgbench scale (50 is about 750 MB of pgbench tables)', default: '50' },
    'app-rows': { type: 'string', valueName: 'n', description: 'rows in the app-like jsonb/text table (default: 8000 x scale)' },
    rounds: { type: 'string', valueName: 'n', description: 'interleaved rounds', default: '3' },
    jobs: { type: 'string', short: 'j', valueName: 'n', description: 'db:copy / db:verify workers', default: '2' },
  },
} as const;

const SERVER = {
  // durable settings, as a real target would have them; larger WAL so checkpoints do not dominate
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  shared_buffers: '256MB',
  max_wal_size: '4GB',
  checkpoint_timeout: '30min',
};

function sh(cmd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', cmd], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd.slice(0, 80)}... exited ${code}: ${err.slice(0, 500)}`))));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const scale = Number(args.scale);
  const appRows = Number(args['app-rows'] ?? 8000 * scale);
  const rounds = Number(args.rounds);
  const jobs = Number(args.jobs);
  const log = createLogger({ prefix: '[bench]' });
  const env = { ...process.env, PGPASSWORD: PASSWORD, PGUSER: SUPERUSER, PGHOST: '127.0.0.1' };
  let source: Cluster | undefined;
  let target: Cluster | undefined;
  try {
    log.info('starting two clusters');
    source = await startCluster({ settings: SERVER });
    target = await startCluster({ settings: SERVER });
    const src = await source.createDatabase('bench');
    const t0 = Date.now();
    log.info(`building the source: pgbench -i -s ${scale} and ${appRows} app rows`);
    await sh(`${join(PG_BIN, 'pgbench')} -i -q -s ${scale} -p ${source.port} bench`, env);
    await source.sql(
      'bench',
      `CREATE TABLE app_events (id bigserial PRIMARY KEY, user_id int NOT NULL, kind text NOT NULL, payload jsonb NOT NULL, body text, created_at timestamptz NOT NULL DEFAULT now());
       INSERT INTO app_events (user_id, kind, payload, body, created_at)
       SELECT g % 5000, 'kind_' || (g % 17), jsonb_build_object('n', g, 'tags', jsonb_build_array('a', 'b', g % 7), 'meta', jsonb_build_object('ok', g % 2 = 0, 'score', g * 0.5)),
              repeat(md5(g::text), 1 + g % 6), timestamptz '2024-01-01' + g * interval '1 minute'
         FROM generate_series(1, ${appRows}) g;
       CREATE INDEX app_events_user_created ON app_events (user_id, created_at);
       CREATE INDEX app_events_kind ON app_events (kind);
       CREATE TABLE app_users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, profile jsonb);
       INSERT INTO app_users (email, profile) SELECT 'u' || g || '@example.com', jsonb_build_object('name', 'User ' || g) FROM generate_series(1, 5000) g;
       ALTER TABLE app_events ADD FOREIGN KEY (user_id) REFERENCES app_users (id) NOT VALID;`,
    );
    await source.sql('bench', 'VACUUM ANALYZE');
    const [{ size }] = await source.sql('bench', 'SELECT pg_database_size(current_database())::float8 AS size');
    log.info(`source ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${formatBytes(size)}`);

    const rows: { round: number; dump: number; copy: number; verify: number }[] = [];
    for (let r = 1; r <= rounds; r++) {
      const result = { round: r, dump: 0, copy: 0, verify: 0 };
      // start each timed run from the same state: no dirty buffers or pending writeback left
      // over from the previous method (DROP DATABASE forces a checkpoint too)
      const settle = async () => {
        await Promise.all([source!.sql('postgres', 'CHECKPOINT'), target!.sql('postgres', 'CHECKPOINT')]);
        await sh('sync', env);
      };
      const runDump = async () => {
        const db = `dump_${r}`;
        await target!.createDatabase(db);
        await settle();
        const t = Date.now();
        await sh(
          `${join(PG_BIN, 'pg_dump')} -p ${source!.port} bench | ${join(PG_BIN, 'psql')} -q -X -v ON_ERROR_STOP=1 -p ${target!.port} -d ${db} >/dev/null`,
          env,
        );
        result.dump = (Date.now() - t) / 1000;
        await target!.sql('postgres', `DROP DATABASE ${db}`);
      };
      const runCopy = async () => {
        const db = `copy_${r}`;
        const dst = await target!.createDatabase(db);
        await settle();
        const t = Date.now();
        const summary = await copyDatabase({ from: src, to: dst, jobs, verify: false });
        result.copy = (Date.now() - t) / 1000;
        log.info(`round ${r} db:copy phases: ${summary.timings.map((p) => `${p.phase} ${(p.ms / 1000).toFixed(1)} s`).join(', ')}`);
        await settle();
        const v0 = Date.now();
        const report = await verifyDatabases({ from: src, to: dst, jobs });
        result.verify = (Date.now() - v0) / 1000;
        if (!report.ok) throw new Error(`verify found differences: ${report.mismatches.join('; ')}`);
        await target!.sql('postgres', `DROP DATABASE ${db}`);
      };
      // interleave: alternate which method goes first
      if (r % 2) {
        await runDump();
        await runCopy();
      } else {
        await runCopy();
        await runDump();
      }
      rows.push(result);
      log.info(`round ${r}: pg_dump|psql ${result.dump.toFixed(1)} s, db:copy ${result.copy.toFixed(1)} s, verify ${result.verify.toFixed(1)} s`);
    }
    const md = median(rows.map((x) => x.dump));
    const mc = median(rows.map((x) => x.copy));
    const mv = median(rows.map((x) => x.verify));
    const out = [
      `source: pgbench scale ${scale} + ${appRows} app rows = ${formatBytes(size)}; jobs ${jobs}; ${rounds} rounds`,
      '',
      'round   pg_dump|psql   db:copy   verify',
      ...rows.map((x) => `${String(x.round).padStart(5)}   ${x.dump.toFixed(1).padStart(10)} s  ${x.copy.toFixed(1).padStart(6)} s  ${x.verify.toFixed(1).padStart(5)} s`),
      `median  ${md.toFixed(1).padStart(10)} s  ${mc.toFixed(1).padStart(6)} s  ${mv.toFixed(1).padStart(5)} s`,
      '',
      `db:copy / pg_dump|psql = ${(mc / md).toFixed(2)} (target <= 0.75)`,
      `verify / db:copy       = ${(mv / mc).toFixed(2)} (target <= 0.30)`,
    ];
    process.stdout.write(out.join('\n') + '\n');
    if (args.json) process.stdout.write(JSON.stringify({ scale, appRows, sizeBytes: size, jobs, rounds: rows, median: { dump: md, copy: mc, verify: mv } }) + '\n');
    return 0;
  } finally {
    source?.stop();
    target?.stop();
  }
}

if (require.main === module) runCli(main);
