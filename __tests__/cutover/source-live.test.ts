/**
 * The live check before stage rds, on a Vercel-shaped source (the app's non-superuser owner):
 * frozen, no slot or publication left, and no write since the mark finish recorded.
 */
import { Client } from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useClusters } from '../support/postgres';
import { shapeVercel, type ShapedDatabase } from '../support/shapes';
import { checkSourceUrl, markSource } from '../../scripts/lib/cutover/source';
import { recordOutcome } from '../../scripts/lib/cutover/record';
import { fileLedger } from '../../scripts/lib/cutover/ledger';

const [cluster] = useClusters(1, { settings: { wal_level: 'logical', max_prepared_transactions: '4' } });
let n = 0;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-live-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh source database with a table and some rows, frozen as finish leaves it. */
async function finishedSource(): Promise<ShapedDatabase> {
  const db = await shapeVercel(cluster(), { database: `src${++n}` });
  await db.sql('CREATE TABLE public.users (id bigint PRIMARY KEY, email text)');
  await db.sql("INSERT INTO public.users SELECT g, 'u' || g || '@x' FROM generate_series(1, 100) g");
  // what the freeze sets (scripts/lib/db/sync/freeze.ts; isFrozen reads it), as the owner
  await db.sql(`ALTER DATABASE ${db.database} SET default_transaction_read_only = on`);
  return db;
}

/** A session that turns the read-only default off, as a misbehaving app could. */
async function writer(db: ShapedDatabase): Promise<Client> {
  const c = new Client({ connectionString: db.url, ssl: false });
  await c.connect();
  await c.query('SET default_transaction_read_only = off');
  return c;
}

const byWhat = (f: { what: string; ok: boolean; detail: string }[]) => Object.fromEntries(f.map((x) => [x.what, x]));
const opts = { envName: 'production', settleMs: 300 };

test('a frozen source with no replication left and no write since the mark passes all three', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  const f = byWhat(await checkSourceUrl(db.url, mark, opts));
  expect(f.frozen.ok).toBe(true);
  expect(f.replication.ok).toBe(true);
  expect(f['no-write']).toMatchObject({ ok: true, detail: expect.stringMatching(/no transaction id assigned/) });
});

test('the check itself assigns no transaction id: it passes twice in a row', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  await checkSourceUrl(db.url, mark, opts);
  expect(byWhat(await checkSourceUrl(db.url, mark, opts))['no-write'].detail).toMatch(/no transaction id assigned/);
});

test('a source that is not frozen fails, saying the app could write there', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  const c = await writer(db);
  await c.query(`ALTER DATABASE ${db.database} RESET default_transaction_read_only`);
  await c.end();
  expect(byWhat(await checkSourceUrl(db.url, mark, opts)).frozen).toMatchObject({ ok: false, detail: expect.stringMatching(/is not frozen/) });
});

test('a publication or slot left on the source fails, naming it and cleanup', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  const c = await writer(db);
  try {
    await c.query('CREATE PUBLICATION vn_sync_pub FOR TABLE public.users');
    await c.query("SELECT pg_create_logical_replication_slot('vn_sync_slot', 'pgoutput')");
  } finally {
    await c.end();
  }
  const left = byWhat(await checkSourceUrl(db.url, { ...mark, xmax: (await markSource(db.url, 'vn_sync')).xmax }, opts)).replication;
  await cluster().sql('postgres', "SELECT pg_drop_replication_slot('vn_sync_slot')");
  expect(left).toMatchObject({ ok: false, detail: expect.stringMatching(/slot vn_sync_slot and publication vn_sync_pub still on the source: .*db:sync -- cleanup --prefix vn_sync/) });
});

test('a row written after the mark (read-only default turned off) fails, counting the rows', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  const c = await writer(db);
  await c.query("INSERT INTO public.users VALUES (1000, 'late@x'), (1001, 'later@x')");
  await c.end();
  expect(byWhat(await checkSourceUrl(db.url, mark, opts))['no-write']).toMatchObject({ ok: false, detail: expect.stringMatching(/^2 row\(s\) inserted, updated or deleted on the source since finish/) });
});

test('an ANALYZE after the mark (a transaction id, its analyze counter up by one) passes at once, without the settle', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  const c = await writer(db);
  await c.query('ANALYZE public.users');
  await c.end();
  const started = Date.now();
  const f = byWhat(await checkSourceUrl(db.url, mark, { ...opts, settleMs: 20000 }))['no-write'];
  expect(f).toMatchObject({ ok: true, detail: expect.stringMatching(/no row written .*\(1 transaction id\(s\) assigned, each an ANALYZE/) });
  expect(Date.now() - started).toBeLessThan(10000);
});

test('an id ANALYZE does not account for (DDL after the mark) waits out the settle, then passes with a note', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  const c = await writer(db);
  await c.query('COMMENT ON TABLE public.users IS $$late$$');
  await c.end();
  const started = Date.now();
  expect(byWhat(await checkSourceUrl(db.url, mark, { ...opts, settleMs: 1500 }))['no-write']).toMatchObject({ ok: true, detail: expect.stringMatching(/no row written .*\(\d+ transaction id\(s\) assigned without a row change/) });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
});

test('a mark without analyze counters (an older version) never skips the settle', async () => {
  const db = await finishedSource();
  const { analyses: _dropped, ...mark } = await markSource(db.url, 'vn_sync');
  const c = await writer(db);
  await c.query('ANALYZE public.users');
  await c.end();
  expect(byWhat(await checkSourceUrl(db.url, mark, opts))['no-write'].detail).toMatch(/assigned without a row change/);
});

test('an open transaction holding a transaction id fails, naming its pid', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  const c = await writer(db);
  try {
    await c.query('BEGIN');
    await c.query('UPDATE public.users SET email = email WHERE id = 1');
    const pid = (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p;
    expect(byWhat(await checkSourceUrl(db.url, mark, opts))['no-write']).toMatchObject({ ok: false, detail: expect.stringContaining(`pid ${pid}`) });
  } finally {
    await c.query('ROLLBACK');
    await c.end();
  }
});

test('a prepared transaction fails, naming it: it could commit a write RDS never gets', async () => {
  const db = await finishedSource();
  const mark = await markSource(db.url, 'vn_sync');
  const c = await writer(db);
  await c.query('BEGIN');
  await c.query("INSERT INTO public.users VALUES (2000, 'prepared@x')");
  await c.query("PREPARE TRANSACTION 'vn_test_gid'");
  await c.end();
  const f = byWhat(await checkSourceUrl(db.url, mark, opts))['no-write'];
  await cluster().sql(db.database, "ROLLBACK PREPARED 'vn_test_gid'");
  expect(f).toMatchObject({ ok: false, detail: expect.stringContaining('vn_test_gid') });
});

test('recordOutcome after a successful finish records the source mark in the record', async () => {
  const db = await finishedSource();
  const ledger = fileLedger('production', join(dir, `s${n}`));
  await recordOutcome('production', { direction: 'forward', ok: true, at: '2026-12-01T00:00:00Z', source: 's', target: 't' }, { from: db.url, ledger });
  const mark = (await ledger.read()).lastSync!.sourceMark!;
  expect(mark).toMatchObject({ prefix: 'vn_sync', xmax: expect.stringMatching(/^\d+$/), modifications: expect.stringMatching(/^\d+$/) });
  expect(byWhat(await checkSourceUrl(db.url, mark, opts))['no-write'].ok).toBe(true);
});

test('a failed finish is recorded without a mark', async () => {
  const db = await finishedSource();
  const ledger = fileLedger('production', join(dir, `f${n}`));
  await recordOutcome('production', { direction: 'forward', ok: false, at: '2026-12-01T00:00:00Z', source: 's', target: 't', message: 'boom' }, { from: db.url, ledger });
  expect((await ledger.read()).lastSync).toMatchObject({ ok: false, message: 'boom' });
  expect((await ledger.read()).lastSync!.sourceMark).toBeUndefined();
});
