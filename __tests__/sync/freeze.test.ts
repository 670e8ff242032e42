/**
 * The write freeze (scripts/lib/db/sync/freeze.ts) on a Vercel-shaped source: the tool runs as
 * the non-superuser owner `default`, which is also the app's role. No superuser anywhere here
 * except the sessions that stand for someone else's (named in each test) and the judge.
 */
import { Client } from 'pg';
import { connect } from '../../scripts/lib/db/connection';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { freezeState, freezeWrites, liftFreeze } from '../../scripts/lib/db/sync/index';
import { verifyDatabases } from '../../scripts/lib/db/verify';
import { SUPERUSER, useClusters } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { APP_SQL, frozenTables, LOGICAL } from './support';

const [cluster, other] = useClusters(2, { settings: { ...LOGICAL.settings, max_prepared_transactions: '5' } });

let n = 0;
/** A fresh Vercel-shaped database with the app schema. */
async function vercelDb(): Promise<ShapedDatabase> {
  const db = await shapeVercel(cluster(), { database: `f${++n}` });
  await db.sql(APP_SQL);
  return db;
}

/** A session as `url` says, kept open (errors surface through its queries). */
async function session(url: string, applicationName = 'app'): Promise<Client> {
  const c = new Client({ connectionString: url, ssl: false, application_name: applicationName });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** Freezes `db` as its owner, as db:sync does. */
async function freeze(db: ShapedDatabase, lockTimeoutMs?: number) {
  const tool = await connect(db.url, { applicationName: 'db-sync source' });
  try {
    return await freezeWrites(tool, db.database, { lockTimeoutMs });
  } finally {
    await tool.end();
  }
}

async function stateOf(db: ShapedDatabase) {
  const c = await connect(db.url);
  try {
    return await freezeState(c);
  } finally {
    await c.end();
  }
}

test('the non-superuser owner freezes its database: every table refuses writes and new sessions are read-only', async () => {
  const db = await vercelDb();
  const r = await freeze(db);
  expect(r.tables).toEqual(['public.audit_log', 'public.events', 'public.users']);
  expect(await frozenTables((t) => cluster().sql(db.database, t))).toEqual(['audit_log', 'events', 'users']);
  await expect(db.sql(`INSERT INTO public.users (email) VALUES ('after-freeze@example.com')`)).rejects.toThrow(/read-only transaction/);
  expect(await stateOf(db)).toEqual({ frozen: true, readOnlyDefault: true, triggers: 3 });
});

test('a session of the app opened before the freeze is ended', async () => {
  const db = await vercelDb();
  const app = await session(db.url);
  await app.query('SELECT 1');
  const r = await freeze(db);
  expect(r.terminated).toHaveLength(1);
  await expect(app.query(`INSERT INTO public.users (email) VALUES ('old-session@example.com')`)).rejects.toThrow(/terminat|not queryable|Connection terminated/i);
});

test('a session that runs SET default_transaction_read_only = off cannot write a frozen table', async () => {
  const db = await vercelDb();
  await freeze(db);
  const app = await session(db.url);
  try {
    await app.query('SET default_transaction_read_only = off');
    await expect(app.query(`INSERT INTO public.users (email) VALUES ('bypass@example.com')`)).rejects.toThrow(/table public\.users is frozen for migration/);
    await expect(app.query(`DELETE FROM public.events`)).rejects.toThrow(/frozen for migration/);
    await expect(app.query(`TRUNCATE public.audit_log`)).rejects.toThrow(/frozen for migration/);
  } finally {
    await app.end();
  }
  const [count] = await cluster().sql(db.database, `SELECT count(*)::int AS n FROM public.users WHERE email = 'bypass@example.com'`);
  expect(count.n).toBe(0);
});

test("a session the owner may not end (a superuser's) is named, and its writes to frozen tables are refused", async () => {
  const db = await vercelDb();
  const admin = await session(cluster().url(db.database), 'someone else');
  try {
    const [{ pid }] = (await admin.query('SELECT pg_backend_pid() AS pid')).rows;
    const r = await freeze(db);
    expect(r.skipped).toEqual([{ pid, user: SUPERUSER }]);
    await admin.query('SET default_transaction_read_only = off');
    await expect(admin.query(`INSERT INTO public.users (email) VALUES ('superuser@example.com')`)).rejects.toThrow(/frozen for migration/);
  } finally {
    await admin.end();
  }
});

test('a session in another database, the autovacuum launcher and a WAL sender survive the freeze', async () => {
  const db = await vercelDb();
  const elsewhere = await shapeVercel(cluster(), { database: `f${++n}_other` });
  const neighbour = await session(elsewhere.url, 'neighbour');
  const walsender = new Client({ connectionString: db.url, ssl: false, replication: 'database', application_name: 'walsender' } as ConstructorParameters<typeof Client>[0]);
  walsender.on('error', () => undefined);
  await walsender.connect();
  try {
    const pids = async () => (await cluster().sql('postgres', `SELECT backend_type AS t, pid FROM pg_stat_activity WHERE backend_type IN ('autovacuum launcher', 'walsender') ORDER BY 1`)).map((x) => `${x.t} ${x.pid}`);
    const before = await pids();
    expect(before.some((p) => p.startsWith('autovacuum launcher'))).toBe(true);
    expect(before.some((p) => p.startsWith('walsender'))).toBe(true);
    await freeze(db);
    expect(await pids()).toEqual(before);
    await neighbour.query(`CREATE TABLE t (x int)`);
    await neighbour.query(`INSERT INTO t VALUES (1)`);
    expect((await neighbour.query(`SELECT count(*)::int AS n FROM t`)).rows).toEqual([{ n: 1 }]);
  } finally {
    await neighbour.end();
    await walsender.end().catch(() => undefined);
  }
});

test('a prepared transaction is refused by its gid, nothing is frozen, and its row is committed later, not lost', async () => {
  const db = await vercelDb();
  const app = await session(db.url);
  await app.query('BEGIN');
  await app.query(`INSERT INTO public.users (email) VALUES ('prepared@example.com')`);
  await app.query(`PREPARE TRANSACTION 'signup-42'`);
  await app.end();
  await expect(freeze(db)).rejects.toThrow(/prepared transaction 'signup-42' \(owner default, prepared .+\) is open on database f\d+.*COMMIT PREPARED 'signup-42'/);
  expect(await stateOf(db)).toEqual({ frozen: false, readOnlyDefault: false, triggers: 0 });
  await db.sql(`COMMIT PREPARED 'signup-42'`);
  const [row] = await db.sql(`SELECT count(*)::int AS n FROM public.users WHERE email = 'prepared@example.com'`);
  expect(row.n).toBe(1);
});

test('a transaction still writing past the lock timeout fails the freeze by its pid and query, and nothing stays frozen', async () => {
  const db = await vercelDb();
  // a superuser's session: the owner cannot end it, so the freeze must wait for its lock
  const writer = await session(cluster().url(db.database), 'batch job');
  try {
    await writer.query('BEGIN');
    await writer.query(`INSERT INTO public.audit_log (line) VALUES ('long batch')`);
    const [{ pid }] = (await writer.query('SELECT pg_backend_pid() AS pid')).rows;
    await expect(freeze(db, 500)).rejects.toThrow(new RegExp(`table public\\.audit_log is still being written .*pid ${pid} \\(batch job, transaction open \\d+ s`));
    expect(await stateOf(db)).toEqual({ frozen: false, readOnlyDefault: false, triggers: 0 });
    await writer.query('COMMIT');
  } finally {
    await writer.end();
  }
});

test('lifting the freeze makes every table writable again and leaves none of its objects', async () => {
  const db = await vercelDb();
  await freeze(db);
  const tool = await connect(db.url);
  try {
    await liftFreeze(tool, db.database);
  } finally {
    await tool.end();
  }
  await db.sql(`INSERT INTO public.users (email) VALUES ('after-lift@example.com')`);
  expect(await db.sql(`SELECT nspname FROM pg_namespace WHERE nspname = 'vn_freeze'`)).toEqual([]);
  expect(await stateOf(db)).toEqual({ frozen: false, readOnlyDefault: false, triggers: 0 });
});

test("the freeze's objects are neither copied nor differences: db:copy of a frozen database carries no freeze and verifies", async () => {
  const db = await vercelDb();
  await freeze(db);
  const rds = await shapeRds(other(), { database: `c${n}` });
  const copy = await copyDatabase({ from: db.url, to: rds.url });
  expect(copy.verify?.mismatches).toEqual([]);
  expect(copy.ok).toBe(true);
  expect(await frozenTables((t) => other().sql(rds.database, t))).toEqual([]);
  await rds.sql(`INSERT INTO public.users (email) VALUES ('copy-is-writable@example.com')`);
  const v = await verifyDatabases({ from: db.url, to: rds.url, data: false });
  expect(v.schema).toEqual([]);
});
