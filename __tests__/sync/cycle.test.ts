/**
 * db:sync start -> status -> finish --freeze while an app-like writer inserts, updates and
 * deletes; then the rollback carries writes made on the new database back. Judged by the
 * independent comparison (pg_dump + row hashes, the freeze's own objects set aside), not by
 * the engine's own verify.
 *
 * The source is Vercel-shaped (the app and the tool are the non-superuser owner `default`), the
 * target RDS-shaped (the non-superuser master). Superuser only inside asSubscriptionCreator, for
 * CREATE SUBSCRIPTION, which PostgreSQL 15 reserves to superusers (RDS and Neon do not).
 */
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { compareBesideFreeze, NO_DIFFERENCE } from '../support/compare';
import { useClusters } from '../support/postgres';
import { asSubscriptionCreator, shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { finishSync, readStatus, rollbackDatabase, startSync, withSync, type FinishResult, type SyncOptions } from '../../scripts/lib/db/sync/index';
import { APP_SQL, LOGICAL, replicationObjects, startWriter, type Writer } from './support';

const [sourceCluster, targetCluster] = useClusters(2, LOGICAL);
const source = () => sourceCluster();
const target = () => targetCluster();

/** A Vercel-shaped source holding the app schema and an empty RDS-shaped target, both named `db`. */
async function pair(db: string): Promise<{ vercel: ShapedDatabase; rds: ShapedDatabase; from: string; to: string }> {
  const vercel = await shapeVercel(source(), { database: db });
  const rds = await shapeRds(target(), { database: db });
  await vercel.sql(APP_SQL);
  return { vercel, rds, from: vercel.url, to: rds.url };
}

/** The judge reads as the clusters' superuser (row security cannot hide a row from it). */
const judge = (db: string) => compareBesideFreeze(source().url(db), target().url(db));
const judgeBack = (db: string) => compareBesideFreeze(target().url(db), source().url(db));

async function waitReady(options: SyncOptions): Promise<void> {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if ((await withSync(options, readStatus)).allReady) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('tables not ready within 60 s');
}

describe('a start/status/finish cycle under a steady writer', () => {
  let options: SyncOptions;
  let writer: Writer;
  let result: FinishResult;
  let writesBeforeFinish = 0;

  let vercel: ShapedDatabase;
  let rds: ShapedDatabase;

  beforeAll(async () => {
    const p = await pair('app');
    ({ vercel, rds } = p);
    options = { from: p.from, to: p.to, prefix: 'cycle' };
    writer = await startWriter(p.from);
    await asSubscriptionCreator(rds, () => withSync(options, (ctx) => startSync(ctx)));
    await waitReady(options);
    await new Promise((r) => setTimeout(r, 500));
    writesBeforeFinish = writer.count();
    result = await withSync(options, (ctx) => finishSync(ctx, { freeze: true }));
  }, 120000);

  afterAll(async () => {
    await writer?.stop();
  });

  test('the writer was writing during replication and was stopped by the freeze', async () => {
    expect(writesBeforeFinish).toBeGreaterThan(10);
    const err = await writer.stopped;
    // ended mid-query, or between queries (the client then reports it is no longer queryable)
    expect(err.message).toMatch(/terminat|read-only|not queryable/i);
    expect(result.terminatedSessions).toBeGreaterThanOrEqual(1);
  });

  test('finish reports success with a measured freeze and a separate verify time', () => {
    expect(result.ok).toBe(true);
    expect(result.verify.mismatches).toEqual([]);
    expect(result.freezeMs).toBeGreaterThan(0);
    expect(result.verifyMs).toBeGreaterThan(0);
    expect(result.catchUpMs).toBeLessThanOrEqual(result.freezeMs);
  });

  test('the target equals the source; only the source carries the read-only freeze', async () => {
    const diff = await judge('app');
    expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
    expect(diff.settings).toEqual({ source: ['default_transaction_read_only=on'], target: [] });
  });

  test('every sequence on the target is ahead of its ids: a new row does not collide', async () => {
    const [max] = await rds.sql('SELECT (SELECT max(id) FROM public.users)::bigint AS u, (SELECT max(id) FROM public.events)::bigint AS e');
    const [u] = await rds.sql(`INSERT INTO public.users (email) VALUES ('after-cutover@example.com') RETURNING id`);
    const [e] = await rds.sql(`INSERT INTO public.events (user_id, kind) VALUES ($1, 'after') RETURNING id`, [u.id]);
    expect(BigInt(u.id)).toBeGreaterThan(BigInt(max.u));
    expect(BigInt(e.id)).toBeGreaterThan(BigInt(max.e));
  });

  test('the source refuses writes from new sessions after finish', async () => {
    await expect(vercel.sql(`INSERT INTO public.users (email) VALUES ('late@example.com')`)).rejects.toThrow(/read-only transaction/);
  });

  test('nothing of the replication is left on either side', async () => {
    expect(await replicationObjects(source().sql, 'app', 'cycle')).toEqual([]);
    expect(await replicationObjects(target().sql, 'app', 'cycle')).toEqual([]);
  });

  test('the rollback carries writes made on the target back to the source (reverse replication)', async () => {
    await rds.sql(`INSERT INTO public.users (email) SELECT 'aws' || g || '@example.com' FROM generate_series(1, 50) g`);
    await rds.sql(`UPDATE public.users SET visits = visits + 100 WHERE id % 7 = 0`);
    await rds.sql(`DELETE FROM public.events WHERE id % 11 = 0`);
    const back = await asSubscriptionCreator(vercel, () => rollbackDatabase({ from: options.to, to: options.from, prefix: 'back', method: 'replication' }));
    expect(back).toMatchObject({ ok: true, method: 'replication', mismatches: [] });
    expect(back.freezeMs).toBeGreaterThan(0);
    const diff = await judgeBack('app');
    expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
    // now RDS (the old target) is frozen and the source takes writes again
    expect(diff.settings).toEqual({ source: ['default_transaction_read_only=on'], target: [] });
    const [row] = await vercel.sql(`INSERT INTO public.users (email) VALUES ('back-on-vercel@example.com') RETURNING id`);
    expect(Number(row.id)).toBeGreaterThan(0);
    expect(await replicationObjects(target().sql, 'app', 'back')).toEqual([]);
  });
});

describe('rollback by the verified full copy', () => {
  test('carries writes made on the target back when replication is not used', async () => {
    const { rds, from, to } = await pair('copyback');
    const options = { from, to, prefix: 'cb' };
    await asSubscriptionCreator(rds, () => withSync(options, (ctx) => startSync(ctx)));
    await waitReady(options);
    expect((await withSync(options, (ctx) => finishSync(ctx, { freeze: true }))).ok).toBe(true);
    await rds.sql(`INSERT INTO public.users (email) VALUES ('made-on-aws@example.com'); DELETE FROM public.audit_log WHERE line LIKE 'seed 1%'`);
    const back = await rollbackDatabase({ from: to, to: from, method: 'copy' });
    expect(back).toMatchObject({ ok: true, method: 'copy', mismatches: [] });
    const diff = await judgeBack('copyback');
    expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
    const [u] = await source().sql('copyback', `SELECT count(*)::int AS n FROM public.users WHERE email = 'made-on-aws@example.com'`);
    expect(u.n).toBe(1);
  });
});

describe('rollback with method auto', () => {
  test('falls back to the verified copy when RDS cannot be replicated, says why, and carries every write back', async () => {
    const { vercel, rds, from, to } = await pair('autoback');
    expect((await copyDatabase({ from, to })).ok).toBe(true);
    // a table made on both sides after the move, without a primary key: it cannot be published
    for (const side of [vercel, rds]) await side.sql(`CREATE TABLE public.notes (v text)`);
    await rds.sql(`INSERT INTO public.notes VALUES ('written on aws'); INSERT INTO public.users (email) VALUES ('auto-on-aws@example.com')`);
    const back = await rollbackDatabase({ from: to, to: from });
    expect(back).toMatchObject({ ok: true, method: 'copy', mismatches: [] });
    expect(back.fallbackReason).toMatch(/public\.notes/);
    const diff = await judgeBack('autoback');
    expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
    const [n] = await source().sql('autoback', `SELECT count(*)::int AS n FROM public.notes`);
    expect(n.n).toBe(1);
  });
});

describe('finish when verification fails', () => {
  test('reports failure, lifts the freeze it set and keeps the subscription', async () => {
    const { vercel, rds, from, to } = await pair('badverify');
    const options = { from, to, prefix: 'bad' };
    await asSubscriptionCreator(rds, () => withSync(options, (ctx) => startSync(ctx)));
    await waitReady(options);
    // a write the replication never saw: the target no longer equals the source
    await rds.sql(`INSERT INTO public.audit_log (line) VALUES ('written on the target only')`);
    const r = await withSync(options, (ctx) => finishSync(ctx, { freeze: true }));
    expect(r.ok).toBe(false);
    expect(r.frozen).toBe(false);
    expect(r.verify.mismatches).toEqual(['table public.audit_log: 200 rows on source, 201 on target']);
    expect(await source().sql('badverify', `SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = 'badverify')`)).toEqual([]);
    await vercel.sql(`INSERT INTO public.users (email) VALUES ('still-writable@example.com')`);
    expect(await replicationObjects(target().sql, 'badverify', 'bad')).toEqual(['subscription bad_sub']);
  });
});
