/**
 * db:copy --resume (issue 20, item 5): a full copy whose data phase fails part-way keeps the
 * tables it finished and a record in the target (schema _db_copy); --resume loads the rest and
 * the target then equals the source (judged by support/compare.ts, which would also see a
 * leftover record schema). A resume is refused when the source's schema changed, and a table
 * whose rows changed on the source since is loaded again. Vercel-shaped source, RDS-shaped target.
 */
import { MigrationError } from '../../scripts/lib/db/connection';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { expectSameDatabase } from '../support/compare';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';

jest.setTimeout(120_000);
const [srcCluster, dstCluster] = useClusters(2);

/**
 * Six tables of decreasing size (loaded largest first with one worker); t4's check constraint
 * raises on the target while its database setting testhooks.fail is on: the copy fails at the
 * fourth table of six.
 */
const SOURCE_SQL = (name: string) => `
  CREATE FUNCTION public.fail_at(i int) RETURNS boolean LANGUAGE plpgsql AS $$
    BEGIN IF i = 7 AND current_database() <> '${name}' AND current_setting('testhooks.fail', true) = 'on' THEN RAISE EXCEPTION 'planted failure'; END IF; RETURN true; END $$;
  CREATE TABLE public.t1 (id int PRIMARY KEY, pad text);
  CREATE TABLE public.t2 (id int PRIMARY KEY, t1_id int REFERENCES public.t1 (id), pad text);
  CREATE TABLE public.t3 (id bigserial PRIMARY KEY, pad text);
  CREATE TABLE public.t4 (id int PRIMARY KEY, pad text, CONSTRAINT t4_check CHECK (public.fail_at(id)));
  CREATE TABLE public.t5 (id int PRIMARY KEY, pad text);
  CREATE TABLE public.t6 (id int PRIMARY KEY);
  CREATE INDEX t1_pad ON public.t1 (pad);
  CREATE VIEW public.v AS SELECT t1.id, t2.pad FROM public.t1 JOIN public.t2 ON t2.t1_id = t1.id;
  INSERT INTO public.t1 SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 12000) g;
  INSERT INTO public.t2 SELECT g, g, repeat(md5(g::text), 3) FROM generate_series(1, 9000) g;
  INSERT INTO public.t3 (pad) SELECT repeat(md5(g::text), 2) FROM generate_series(1, 6000) g;
  INSERT INTO public.t4 SELECT g, md5(g::text) FROM generate_series(1, 3000) g;
  INSERT INTO public.t5 SELECT g, 'x' FROM generate_series(1, 500) g;
  INSERT INTO public.t6 SELECT generate_series(1, 10);
  ANALYZE;`;

let n = 0;
/** A source and a fresh target whose first copy failed at t4, with t1..t3 done. */
async function failedHalfway(): Promise<{ src: ShapedDatabase; dst: ShapedDatabase; err: MigrationError }> {
  const id = ++n;
  const src = await shapeVercel(srcCluster(), { database: `rsrc${id}` });
  await src.sql(SOURCE_SQL(src.database));
  const dst = await shapeRds(dstCluster(), { database: `rdst${id}` });
  await dstCluster().sql('postgres', `ALTER DATABASE ${dst.database} SET testhooks.fail = 'on'`);
  const err = await copyDatabase({ from: src.url, to: dst.url, jobs: 1 }).catch((e: unknown) => e);
  await dstCluster().sql('postgres', `ALTER DATABASE ${dst.database} RESET testhooks.fail`);
  expect(err).toBeInstanceOf(MigrationError);
  return { src, dst, err: err as MigrationError };
}

const superUrl = (db: ShapedDatabase) => db.cluster.url(db.database);
const loaded = async (db: ShapedDatabase) => (await db.cluster.sql(db.database, 'SELECT tbl FROM _db_copy.loaded ORDER BY tbl')).map((r) => r.tbl as string);

test('a copy failed at the fourth of six tables keeps the three it finished, with the record, and says to --resume', async () => {
  const { dst, err } = await failedHalfway();
  expect(err.phase).toBe('data');
  expect(err.headline).toMatch(/^\[data\] table public\.t4: planted failure; kept for --resume: 3 of 6 table\(s\) loaded \(record in schema _db_copy on the target\): rerun with --resume/);
  expect(err.message).toMatch(/\nCONTEXT: PL\/pgSQL function public\.fail_at\(integer\)/);
  expect(err.details.target).toBe('resumable');
  expect(await loaded(dst)).toEqual(['public.t1', 'public.t2', 'public.t3']);
});

test('--resume loads the rest, keeps the tables done, drops the record, and the target equals the source', async () => {
  const { src, dst } = await failedHalfway();
  const s = await copyDatabase({ from: src.url, to: dst.url, jobs: 2, resume: true });
  expect(s.ok).toBe(true);
  expect(s.resumed).toEqual(['public.t1', 'public.t2', 'public.t3']);
  expect(s.tables.map((t) => t.table)).toEqual(['public.t4', 'public.t5', 'public.t6']);
  expect(await dst.cluster.sql(dst.database, `SELECT 1 FROM pg_namespace WHERE nspname = '_db_copy'`)).toEqual([]);
  await expectSameDatabase(superUrl(src), superUrl(dst));
});

test('a table done before the failure whose rows changed on the source since is loaded again by --resume', async () => {
  const { src, dst } = await failedHalfway();
  await src.sql(`UPDATE public.t2 SET pad = 'changed' WHERE id % 10 = 0; SELECT setval('public.t3_id_seq', 9000)`);
  const s = await copyDatabase({ from: src.url, to: dst.url, resume: true });
  expect(s.resumed).toEqual(['public.t1', 'public.t3']);
  expect(s.warnings).toContainEqual(expect.stringMatching(/--resume: public\.t2 changed on the source since the interrupted run: loaded again/));
  await expectSameDatabase(superUrl(src), superUrl(dst));
});

test('--resume is refused, naming the change, after the source schema changed, and writes nothing', async () => {
  const { src, dst } = await failedHalfway();
  await src.sql('ALTER TABLE public.t1 ADD COLUMN note text');
  const err = await copyDatabase({ from: src.url, to: dst.url, resume: true }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MigrationError);
  expect((err as MigrationError).phase).toBe('preflight');
  expect((err as Error).message).toMatch(/^\[preflight\] --resume: the source's schema changed since the interrupted run: table public\.t1 \(altered\).*rerun with --force to start over/);
  expect(await loaded(dst)).toEqual(['public.t1', 'public.t2', 'public.t3']);
  // --force then starts over and makes the target equal the source
  expect((await copyDatabase({ from: src.url, to: dst.url, force: true })).ok).toBe(true);
  await expectSameDatabase(superUrl(src), superUrl(dst));
});

test('--resume on a target without a record is refused, naming the record', async () => {
  const src = await shapeVercel(srcCluster(), { database: 'rnone' });
  await src.sql('CREATE TABLE t (id int PRIMARY KEY)');
  const dst = await shapeRds(dstCluster(), { database: 'rnone_dst' });
  const err = await copyDatabase({ from: src.url, to: dst.url, resume: true }).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/^\[preflight\] --resume: the target .* holds no record of an interrupted copy \(schema _db_copy\): nothing to resume/);
});
