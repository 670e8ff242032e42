/**
 * What --force drops (issue 20, item 2): every DROP it and the undo generate parses, for every
 * routine kind (ordered-set, zero-argument, variadic and polymorphic aggregates, variadic
 * functions, procedures with INOUT); without --tables it refuses by name, before dropping
 * anything and also in --dry-run, what its CASCADE would take outside the source's objects
 * (target-only views, foreign keys); with --tables it does not warn "skipped foreign key" for
 * a foreign key it keeps. Vercel-shaped source, RDS-shaped target; "equal" is judged by
 * support/compare.ts.
 */
import { MigrationError } from '../../scripts/lib/db/connection';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { dropRoutine } from '../../scripts/lib/db/schema/kinds/functions';
import { expectSameDatabase, schemaDump } from '../support/compare';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { killFirstDataWorkerAt, PAUSED_BIG_TABLE_SQL, relationCount } from './fixture';

jest.setTimeout(120_000);
const [srcCluster, dstCluster] = useClusters(2);

const ROUTINES = `
  CREATE FUNCTION public.os_step(acc anyarray, v anyelement) RETURNS anyarray LANGUAGE sql IMMUTABLE AS 'SELECT acc || v';
  CREATE FUNCTION public.os_final(acc anyarray, frac float8, v anyelement) RETURNS anyelement LANGUAGE sql IMMUTABLE
    AS 'SELECT acc[greatest(1, ceil(frac * array_length(acc, 1))::int)]';
  CREATE AGGREGATE public.my_pct(float8 ORDER BY anyelement) (SFUNC = public.os_step, STYPE = anyarray, FINALFUNC = public.os_final, FINALFUNC_EXTRA, INITCOND = '{}');
  CREATE AGGREGATE public.newcnt(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '0');
  CREATE AGGREGATE public.vcount(VARIADIC int[]) (SFUNC = int8inc_any, STYPE = int8, INITCOND = '0');
  CREATE AGGREGATE public.poly_arr(anycompatible) (SFUNC = array_append, STYPE = anycompatiblearray, INITCOND = '{}');
  CREATE FUNCTION public.vsum(VARIADIC int[]) RETURNS int LANGUAGE sql AS 'SELECT sum(x)::int FROM unnest($1) x';
  CREATE PROCEDURE public.bump(a int, INOUT b int) LANGUAGE sql AS 'SELECT b + a';
  CREATE TABLE public.m (id int PRIMARY KEY, v float8);
  INSERT INTO public.m SELECT g, g / 10.0 FROM generate_series(1, 200) g;
  CREATE VIEW public.stats AS SELECT public.my_pct(0.5) WITHIN GROUP (ORDER BY v) AS median, public.newcnt(*) AS n FROM public.m;`;

const SAAS = `
  CREATE TABLE public.orgs (id serial PRIMARY KEY, name text NOT NULL);
  CREATE TABLE public.users (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES public.orgs (id), email text NOT NULL);
  INSERT INTO public.orgs (name) SELECT 'org ' || g FROM generate_series(1, 20) g;
  INSERT INTO public.users (org_id, email) SELECT 1 + g % 20, 'u' || g FROM generate_series(1, 200) g;`;

let n = 0;
async function copied(sql: string): Promise<{ src: ShapedDatabase; dst: ShapedDatabase }> {
  const id = ++n;
  const src = await shapeVercel(srcCluster(), { database: `fsrc${id}` });
  await src.sql(sql);
  const dst = await shapeRds(dstCluster(), { database: `fdst${id}` });
  expect((await copyDatabase({ from: src.url, to: dst.url, jobs: 1 })).ok).toBe(true);
  return { src, dst };
}
const superUrl = (db: ShapedDatabase) => db.cluster.url(db.database);

test('DROP for each routine kind is DROP AGGREGATE with ORDER BY or (*) for aggregates, DROP ROUTINE otherwise', () => {
  expect(dropRoutine({ identity: 'public.my_pct(double precision ORDER BY anyelement)', sql: 'CREATE AGGREGATE ...' })).toBe(
    'DROP AGGREGATE IF EXISTS public.my_pct(double precision ORDER BY anyelement) CASCADE',
  );
  expect(dropRoutine({ identity: 'public.newcnt()', sql: 'CREATE AGGREGATE ...' })).toBe('DROP AGGREGATE IF EXISTS public.newcnt(*) CASCADE');
  expect(dropRoutine({ identity: 'public.bump(IN a integer, INOUT b integer)', sql: 'CREATE OR REPLACE PROCEDURE ...' })).toBe(
    'DROP ROUTINE IF EXISTS public.bump(IN a integer, INOUT b integer) CASCADE',
  );
});

test('a --force rerun over a copy holding ordered-set, zero-argument, variadic and polymorphic routines drops and recreates them', async () => {
  const { src, dst } = await copied(ROUTINES);
  await src.sql('UPDATE public.m SET v = v * 2 WHERE id % 3 = 0');
  const again = await copyDatabase({ from: src.url, to: dst.url, jobs: 1, force: true });
  expect(again.ok).toBe(true);
  await expectSameDatabase(superUrl(src), superUrl(dst));
});

test('the undo of a run holding those routines drops them, so a plain rerun succeeds', async () => {
  const id = ++n;
  const src = await shapeVercel(srcCluster(), { database: `fsrc${id}` });
  await src.sql(
    `${ROUTINES}${PAUSED_BIG_TABLE_SQL} ANALYZE;`,
  );
  const dst = await shapeRds(dstCluster(), { database: `fdst${id}` });
  const { onEvent, killed } = killFirstDataWorkerAt(dstCluster());
  const err = await copyDatabase({ from: src.url, to: dst.url, jobs: 1, onEvent }).catch((e: unknown) => e);
  await killed();
  expect((err as Error).message).toMatch(/undo: the \d+ object\(s\) this run created were dropped again/);
  expect((await dstCluster().sql(dst.database, `SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = 'public'::regnamespace`))[0].n).toBe(0);
  expect((await copyDatabase({ from: src.url, to: dst.url, jobs: 1 })).ok).toBe(true);
  await expectSameDatabase(superUrl(src), superUrl(dst));
});

describe('--force without --tables over a target holding objects of its own that depend on the copy', () => {
  let src: ShapedDatabase;
  let dst: ShapedDatabase;
  beforeAll(async () => {
    ({ src, dst } = await copied(SAAS));
    await dst.sql(`CREATE VIEW public.report AS SELECT o.name, count(*) AS n FROM public.orgs o JOIN public.users u ON u.org_id = o.id GROUP BY o.name;
                   CREATE TABLE public.audit (id int PRIMARY KEY, user_id int REFERENCES public.users (id));`);
    await src.sql(`INSERT INTO public.orgs (name) VALUES ('late')`);
  });

  test('--dry-run refuses, naming the view and the foreign key the drops would cascade into', async () => {
    const err = await copyDatabase({ from: src.url, to: dst.url, force: true, dryRun: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/^\[preflight\] --force would drop the copied objects with CASCADE, and with them 2 object\(s\) on the target that are not the source's: /);
    expect((err as Error).message).toContain('constraint audit_user_id_fkey on table public.audit');
    expect((err as Error).message).toContain('view public.report');
  });

  test('the run refuses the same way before dropping anything', async () => {
    const before = schemaDump(superUrl(dst));
    const err = await copyDatabase({ from: src.url, to: dst.url, force: true }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/view public\.report/);
    expect(schemaDump(superUrl(dst))).toBe(before);
  });

  test('once they are gone, --force makes the target equal the source', async () => {
    await dst.sql('DROP VIEW public.report; DROP TABLE public.audit');
    expect((await copyDatabase({ from: src.url, to: dst.url, force: true })).ok).toBe(true);
    await expectSameDatabase(superUrl(src), superUrl(dst));
  });
});

test('--tables X --force does not warn "skipped foreign key" for the foreign key it keeps', async () => {
  const { src, dst } = await copied(SAAS);
  await src.sql(`UPDATE public.users SET email = upper(email) WHERE id < 50`);
  const s = await copyDatabase({ from: src.url, to: dst.url, force: true, tables: { include: ['users'] } });
  expect(s.ok).toBe(true);
  expect(s.warnings.filter((w) => /skipped foreign key/.test(w))).toEqual([]);
  expect(s.skipped).toEqual([]);
  expect((await dst.sql(`SELECT conname FROM pg_constraint WHERE contype = 'f'`)).map((r) => r.conname)).toEqual(['users_org_id_fkey']);
  await expectSameDatabase(superUrl(src), superUrl(dst));
  expect(await relationCount(dstCluster(), dst.database)).toBeGreaterThan(0);
});
