/**
 * The WAL flusher: its commits flush the WAL other sessions wrote (on a cluster where nothing
 * else does: walwriter asleep, no background writer, no checkpoint), it ends its session when
 * stopped, and a flusher that dies does not fail the copy it serves. It runs on the target as RDS's
 * non-superuser master user, the source is Vercel-shaped (../support/shapes.ts).
 */
import { Client } from 'pg';
import { copyDatabase, type CopyEvent } from '../../scripts/lib/db/copy/index';
import { startWalFlusher } from '../../scripts/lib/db/copy/wal-flusher';
import { expectSameDatabase } from '../support/compare';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel } from '../support/shapes';
import { pausedBigTableSql } from './fixture';

const QUIET = { wal_writer_delay: '10s', bgwriter_lru_maxpages: '0', checkpoint_timeout: '1h', autovacuum: 'off' };
const [cluster] = useClusters(1, { settings: QUIET });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}
const flushedPast = async (db: string, lsn: string) => (await cluster().sql(db, `SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS past`, [lsn]))[0].past as boolean;
const flusherSessions = async () => (await cluster().sql('postgres', `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'db-copy wal-flush'`))[0].n as number;

test('its commits flush the WAL a session wrote and has not committed, which nothing else flushes here', async () => {
  const { url } = await shapeRds(cluster(), { database: 'flush' });
  const writer = new Client({ connectionString: url });
  await writer.connect();
  try {
    await writer.query('CREATE TABLE t (x int)');
    await sleep(300); // the commit's walwriter wake-up is over
    await writer.query('BEGIN');
    await writer.query('INSERT INTO t SELECT generate_series(1, 20000)');
    const lsn = (await writer.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0].l;
    await sleep(300);
    expect(await flushedPast('flush', lsn)).toBe(false);

    const flusher = startWalFlusher({ url, intervalMs: 20 });
    await until(() => flusher.flushes >= 1);
    expect(await flushedPast('flush', lsn)).toBe(true);
    await flusher.stop();
  } finally {
    await writer.query('ROLLBACK').catch(() => undefined);
    await writer.end();
  }
});

test('keeps committing at its interval until stopped, then ends its session', async () => {
  const { url } = await shapeRds(cluster(), { database: 'stop' });
  const flusher = startWalFlusher({ url, intervalMs: 20 });
  await until(() => flusher.flushes >= 5);
  expect(await flusherSessions()).toBe(1);
  await flusher.stop();
  const after = flusher.flushes;
  await sleep(100);
  expect(flusher.flushes).toBe(after);
  expect(await flusherSessions()).toBe(0);
});

test('a flusher whose session dies does not fail the copy: the run warns, and the target equals the source', async () => {
  const source = await shapeVercel(cluster(), { database: 'flush_src' });
  const src = source.url;
  await source.sql(
    pausedBigTableSql({ rows: 5000, sleepSeconds: 0.5 }),
  );
  const dst = (await shapeRds(cluster(), { database: 'flush_dst' })).url;
  let killing: Promise<unknown> | undefined;
  // Once the big table's load is under way, end the flusher's session as soon as it exists (it connects in the background).
  const terminate = async (deadline: number): Promise<void> => {
    const killed = await cluster().sql('postgres', `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'db-copy wal-flush'`);
    if (killed.length === 0 && Date.now() < deadline) return sleep(20).then(() => terminate(deadline));
  };
  const onEvent = (e: CopyEvent) => {
    if (e.type === 'table-start' && e.table === 'public.big' && !killing) killing = terminate(Date.now() + 10_000);
  };
  const summary = await copyDatabase({ from: src, to: dst, jobs: 1, onEvent });
  await killing;
  expect(summary.ok).toBe(true);
  expect(summary.warnings.join('\n')).toMatch(/the WAL flusher session stopped \(connection lost .*\); the copy goes on without it/);
  // The judge reads as the cluster's superuser: independent of the users the copy ran as.
  await expectSameDatabase(cluster().url('flush_src'), cluster().url('flush_dst'));
});
