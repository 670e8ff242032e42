/**
 * The two-database session's refusal by server identity (scripts/lib/db/session.ts) reaches every
 * two-database command: the source reached through its Unix socket (another URL, the same
 * database) is refused by verify, every db:sync step (start, status, finish) and db:rollback,
 * before any of them writes (rollback: before it lifts the old database's freeze or takes the
 * pair lock).
 */
import { rollbackDatabase, finishSync, readStatus, startSync, withSync, freezeWrites, freezeState } from '../../scripts/lib/db/sync/index';
import { verifyDatabases } from '../../scripts/lib/db/verify';
import { Client } from 'pg';
import { PASSWORD, useClusters } from '../support/postgres';

const [cluster] = useClusters(1);
const SAME = /^--from and --to reach the same database \(127\.0\.0\.1:\d+\/same\): point --to at the other database$/;
let src: string;
let socketUrl: string;

beforeAll(async () => {
  src = await cluster().createDatabase('same');
  await cluster().sql('same', 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
  socketUrl = `postgres://postgres:${encodeURIComponent(PASSWORD)}@/same?host=${encodeURIComponent(cluster().dir)}&port=${cluster().port}`;
}, 60000);

test('verify refuses the same database under another URL', async () => {
  await expect(verifyDatabases({ from: src, to: socketUrl })).rejects.toThrow(SAME);
});

test('db:sync start, status and finish refuse it before their first step', async () => {
  let ran = false;
  await expect(withSync({ from: src, to: socketUrl }, async (ctx) => ((ran = true), startSync(ctx)))).rejects.toThrow(SAME);
  await expect(withSync({ from: src, to: socketUrl }, async (ctx) => ((ran = true), readStatus(ctx)))).rejects.toThrow(SAME);
  await expect(withSync({ from: socketUrl, to: src }, async (ctx) => ((ran = true), finishSync(ctx, { freeze: true })))).rejects.toThrow(/^--from and --to reach the same database/);
  expect(ran).toBe(false);
  expect((await cluster().sql('same', `SELECT count(*)::int AS n FROM pg_publication`))[0].n).toBe(0);
});

test('db:rollback refuses it before it lifts the freeze on the old database or takes the lock', async () => {
  const c = new Client({ connectionString: src });
  await c.connect();
  try {
    await freezeWrites(c, 'same');
    await expect(rollbackDatabase({ from: socketUrl, to: src, method: 'copy' })).rejects.toThrow(/^--from and --to reach the same database/);
    // the freeze it would have lifted first is still there
    expect((await freezeState(c)).frozen).toBe(true);
    expect((await cluster().sql('same', 'SELECT count(*)::int AS n FROM t'))[0].n).toBe(1);
  } finally {
    await c.end();
  }
});
