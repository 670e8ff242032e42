/**
 * db:sync finish verifies after writes open on the target: the reverse replication is armed,
 * the target's snapshot taken at the open, the frozen source verified against it; the record of
 * the day says "open, verifying" until the verdict. Judged by the independent comparison
 * (pg_dump + row hashes, compareBesideFreeze) and by plain SQL as the clusters' superuser, never
 * by the engine's own verify.
 *
 * The source is Vercel-shaped, the target RDS-shaped (non-superuser owners). SUPERUSER only
 * inside asSubscriptionCreator, for CREATE SUBSCRIPTION (the forward one on the target at start;
 * the armed reverse one on the source at finish, and the rollback's), which PostgreSQL 15
 * reserves to superusers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLastSync, fileLedger, type EnvironmentState } from '../../scripts/lib/cutover/index';
import { finishRecorded, readStatus, rollbackDatabase, startSync, withSync, type FinishResult, type SyncEvent, type SyncOptions } from '../../scripts/lib/db/sync/index';
import { compareBesideFreeze, NO_DIFFERENCE } from '../support/compare';
import { useClusters } from '../support/postgres';
import { asSubscriptionCreator, shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { APP_SQL, LOGICAL, replicationObjects, startWriter } from './support';

const [sourceCluster, targetCluster] = useClusters(2, LOGICAL);
const source = () => sourceCluster();
const target = () => targetCluster();

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Pair {
  vercel: ShapedDatabase;
  rds: ShapedDatabase;
  options: SyncOptions;
  /** The reverse replication's prefix (db:rollback's --prefix; slots are per cluster, so one per database here). */
  back: string;
  ledger: ReturnType<typeof fileLedger>;
}

/** A Vercel-shaped source with the app schema, an RDS-shaped target replicating it (every table ready), a record of the day in a temp dir. */
async function replicating(db: string): Promise<Pair> {
  const vercel = await shapeVercel(source(), { database: db });
  const rds = await shapeRds(target(), { database: db });
  await vercel.sql(APP_SQL);
  const options: SyncOptions = { from: vercel.url, to: rds.url, prefix: db };
  await asSubscriptionCreator(rds, () => withSync(options, (ctx) => startSync(ctx)));
  const deadline = Date.now() + 60000;
  while (!(await withSync(options, readStatus)).allReady) {
    if (Date.now() > deadline) throw new Error('tables not ready within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const dir = mkdtempSync(join(tmpdir(), 'vn-open-'));
  dirs.push(dir);
  return { vercel, rds, options, back: `b${db}`, ledger: fileLedger('production', dir) };
}

/** Superuser reads on each cluster (row security cannot hide a row). */
const onSource = (db: string, sql: string) => source().sql(db, sql);
const emailsOn = async (side: 'source' | 'target', db: string, like: string): Promise<string[]> =>
  (await (side === 'source' ? source() : target()).sql(db, `SELECT email FROM public.users WHERE email LIKE '${like}' ORDER BY email`)).map((r) => r.email as string);

describe('the default finish: writes open before the verdict, verified against the snapshot at the open', () => {
  let p: Pair;
  let result: FinishResult;
  const events: SyncEvent[] = [];
  const records: EnvironmentState[] = [];
  let atOpen: ReturnType<typeof checkLastSync>;
  let atOpenBeforeVerdict: ReturnType<typeof checkLastSync>;
  let reverseAtOpen: string[] = [];

  beforeAll(async () => {
    p = await replicating('open');
    const writer = await startWriter(p.options.from);
    await new Promise((r) => setTimeout(r, 500));
    result = await asSubscriptionCreator(p.vercel, () =>
      finishRecorded(
        { ...p.options, onEvent: (e) => events.push(e) },
        {
          freeze: true,
          reversePrefix: p.back,
          // what happens while the verdict is not in: the record says so, cutover refuses, and a write on the
          // target after the open is outside the snapshot the verification reads
          onOpen: async () => {
            const r = await p.ledger.read();
            records.push(r);
            atOpen = checkLastSync(r, 'forward', p.ledger.where);
            atOpenBeforeVerdict = checkLastSync(r, 'forward', p.ledger.where, { beforeVerdict: true });
            reverseAtOpen = await replicationObjects(source().sql, 'open', p.back);
            await p.rds.sql(`INSERT INTO public.audit_log (line) VALUES ('written on RDS after the open')`);
          },
        },
        { envName: 'production', ledger: p.ledger },
      ),
    );
    records.push(await p.ledger.read());
    await writer.stop();
  }, 180000);

  test('finish verified after the open, and says how long each part took', () => {
    expect(result).toMatchObject({ ok: true, mode: 'verify-after-open', opened: true, armed: false, frozen: true });
    expect(result.fallbackReason).toBeUndefined();
    expect(result.verify.mismatches).toEqual([]);
    expect(result.freezeMs).toBeGreaterThan(0);
    expect(result.verifyMs).toBeGreaterThan(0);
    expect(result.toVerifiedMs).toBeGreaterThanOrEqual(result.freezeMs + result.verifyMs);
  });

  test('the record went open, verifying -> verified, and cutover refused the next step in between', () => {
    expect(records[0].lastSync).toMatchObject({ direction: 'forward', verification: 'verifying', mode: 'verify-after-open' });
    expect(records[0].lastSync?.sourceMark).toBeDefined();
    expect(atOpen.ok).toBe(false);
    expect(atOpen.detail).toMatch(/open, verifying/);
    expect(atOpen.detail).toMatch(/rerun npm run db:sync -- finish --freeze .*db:rollback/);
    // only when asked for: the operator who moves the app before the verdict
    expect(atOpenBeforeVerdict.ok).toBe(true);
    expect(atOpenBeforeVerdict.detail).toMatch(/still verifying; --before-verdict/);
    expect(records[1].lastSync).toMatchObject({ direction: 'forward', ok: true, verification: 'verified', openedAt: records[0].lastSync?.openedAt });
    expect(records[1].lastSync?.sourceMark).toBeDefined();
    expect(checkLastSync(records[1], 'forward', p.ledger.where).ok).toBe(true);
  });

  test('the reverse replication was armed at the open (subscription on the source) and removed after the verdict', async () => {
    expect(reverseAtOpen).toEqual(['subscription bopen_sub']);
    const removed = events.find((e) => e.type === 'step' && e.step === 'reverse' && /removed/.test(e.detail ?? ''));
    expect(removed?.type === 'step' && removed.detail).toMatch(/subscription bopen_sub \(on the source\).*publication bopen_pub \(on the target\)/);
    for (const prefix of ['open', p.back]) {
      expect(await replicationObjects(source().sql, 'open', prefix)).toEqual([]);
      expect(await replicationObjects(target().sql, 'open', prefix)).toEqual([]);
    }
  });

  test('the independent judge sees the target equal to the source but for the write made after the open', async () => {
    const diff = await compareBesideFreeze(source().url('open'), target().url('open'));
    expect(Object.keys(diff.content)).toEqual(['public.audit_log']);
    expect({ ...diff, content: {}, settings: null }).toEqual(NO_DIFFERENCE);
    // without that write, nothing differs: the verdict covered everything that was there at the open
    await target().sql('open', `DELETE FROM public.audit_log WHERE line = 'written on RDS after the open'`);
    const after = await compareBesideFreeze(source().url('open'), target().url('open'));
    expect({ ...after, settings: null }).toEqual(NO_DIFFERENCE);
  });
});

describe('finish --verify-in-freeze keeps the old order', () => {
  test('verifies before the open, arms nothing, and on a mismatch lifts its freeze and keeps the subscription', async () => {
    const p = await replicating('infreeze');
    await p.rds.sql(`INSERT INTO public.audit_log (line) VALUES ('written on the target only')`);
    const events: SyncEvent[] = [];
    const r = await asSubscriptionCreator(p.vercel, () =>
      finishRecorded({ ...p.options, onEvent: (e) => events.push(e) }, { freeze: true, verifyInFreeze: true, reversePrefix: p.back }, { envName: 'production', ledger: p.ledger }),
    );
    expect(r).toMatchObject({ ok: false, mode: 'verify-in-freeze', opened: false, armed: false, frozen: false });
    expect(r.verify.mismatches).toEqual(['table public.audit_log: 200 rows on source, 201 on target']);
    expect(events.some((e) => e.type === 'step' && e.step === 'reverse')).toBe(false);
    expect(await replicationObjects(target().sql, 'infreeze', p.back)).toEqual([]);
    expect(await replicationObjects(source().sql, 'infreeze', 'infreeze')).toEqual(['slot infreeze_slot', 'publication infreeze_pub']);
    expect(await replicationObjects(target().sql, 'infreeze', 'infreeze')).toEqual(['subscription infreeze_sub']);
    expect(await onSource('infreeze', `SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = 'infreeze')`)).toEqual([]);
    const rec = (await p.ledger.read()).lastSync;
    expect(rec).toMatchObject({ ok: false, verification: 'failed', mode: 'verify-in-freeze' });
    expect(rec?.openedAt).toBeUndefined();
  }, 120000);

  test('verified inside the freeze: the target equals the source and nothing of either replication is left', async () => {
    const p = await replicating('infreezeok');
    const r = await asSubscriptionCreator(p.vercel, () => finishRecorded(p.options, { freeze: true, verifyInFreeze: true, reversePrefix: p.back }, { envName: 'production', ledger: p.ledger }));
    expect(r).toMatchObject({ ok: true, mode: 'verify-in-freeze', opened: false, frozen: true });
    expect(await replicationObjects(target().sql, 'infreezeok', p.back)).toEqual([]);
    expect((await p.ledger.read()).lastSync).toMatchObject({ ok: true, verification: 'verified' });
    const diff = await compareBesideFreeze(source().url('infreezeok'), target().url('infreezeok'));
    expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
    expect(await replicationObjects(source().sql, 'infreezeok', 'infreezeok')).toEqual([]);
    expect(await replicationObjects(target().sql, 'infreezeok', 'infreezeok')).toEqual([]);
  }, 120000);
});

describe('a verification that fails after writes opened', () => {
  let p: Pair;
  let result: FinishResult;
  const madeSince: string[] = [];
  const deletedSince: string[] = [];

  /** What the app does on RDS once writes are open: inserts, an update, a delete; names kept for the judge. */
  async function appWrites(tag: string): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const email = `${tag}-${i}@aws.example.com`;
      const [u] = await p.rds.sql(`INSERT INTO public.users (email) VALUES ($1) RETURNING id`, [email]);
      await p.rds.sql(`INSERT INTO public.events (user_id, kind, payload) VALUES ($1, 'on-aws', '{"tag": 1}')`, [u.id]);
      madeSince.push(email);
    }
    await p.rds.sql(`UPDATE public.users SET visits = visits + 1000 WHERE email = $1`, [`${tag}-0@aws.example.com`]);
    const [gone] = await p.rds.sql(`DELETE FROM public.users WHERE id = (SELECT min(id) FROM public.users WHERE email LIKE 'user%') RETURNING email`);
    deletedSince.push(gone.email as string);
  }

  beforeAll(async () => {
    p = await replicating('failopen');
    // the honest difference: a row written straight on the target while its subscription was disabled; no later
    // change touches it, so the replication never mends it, and the verification must find it
    await target().sql('failopen', `ALTER SUBSCRIPTION failopen_sub DISABLE`);
    await p.rds.sql(`INSERT INTO public.audit_log (line) VALUES ('written on the target while the subscription was disabled')`);
    await target().sql('failopen', `ALTER SUBSCRIPTION failopen_sub ENABLE`);
    result = await asSubscriptionCreator(p.vercel, () =>
      finishRecorded(p.options, { freeze: true, reversePrefix: p.back, onOpen: () => appWrites('during-verify') }, { envName: 'production', ledger: p.ledger }),
    );
    await appWrites('after-verdict');
  }, 180000);

  test('finish fails after the open: the source stays frozen and the reverse replication stays armed', async () => {
    expect(result).toMatchObject({ ok: false, mode: 'verify-after-open', opened: true, armed: true, frozen: true });
    expect(result.verify.mismatches).toEqual(['table public.audit_log: 200 rows on source, 201 on target']);
    expect((await onSource('failopen', `SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'vn_freeze'`))[0].n).toBeGreaterThan(0);
    expect(await replicationObjects(source().sql, 'failopen', p.back)).toEqual(['subscription bfailopen_sub']);
    expect(await replicationObjects(target().sql, 'failopen', p.back)).toEqual(['slot bfailopen_slot', 'publication bfailopen_pub']);
  });

  test('the record says failed after the open, and cutover refuses, naming db:rollback', async () => {
    const rec = await p.ledger.read();
    expect(rec.lastSync).toMatchObject({ direction: 'forward', ok: false, verification: 'failed', message: 'table public.audit_log: 200 rows on source, 201 on target' });
    expect(rec.lastSync?.openedAt).toEqual(expect.any(String));
    const check = checkLastSync(rec, 'forward', p.ledger.where);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/after writes opened.*npm run db:rollback -- --env <env>/);
  });

  test('the documented rollback carries every write made on RDS since the open back to the old database', async () => {
    const events: SyncEvent[] = [];
    const back = await asSubscriptionCreator(p.vercel, () =>
      rollbackDatabase({ from: p.options.to, to: p.options.from, prefix: p.back, method: 'replication', onEvent: (e) => events.push(e) }),
    );
    expect(back).toMatchObject({ ok: true, method: 'replication', mismatches: [] });
    // it started from the armed replication, then (the old difference still there) replaced the rows by a copy
    expect(events.some((e) => e.type === 'step' && /reverse replication finish armed/.test(e.detail ?? ''))).toBe(true);
    // judged independently: every write made since is on the old database, the deleted rows are gone, and the two are equal
    expect(await emailsOn('source', 'failopen', '%@aws.example.com')).toEqual([...madeSince].sort());
    expect(await emailsOn('source', 'failopen', deletedSince[0])).toEqual([]);
    expect(await emailsOn('source', 'failopen', deletedSince[1])).toEqual([]);
    const [v] = await onSource('failopen', `SELECT visits FROM public.users WHERE email = 'during-verify-0@aws.example.com'`);
    expect(v.visits).toBe(1000);
    const diff = await compareBesideFreeze(target().url('failopen'), source().url('failopen'));
    expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
    // RDS is now the frozen one; the old database takes writes again
    expect(diff.settings).toEqual({ source: ['default_transaction_read_only=on'], target: [] });
    expect(await replicationObjects(source().sql, 'failopen', p.back)).toEqual([]);
  }, 180000);
});

describe('a finish that dies between the open and the verdict', () => {
  /** The record a killed finish leaves: its first write (open, verifying) and nothing after. */
  function dyingLedger(real: Pair['ledger']): Pair['ledger'] {
    let writes = 0;
    return { where: real.where, read: () => real.read(), update: async (change) => (writes++ === 0 ? real.update(change) : { where: real.where }) };
  }

  /** Runs finish up to the open, where it "dies" (the hook throws, and nothing more is recorded). */
  async function dieAtOpen(p: Pair): Promise<void> {
    const died = asSubscriptionCreator(p.vercel, () =>
      finishRecorded(p.options, { freeze: true, reversePrefix: p.back, onOpen: async () => { throw new Error('killed at the open'); } }, { envName: 'production', ledger: dyingLedger(p.ledger) }),
    );
    await expect(died).rejects.toThrow(/killed at the open.*writes were open on the target before a verdict.*rerun npm run db:sync -- finish --freeze.*db:rollback/);
  }

  test('the record says open, verifying and names the way on; a rerun of finish verifies again and completes', async () => {
    const p = await replicating('died');
    await dieAtOpen(p);
    const rec = await p.ledger.read();
    expect(rec.lastSync).toMatchObject({ verification: 'verifying' });
    expect(checkLastSync(rec, 'forward', p.ledger.where).detail).toMatch(/no longer running, rerun npm run db:sync -- finish --freeze/);
    expect(await replicationObjects(source().sql, 'died', p.back)).toEqual(['subscription bdied_sub']);
    const again = await asSubscriptionCreator(p.vercel, () => finishRecorded(p.options, { freeze: true, reversePrefix: p.back }, { envName: 'production', ledger: p.ledger }));
    expect(again).toMatchObject({ ok: true, resumed: true, armed: false });
    expect((await p.ledger.read()).lastSync).toMatchObject({ ok: true, verification: 'verified' });
    for (const prefix of ['died', p.back]) {
      expect(await replicationObjects(source().sql, 'died', prefix)).toEqual([]);
      expect(await replicationObjects(target().sql, 'died', prefix)).toEqual([]);
    }
    const diff = await compareBesideFreeze(source().url('died'), target().url('died'));
    expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
  }, 180000);

  test('when RDS took writes since, the rerun says failed, and db:rollback carries them back through the armed replication alone', async () => {
    const p = await replicating('diedwrites');
    await dieAtOpen(p);
    await p.rds.sql(`INSERT INTO public.users (email) SELECT 'since-open-' || g || '@aws.example.com' FROM generate_series(1, 20) g`);
    await p.rds.sql(`UPDATE public.events SET kind = 'changed-on-aws' WHERE id % 13 = 0`);
    await p.rds.sql(`DELETE FROM public.audit_log WHERE line LIKE 'seed 2%'`);
    const again = await asSubscriptionCreator(p.vercel, () => finishRecorded(p.options, { freeze: true, reversePrefix: p.back }, { envName: 'production', ledger: p.ledger }));
    expect(again).toMatchObject({ ok: false, resumed: true, armed: true, frozen: true });
    expect(checkLastSync(await p.ledger.read(), 'forward', p.ledger.where).ok).toBe(false);
    const events: SyncEvent[] = [];
    const back = await asSubscriptionCreator(p.vercel, () =>
      rollbackDatabase({ from: p.options.to, to: p.options.from, prefix: p.back, method: 'replication', onEvent: (e) => events.push(e) }),
    );
    expect(back).toMatchObject({ ok: true, method: 'replication', mismatches: [] });
    expect(events.some((e) => e.type === 'step' && /reverse replication finish armed/.test(e.detail ?? ''))).toBe(true);
    expect(events.some((e) => e.type === 'warning' && /fresh copy/.test(e.message))).toBe(false);
    expect((await emailsOn('source', 'diedwrites', 'since-open-%')).length).toBe(20);
    const [k] = await onSource('diedwrites', `SELECT count(*)::int AS n FROM public.events WHERE kind = 'changed-on-aws'`);
    expect(k.n).toBeGreaterThan(0);
    const diff = await compareBesideFreeze(target().url('diedwrites'), source().url('diedwrites'));
    expect({ ...diff, settings: null }).toEqual(NO_DIFFERENCE);
    expect(diff.settings).toEqual({ source: ['default_transaction_read_only=on'], target: [] });
  }, 180000);
});
