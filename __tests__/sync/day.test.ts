/**
 * The migration day's finish and rollback as a user meets them, on a Vercel-shaped source and an
 * RDS-shaped target (non-superuser owners). Superuser only inside asSubscriptionCreator, for
 * CREATE SUBSCRIPTION, which PostgreSQL 15 reserves to superusers (RDS and Neon do not); and for
 * the judge (compare.ts reads as the clusters' superuser) and sessions that stand for someone else.
 */
import { Client } from 'pg';
import { connect } from '../../scripts/lib/db/connection';
import {
  acquirePairLock,
  cleanupSync,
  finishSync,
  freezeState,
  readStatus,
  rollbackDatabase,
  startSync,
  withSync,
  type SyncEvent,
  type SyncOptions,
} from '../../scripts/lib/db/sync/index';
import { ensureAppRole as ensureRole } from '../../scripts/lib/db/sync/app-access';
import { compareBesideFreeze, NO_DIFFERENCE } from '../support/compare';
import { useClusters } from '../support/postgres';
import { asSubscriptionCreator, shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { APP_SQL, LOGICAL, replicationObjects } from './support';

const [source, target] = useClusters(2, { settings: { ...LOGICAL.settings, max_logical_replication_workers: '12', max_worker_processes: '20' } });
const pairs: Pair[] = [];

// each test's replication is removed after it: the clusters' workers and slots are shared
afterEach(async () => {
  for (const p of pairs.splice(0)) await withSync(p.options, (ctx) => cleanupSync(ctx)).catch(() => undefined);
});

interface Pair {
  readonly vercel: ShapedDatabase;
  readonly rds: ShapedDatabase;
  readonly options: SyncOptions;
}

/** A Vercel-shaped source with the app schema, an RDS-shaped target, replicating (every table ready). */
/** Disables the subscription and waits until its walsender is gone: DISABLE returns before the apply worker stops. */
async function pauseSubscription(p: Pair, db: string): Promise<void> {
  await p.rds.sql(`ALTER SUBSCRIPTION ${db}_sub DISABLE`);
  for (let i = 0; i < 200; i++) {
    const [slot] = await source().sql(db, `SELECT active FROM pg_replication_slots WHERE slot_name = '${db}_slot'`);
    if (slot && !slot.active) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`slot ${db}_slot still active 10 s after ALTER SUBSCRIPTION ${db}_sub DISABLE`);
}

async function startedPair(db: string, events?: SyncEvent[]): Promise<Pair> {
  const vercel = await shapeVercel(source(), { database: db });
  const rds = await shapeRds(target(), { database: db });
  await vercel.sql(APP_SQL);
  const options: SyncOptions = { from: vercel.url, to: rds.url, prefix: db, onEvent: events ? (e) => events.push(e) : undefined };
  await asSubscriptionCreator(rds, () => withSync(options, (ctx) => startSync(ctx)));
  for (let i = 0; i < 300 && !(await withSync(options, readStatus)).allReady; i++) await new Promise((r) => setTimeout(r, 200));
  pairs.push({ vercel, rds, options });
  return { vercel, rds, options };
}

const status = (p: Pair) => withSync(p.options, (ctx) => readStatus(ctx, { env: 'production' }));
const judge = (db: string) => compareBesideFreeze(source().url(db), target().url(db));
const frozen = async (url: string) => {
  const c = await connect(url);
  try {
    return (await freezeState(c)).frozen;
  } finally {
    await c.end();
  }
};

test('finish refuses to freeze while a long write transaction is open on the source, naming its pid, age and query', async () => {
  const p = await startedPair('longtx');
  const batch = new Client({ connectionString: p.vercel.url, ssl: false, application_name: 'nightly import' });
  await batch.connect();
  try {
    await batch.query('BEGIN');
    await batch.query(`INSERT INTO public.audit_log (line) SELECT 'import ' || g FROM generate_series(1, 10) g`);
    const [{ pid }] = (await batch.query('SELECT pg_backend_pid() AS pid')).rows;
    await new Promise((r) => setTimeout(r, 2100));
    await expect(withSync(p.options, (ctx) => finishSync(ctx, { freeze: true, maxTransactionSeconds: 1 }))).rejects.toThrow(
      new RegExp(`write transaction has been open on the source for \\d+ s .*pid ${pid} \\(nightly import, user default\\), query: "SELECT pg_backend_pid\\(\\)`),
    );
    expect(await frozen(p.vercel.url)).toBe(false);
    await batch.query('COMMIT');
  } finally {
    await batch.end();
  }
});

test('finish waits for the lag to be small before it freezes, reporting its progress', async () => {
  const events: SyncEvent[] = [];
  const p = await startedPair('lagwait', events);
  await pauseSubscription(p, 'lagwait');
  await p.vercel.sql(`INSERT INTO public.audit_log (line) SELECT repeat('x', 1000) FROM generate_series(1, 8000)`);
  const run = withSync(p.options, (ctx) => finishSync(ctx, { freeze: true, maxLagBytes: 1048576 }));
  for (let i = 0; i < 200 && !events.some((e) => e.type === 'step' && e.step === 'lag'); i++) await new Promise((r) => setTimeout(r, 50));
  expect(await frozen(p.vercel.url)).toBe(false);
  await p.rds.sql(`ALTER SUBSCRIPTION lagwait_sub ENABLE`);
  const r = await run;
  expect(r.ok).toBe(true);
  const steps = events.map((e) => (e.type === 'step' ? `${e.step}: ${e.detail}` : e.type === 'phase' ? `${e.phase} ${e.status}` : ''));
  const waiting = steps.findIndex((s) => /^lag: .* behind, waiting for at most 1\.0 MB before the freeze/.test(s));
  expect(waiting).toBeGreaterThanOrEqual(0);
  expect(steps.indexOf('freeze start')).toBeGreaterThan(waiting);
});

test('a second finish of the same pair is refused, naming the first by pid, application_name and start', async () => {
  const p = await startedPair('twofinish');
  await pauseSubscription(p, 'twofinish');
  await p.vercel.sql(`INSERT INTO public.audit_log (line) SELECT repeat('y', 1000) FROM generate_series(1, 4000)`);
  const first = withSync(p.options, (ctx) => finishSync(ctx, { freeze: true, maxLagBytes: 1048576 }));
  let holder: Record<string, unknown> | undefined;
  for (let i = 0; i < 200 && !holder; i++) {
    [holder] = await source().sql('twofinish', `SELECT pid FROM pg_stat_activity WHERE application_name = 'db-sync lock: finish' AND datname = 'twofinish'`);
    if (!holder) await new Promise((r) => setTimeout(r, 50));
  }
  expect(holder).toBeDefined();
  await expect(withSync(p.options, (ctx) => finishSync(ctx, { freeze: true }))).rejects.toThrow(
    new RegExp(`another finish or rollback of .* is running: pid ${holder!.pid} \\(db-sync lock: finish from [^,]+, since \\d{4}-\\d\\d-\\d\\dT`),
  );
  await p.rds.sql(`ALTER SUBSCRIPTION twofinish_sub ENABLE`);
  expect((await first).ok).toBe(true);
});

test('status names a running finish (the pair lock held) with its pid and the way on', async () => {
  const p = await startedPair('locked');
  const lock = await acquirePairLock(p.options.from, p.options.to, 'finish');
  try {
    const s = await status(p);
    expect(s.lock?.pid).toBe(lock.pid);
    expect(s.day).toMatchObject({ state: 'running', next: `wait for it to end; if its process is gone: SELECT pg_terminate_backend(${lock.pid}) on the source` });
  } finally {
    await lock.release();
  }
  expect((await status(p)).day.state).toBe('streaming');
});

test("the app role's grants on RDS are expected: finish after db:sync app-role verifies, and so does the rollback", async () => {
  const p = await startedPair('approle');
  const admin = await connect(p.rds.url);
  try {
    await ensureRole(admin, { role: 'venturenudge_app' });
  } finally {
    await admin.end();
  }
  const r = await withSync(p.options, (ctx) => finishSync(ctx, { freeze: true }));
  expect(r.verify.mismatches).toEqual([]);
  expect(r.ok).toBe(true);
  expect(r.expected).toEqual(expect.arrayContaining(['privileges TABLE public.users GRANT TO venturenudge_app']));
  const back = await asSubscriptionCreator(p.vercel, () => rollbackDatabase({ from: p.rds.url, to: p.vercel.url, prefix: 'approle_back', method: 'replication' }));
  expect(back).toMatchObject({ ok: true, method: 'replication', mismatches: [] });
});

test('the app role made on the empty target before start (the runbook order) can write every table once finish completes', async () => {
  const vercel = await shapeVercel(source(), { database: 'earlyrole' });
  const rds = await shapeRds(target(), { database: 'earlyrole' });
  await vercel.sql(APP_SQL);
  const admin = await connect(rds.url);
  try {
    // its own role: roles are cluster-wide, and another test of this file makes venturenudge_app
    expect((await ensureRole(admin, { role: 'earlyrole_app', password: 'early-role-password-0123456789' })).schemas).toEqual([]);
  } finally {
    await admin.end();
  }
  const options: SyncOptions = { from: vercel.url, to: rds.url, prefix: 'earlyrole' };
  await asSubscriptionCreator(rds, () => withSync(options, (ctx) => startSync(ctx)));
  for (let i = 0; i < 300 && !(await withSync(options, readStatus)).allReady; i++) await new Promise((r) => setTimeout(r, 200));
  pairs.push({ vercel, rds, options });
  expect((await withSync(options, (ctx) => finishSync(ctx, { freeze: true, appRoles: ['earlyrole_app'] }))).ok).toBe(true);
  const app = new URL(rds.url);
  app.username = 'earlyrole_app';
  app.password = 'early-role-password-0123456789';
  const c = await connect(app.toString());
  try {
    await c.query(`INSERT INTO public.users (email) VALUES ('first-on-rds@example.com')`);
    await c.query(`INSERT INTO public.audit_log (line) VALUES ('first on rds')`);
    expect((await c.query(`SELECT count(*)::int AS n FROM public.users WHERE email = 'first-on-rds@example.com'`)).rows[0].n).toBe(1);
  } finally {
    await c.end();
  }
});

test('a finish killed between DROP SUBSCRIPTION and DROP PUBLICATION: status names it and the finish it names completes', async () => {
  const p = await startedPair('halfdrop');
  expect((await withSync(p.options, (ctx) => finishSync(ctx, { freeze: true }))).ok).toBe(true);
  // the state such a kill leaves: the source frozen, the subscription (and slot) gone, the publication left
  await p.vercel.sql(`BEGIN READ WRITE; CREATE PUBLICATION halfdrop_pub FOR TABLE public.users, public.events, public.audit_log; COMMIT`);
  const s = await status(p);
  expect(s.day).toMatchObject({ state: 'finish-interrupted', next: 'npm run db:sync -- finish --freeze --env production --prefix halfdrop', undo: 'npm run db:sync -- unfreeze --prefix halfdrop' });
  const r = await withSync(p.options, (ctx) => finishSync(ctx, { freeze: true }));
  expect(r).toMatchObject({ ok: true, resumed: true, frozen: true });
  expect(await replicationObjects(source().sql, 'halfdrop', 'halfdrop')).toEqual([]);
  expect((await status(p)).day.state).toBe('cut-over');
  const diff = await judge('halfdrop');
  expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
});

test('rollback then forward again: status names start --truncate, and the next finish leaves only the source frozen', async () => {
  const p = await startedPair('again');
  expect((await withSync(p.options, (ctx) => finishSync(ctx, { freeze: true }))).ok).toBe(true);
  await p.rds.sql(`INSERT INTO public.users (email) VALUES ('made-on-aws@example.com')`);
  const back = await asSubscriptionCreator(p.vercel, () => rollbackDatabase({ from: p.rds.url, to: p.vercel.url, prefix: 'again_back', method: 'replication' }));
  expect(back.ok).toBe(true);
  expect(await frozen(p.rds.url)).toBe(true);
  const s = await status(p);
  expect(s.day).toMatchObject({ state: 'rolled-back', next: 'npm run db:sync -- start --truncate --prefix again' });
  await p.vercel.sql(`INSERT INTO public.users (email) VALUES ('back-on-vercel@example.com')`);
  await asSubscriptionCreator(p.rds, () => withSync(p.options, (ctx) => startSync(ctx, { truncate: true })));
  for (let i = 0; i < 300 && !(await withSync(p.options, readStatus)).allReady; i++) await new Promise((r) => setTimeout(r, 200));
  const r = await withSync(p.options, (ctx) => finishSync(ctx, { freeze: true }));
  expect(r.ok).toBe(true);
  expect([await frozen(p.vercel.url), await frozen(p.rds.url)]).toEqual([true, false]);
  const diff = await judge('again');
  expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
  const [mine] = await target().sql('again', `SELECT count(*)::int AS n FROM public.users WHERE email IN ('made-on-aws@example.com', 'back-on-vercel@example.com')`);
  expect(mine.n).toBe(2);
  await p.rds.sql(`INSERT INTO public.users (email) VALUES ('aws-again@example.com')`);
});
