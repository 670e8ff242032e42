/**
 * db:sync preflight names every gap with its fix, and start refuses to run with any gap. The
 * target is RDS-shaped (../support/shapes.ts: the non-superuser master); the ready source is
 * Vercel-shaped, so "every check passes" holds for the users the providers give.
 */
import { useClusters } from '../support/postgres';
import { preflight, startSync, withSync } from '../../scripts/lib/db/sync/index';
import { shapeRds, shapeVercel } from '../support/shapes';
import { LOGICAL } from './support';

const [logical, target] = useClusters(2, LOGICAL);
const [replica] = useClusters(1);

function check(report: Awaited<ReturnType<typeof preflight>>, id: string) {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${report.checks.map((x) => x.id).join(', ')}`);
  return c;
}

let to: string;
beforeAll(async () => {
  to = (await shapeRds(target(), { database: 'app' })).url;
});

test('a ready source and target pass every check', async () => {
  const ready = await shapeVercel(logical(), { database: 'ready' });
  await ready.sql('CREATE TABLE t (id serial PRIMARY KEY, v text)');
  const from = ready.url;
  const report = await withSync({ from, to }, preflight);
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.tables).toEqual(['public.t']);
});

test('a table without a primary key is named with its fix and fails preflight', async () => {
  const from = await logical().createDatabase('nopk');
  await logical().sql('nopk', 'CREATE TABLE keyed (id int PRIMARY KEY); CREATE TABLE loose (a int, b text)');
  const report = await withSync({ from, to }, preflight);
  expect(report.ok).toBe(false);
  const c = check(report, 'source.table.public.loose');
  expect(c.ok).toBe(false);
  expect(c.message).toMatch(/public\.loose has no primary key.*UPDATE and DELETE/);
  expect(c.fix).toContain('ALTER TABLE public.loose REPLICA IDENTITY FULL');
  expect(report.checks.find((x) => x.id === 'source.table.public.keyed')).toBeUndefined();
});

test('wal_level=replica fails preflight with the restart fix', async () => {
  const from = await replica().createDatabase('walrep');
  await replica().sql('walrep', 'CREATE TABLE t (id int PRIMARY KEY)');
  const report = await withSync({ from, to }, preflight);
  const c = check(report, 'source.wal_level');
  expect(c).toMatchObject({ ok: false, message: 'wal_level is replica, logical replication needs logical' });
  expect(c.fix).toMatch(/wal_level = logical.*restart/);
});

test('a user without the replication privilege fails preflight with the GRANT/ALTER ROLE fix', async () => {
  await logical().createDatabase('noprivs');
  await logical().sql('noprivs', `CREATE ROLE app LOGIN PASSWORD 'app-pw-1'; CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t OWNER TO app; GRANT CREATE ON DATABASE noprivs TO app`);
  const from = `postgres://app:app-pw-1@127.0.0.1:${logical().port}/noprivs`;
  const report = await withSync({ from, to }, preflight);
  const c = check(report, 'source.replication_privilege');
  expect(c).toMatchObject({ ok: false, message: 'user app has neither REPLICATION nor superuser' });
  expect(c.fix).toContain('ALTER ROLE app WITH REPLICATION');
  expect(check(report, 'source.table_owner').ok).toBe(true);
});

test('start refuses to run while preflight has a gap, and creates nothing', async () => {
  const from = await logical().createDatabase('refused');
  await logical().sql('refused', 'CREATE TABLE loose (a int)');
  await expect(withSync({ from, to, prefix: 'refused' }, (ctx) => startSync(ctx))).rejects.toThrow(/\[preflight\] source: table public\.loose has no primary key.*fix: ALTER TABLE public\.loose/);
  expect(await logical().sql('refused', 'SELECT pubname FROM pg_publication')).toEqual([]);
  expect(await target().sql('app', `SELECT relname FROM pg_class WHERE relname = 'loose'`)).toEqual([]);
});
