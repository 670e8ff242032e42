/**
 * Reruns over a target that already holds the source's collations, operators and aggregates,
 * which have no CREATE OR REPLACE: `--force`, `--force --tables`, and the undo of a failed run
 * leave nothing that makes the next run meet "already exists". Every "equal" is judged by
 * support/compare.ts (pg_dump and row hashes), never by the engine's verify. The source is
 * Vercel-shaped and the target RDS-shaped (../support/shapes.ts): both run as non-superusers.
 */
import { MigrationError } from '../../scripts/lib/db/connection';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { expectSameDatabase } from '../support/compare';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { killFirstDataWorkerAt, PAUSED_BIG_TABLE_SQL } from './fixture';

const [source, target] = useClusters(2);

const SHARED = `
  CREATE COLLATION posix_c (provider = libc, locale = 'C');
  CREATE FUNCTION near(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a - b) < 0.01';
  CREATE OPERATOR === (FUNCTION = near, LEFTARG = float8, RIGHTARG = float8);
  CREATE FUNCTION sum_step(acc int8, v int) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT acc + v';
  CREATE AGGREGATE total(int) (SFUNC = sum_step, STYPE = int8, INITCOND = '0');
  CREATE TABLE t (id int PRIMARY KEY, code text COLLATE posix_c, x float8);
  INSERT INTO t SELECT g, md5(g::text), g / 3.0 FROM generate_series(1, 100) g;
  CREATE TABLE other (id int PRIMARY KEY); INSERT INTO other VALUES (1), (2);
  CREATE VIEW close_ones AS SELECT id FROM t WHERE x === 1.0;`;

/** What of the shared objects a target database holds. */
async function sharedOnTarget(db: string): Promise<string[]> {
  const rows = await target().sql(
    db,
    `SELECT 'collation ' || collname AS o FROM pg_collation WHERE collnamespace = 'public'::regnamespace
     UNION ALL SELECT 'operator ' || oprname FROM pg_operator WHERE oprnamespace = 'public'::regnamespace
     UNION ALL SELECT 'aggregate ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prokind = 'a' ORDER BY 1`,
  );
  return rows.map((r) => r.o as string);
}

let n = 0;
/** A Vercel-shaped source holding `sql` (run as its app user) and an empty RDS-shaped target. */
async function pair(db: string, sql: string): Promise<{ src: string; dst: string; vercel: ShapedDatabase; rds: ShapedDatabase }> {
  const vercel = await shapeVercel(source(), { database: db });
  await vercel.sql(sql);
  const rds = await shapeRds(target(), { database: db });
  return { src: vercel.url, dst: rds.url, vercel, rds };
}

async function copied(): Promise<{ src: string; dst: string; db: string; rds: ShapedDatabase }> {
  const db = `shared${++n}`;
  const { src, dst, vercel, rds } = await pair(db, SHARED);
  expect((await copyDatabase({ from: src, to: dst, jobs: 1 })).ok).toBe(true);
  await vercel.sql(`UPDATE t SET x = x + 1 WHERE id % 3 = 0; INSERT INTO other VALUES (3)`);
  return { src, dst, db, rds };
}

test('a --force rerun over a full copy drops and recreates them, and the target equals the source', async () => {
  const { src, dst, db } = await copied();
  const again = await copyDatabase({ from: src, to: dst, jobs: 1, force: true });
  expect(again.ok).toBe(true);
  await expectSameDatabase(source().url(db), target().url(db)); // the judge reads as the cluster superuser
});

test('a --force --tables rerun keeps the equal collation, operator and aggregate the target holds and reloads the table', async () => {
  const { src, dst, db } = await copied();
  const again = await copyDatabase({ from: src, to: dst, jobs: 1, force: true, tables: { include: ['t', 'other'] } });
  expect(again.ok).toBe(true);
  await expectSameDatabase(source().url(db), target().url(db)); // the judge reads as the cluster superuser
  expect(await sharedOnTarget(db)).toEqual(['aggregate total', 'collation posix_c', 'operator ===']);
});

test('a --force --tables rerun refuses, naming it, when the target holds a different aggregate of the same name', async () => {
  const { src, dst, rds } = await copied();
  await rds.sql(`DROP AGGREGATE total(int); CREATE AGGREGATE total(int) (SFUNC = sum_step, STYPE = int8, INITCOND = '10')`);
  const err = await copyDatabase({ from: src, to: dst, jobs: 1, force: true, tables: { include: ['t'] } }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MigrationError);
  expect((err as Error).message).toMatch(/^\[preflight\] aggregate public\.total\(integer\) differs on the target/);
});

test('a run that fails after schema:pre drops the collation, operator and aggregate it created, so a plain rerun succeeds', async () => {
  const db = `shared${++n}`;
  const { src, dst } = await pair(
    db,
    `${SHARED}${PAUSED_BIG_TABLE_SQL}`,
  );
  const { onEvent, killed } = killFirstDataWorkerAt(target());
  const err = await copyDatabase({ from: src, to: dst, jobs: 1, onEvent }).catch((e: unknown) => e);
  await killed();
  expect((err as Error).message).toMatch(/^\[data\] table public\.big: connection lost .*undo/);
  expect(await sharedOnTarget(db)).toEqual([]);

  const again = await copyDatabase({ from: src, to: dst, jobs: 1 });
  expect(again.ok).toBe(true);
  await expectSameDatabase(source().url(db), target().url(db)); // the judge reads as the cluster superuser
});
