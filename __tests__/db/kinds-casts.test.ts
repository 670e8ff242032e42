/**
 * User-defined casts (kinds/casts.ts): carried WITH FUNCTION and WITH INOUT in their context,
 * in their place in the plan, with their comment, dropped and recreated by --force, undone by a
 * failed run; binary-coercible casts (superuser only) refused before any data moves. Every
 * "equal" is judged by support/compare.ts (pg_dump --schema-only, row hashes), never by the
 * engine's verify alone. Sources are Vercel-shaped (the app user, not a superuser, makes the
 * schema) and targets RDS-shaped (the master user, not a superuser, runs the copy); a cast only
 * a superuser can make is made on the source as the cluster superuser, as on a self-hosted
 * database that came to Neon by a restore. Function bodies name their types schema-qualified, as
 * they must for any copy that runs with an empty search_path (pg_dump's restore too).
 */
import { MigrationError } from '../../scripts/lib/db/connection';
import { auditDatabase } from '../../scripts/lib/db/audit';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { verifyDatabases } from '../../scripts/lib/db/verify';
import { compareDatabases, expectSameDatabase, NO_DIFFERENCE, schemaDump } from '../support/compare';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { killFirstDataWorkerAt, PAUSED_BIG_TABLE_SQL, relationCount } from './fixture';

const [source, target] = useClusters(2);

/** Casts of every method the copy carries and every context, over enums, composites and a table's row type. */
const CASTS = `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE TYPE mood2 AS ENUM ('sad', 'ok', 'happy');
  CREATE TYPE temp_c AS (deg numeric);
  CREATE TYPE temp_f AS (deg numeric);
  CREATE FUNCTION c_to_f(c temp_c) RETURNS temp_f LANGUAGE sql IMMUTABLE AS $$ SELECT ROW(round(c.deg * 9 / 5 + 32))::public.temp_f $$;
  CREATE CAST (temp_c AS temp_f) WITH FUNCTION c_to_f(temp_c);
  COMMENT ON CAST (temp_c AS temp_f) IS 'Celsius to Fahrenheit';
  CREATE CAST (mood AS mood2) WITH INOUT;
  CREATE FUNCTION mood_score(m mood) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT array_position(enum_range(NULL::public.mood), m) $$;
  CREATE CAST (mood AS integer) WITH FUNCTION mood_score(mood) AS ASSIGNMENT;
  CREATE FUNCTION score_mood(n int) RETURNS mood LANGUAGE sql IMMUTABLE AS $$ SELECT (enum_range(NULL::public.mood))[n] $$;
  CREATE CAST (integer AS mood) WITH FUNCTION score_mood(integer) AS IMPLICIT;
  CREATE FUNCTION describe(m mood) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'feeling ' || m::text $$;
  CREATE TABLE readings (id int PRIMARY KEY, t temp_c, CONSTRAINT warm CHECK (((t)::temp_f).deg > 32));
  INSERT INTO readings VALUES (1, ROW(20)), (2, ROW(30));
  CREATE VIEW readings_f AS SELECT id, (t)::temp_f AS f FROM readings;
  CREATE TABLE scores (id int PRIMARY KEY, n int);
  CREATE TABLE person (name text, age int);
  CREATE FUNCTION person_label(p person) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT p.name || ' (' || p.age || ')' $$;
  CREATE CAST (person AS text) WITH FUNCTION person_label(person);
  INSERT INTO person VALUES ('Ada', 36);`;

let n = 0;
/** A Vercel-shaped source holding `sql` (run as its app user) and an empty RDS-shaped target of the same name. */
async function pair(sql: string): Promise<{ db: string; vercel: ShapedDatabase; rds: ShapedDatabase }> {
  const db = `casts${++n}`;
  const vercel = await shapeVercel(source(), { database: db });
  await vercel.sql(sql);
  const rds = await shapeRds(target(), { database: db });
  return { db, vercel, rds };
}

/** The judge, reading both sides as the cluster superuser. */
const judge = (db: string) => compareDatabases(source().url(db), target().url(db));

describe('a copy of a source with casts', () => {
  let db: string;
  let rds: ShapedDatabase;
  let mismatches: string[] | undefined;
  beforeAll(async () => {
    let vercel: ShapedDatabase;
    ({ db, vercel, rds } = await pair(CASTS));
    const summary = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1 });
    mismatches = summary.verify?.mismatches;
  }, 60000);

  test('equals the source by pg_dump --schema-only, rows and catalog, and the dump holds the casts', async () => {
    expect(mismatches).toEqual([]);
    expect(await judge(db)).toEqual(NO_DIFFERENCE);
    const dump = schemaDump(target().url(db));
    expect(dump).toMatch(/^CREATE CAST \(public\.temp_c AS public\.temp_f\) WITH FUNCTION public\.c_to_f\(public\.temp_c\);$/m);
    expect(dump).toMatch(/^CREATE CAST \(public\.mood AS public\.mood2\) WITH INOUT;$/m);
  });

  test('a WITH FUNCTION cast works on the target', async () => {
    expect(await rds.sql(`SELECT ('(100)'::temp_c)::temp_f::text AS f`)).toEqual([{ f: '(212)' }]);
  });

  test('a WITH INOUT cast works on the target', async () => {
    expect(await rds.sql(`SELECT 'happy'::mood::mood2::text AS m`)).toEqual([{ m: 'happy' }]);
  });

  test('an AS ASSIGNMENT cast stays an assignment cast: an INSERT converts, the catalog says a', async () => {
    await rds.sql(`INSERT INTO scores VALUES (1, 'happy'::mood)`);
    expect(await rds.sql(`SELECT n FROM scores`)).toEqual([{ n: 3 }]);
    expect(await rds.sql(`SELECT castcontext FROM pg_cast WHERE castsource = 'mood'::regtype AND casttarget = 'int4'::regtype`)).toEqual([{ castcontext: 'a' }]);
  });

  test('an AS IMPLICIT cast stays implicit: a function call converts its argument, the catalog says i', async () => {
    expect(await rds.sql(`SELECT describe(2) AS d`)).toEqual([{ d: 'feeling ok' }]);
    expect(await rds.sql(`SELECT castcontext FROM pg_cast WHERE castsource = 'int4'::regtype AND casttarget = 'mood'::regtype`)).toEqual([{ castcontext: 'i' }]);
  });

  test('a cast used by a check constraint and a view is created before them', async () => {
    expect(await rds.sql(`SELECT id, f::text FROM readings_f ORDER BY id`)).toEqual([
      { id: 1, f: '(68)' },
      { id: 2, f: '(86)' },
    ]);
    await expect(rds.sql(`INSERT INTO readings VALUES (3, ROW(-10))`)).rejects.toThrow(/violates check constraint "warm"/);
  });

  test('a cast over a table row type, with a function over it, is created after the table', async () => {
    expect(await rds.sql(`SELECT p::text AS label FROM person p`)).toEqual([{ label: 'Ada (36)' }]);
  });

  test('COMMENT ON CAST is carried', async () => {
    const rows = await rds.sql(`SELECT obj_description(oid, 'pg_cast') AS c FROM pg_cast WHERE castsource = 'temp_c'::regtype AND casttarget = 'temp_f'::regtype`);
    expect(rows).toEqual([{ c: 'Celsius to Fahrenheit' }]);
  });

  test('db:audit lists nothing about the carried casts', async () => {
    const report = await auditDatabase({ url: source().url(db) });
    expect(report.notCarried.join('\n')).not.toMatch(/cast/i);
  });
});


describe('db:verify compares casts', () => {
  const SMALL = `CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TYPE mood2 AS ENUM ('sad', 'ok'); CREATE CAST (mood AS mood2) WITH INOUT;
    CREATE TABLE t (id int PRIMARY KEY, m mood); INSERT INTO t VALUES (1, 'ok');`;

  test('verify fails when a cast is missing on the target', async () => {
    const { vercel, rds } = await pair(SMALL);
    expect((await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1 })).ok).toBe(true);
    await rds.sql(`DROP CAST (mood AS mood2)`);
    const report = await verifyDatabases({ from: vercel.url, to: rds.url });
    expect(report.ok).toBe(false);
    expect(report.mismatches.join('\n')).toMatch(/schema: cast \(public\.mood AS public\.mood2\) missing on target/);
  });

  test('verify fails when a cast has another context on the target', async () => {
    const { vercel, rds } = await pair(SMALL);
    expect((await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1 })).ok).toBe(true);
    await rds.sql(`DROP CAST (mood AS mood2); CREATE CAST (mood AS mood2) WITH INOUT AS IMPLICIT`);
    const report = await verifyDatabases({ from: vercel.url, to: rds.url });
    expect(report.ok).toBe(false);
    expect(report.mismatches.join('\n')).toMatch(/schema: cast \(public\.mood AS public\.mood2\) differs/);
  });
});

describe('casts the copy refuses', () => {
  // span and int4range are physically alike (varlena, int alignment), so a superuser may cast between them WITHOUT FUNCTION;
  // span's implicit casts to its multirange are CREATE TYPE's own, neither carried nor refused
  const BINARY = `CREATE TYPE span AS RANGE (SUBTYPE = int4);
    CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TYPE mood2 AS ENUM ('sad', 'ok'); CREATE CAST (mood AS mood2) WITH INOUT AS ASSIGNMENT;
    CREATE TABLE t (id int PRIMARY KEY, s span); INSERT INTO t VALUES (1, '[1,5)');`;
  /** A source holding BINARY and, made by the cluster superuser (the app user may not), the binary-coercible cast. */
  async function binarySource() {
    const p = await pair(BINARY);
    await source().sql(p.db, `CREATE CAST (span AS int4range) WITHOUT FUNCTION AS IMPLICIT`);
    return p;
  }

  test('a binary-coercible cast refuses the run in preflight, naming the cast, the fix and --skip casts, and nothing is written', async () => {
    const { db, vercel, rds } = await binarySource();
    const err = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).phase).toBe('preflight');
    const message = (err as Error).message;
    expect(message).toMatch(/cast \(public\.span AS int4range\) WITHOUT FUNCTION \[casts\]: a binary-coercible cast needs a superuser/);
    expect(message).toMatch(/CREATE CAST \(public\.span AS int4range\) WITH INOUT AS IMPLICIT/);
    expect(message).toMatch(/--skip casts/);
    expect(message).not.toMatch(/mood2/); // the carried cast is not refused
    expect(await relationCount(target(), db)).toBe(0);
  });

  test('with --skip casts the copy goes on, carries the other casts and reports the skipped one; the judge sees only that loss', async () => {
    const { db, vercel, rds } = await binarySource();
    const s = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1, skip: ['casts'] });
    expect(s.ok).toBe(true);
    expect(s.notCarried).toEqual([expect.objectContaining({ kind: 'casts', object: 'cast (public.span AS int4range) WITHOUT FUNCTION', superuser: true })]);
    const diff = await judge(db);
    expect(diff).toEqual({ ...NO_DIFFERENCE, schema: ['- CREATE CAST (public.span AS int4range) WITHOUT FUNCTION AS IMPLICIT;'] });
    expect(await rds.sql(`SELECT 'ok'::mood::mood2::text AS m`)).toEqual([{ m: 'ok' }]);
  });

  test('db:audit lists the binary-coercible cast among what needs a superuser', async () => {
    const { db } = await binarySource();
    const report = await auditDatabase({ url: source().url(db) });
    expect(report.notCarried).toEqual([expect.stringMatching(/^cast \(public\.span AS int4range\) WITHOUT FUNCTION \[casts\]/)]);
    expect(report.rds.superuserObjects).toEqual([expect.stringMatching(/^cast \(public\.span AS int4range\) WITHOUT FUNCTION/)]);
  });

  test('a cast between two built-in types refuses the run in preflight: only their owner, a superuser on RDS, may create it', async () => {
    const { db, vercel, rds } = await pair(`CREATE TABLE t (id int PRIMARY KEY)`);
    await source().sql(db, `CREATE CAST (point AS text) WITH INOUT`);
    const err = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1 }).catch((e: unknown) => e);
    expect((err as MigrationError).phase).toBe('preflight');
    expect((err as Error).message).toMatch(/cast \(point AS text\) \[casts\]: neither type is one the copy creates/);
    expect(await relationCount(target(), db)).toBe(0);
  });
});

describe('--force and the undo of a failed run', () => {
  const SHARED = `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); CREATE TYPE mood2 AS ENUM ('sad', 'ok', 'happy');
    CREATE CAST (mood AS mood2) WITH INOUT AS ASSIGNMENT;
    CREATE FUNCTION mood_score(m mood) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT array_position(enum_range(NULL::public.mood), m) $$;
    CREATE CAST (mood AS integer) WITH FUNCTION mood_score(mood);
    CREATE TABLE t (id int PRIMARY KEY, m mood, m2 mood2); INSERT INTO t SELECT g, 'ok', 'happy' FROM generate_series(1, 50) g;
    CREATE TABLE other (id int PRIMARY KEY); INSERT INTO other VALUES (1), (2);`;

  /** Casts a target database holds, as `source->target context method`. */
  async function castsOn(db: string): Promise<string[]> {
    const rows = await target().sql(
      db,
      `SELECT format('%s->%s %s %s', castsource::regtype, casttarget::regtype, castcontext, castmethod) AS c FROM pg_cast WHERE oid >= 16384 ORDER BY 1`,
    );
    return rows.map((r) => r.c as string);
  }

  async function copied() {
    const p = await pair(SHARED);
    expect((await copyDatabase({ from: p.vercel.url, to: p.rds.url, jobs: 1 })).ok).toBe(true);
    await p.vercel.sql(`UPDATE t SET m = 'sad' WHERE id % 3 = 0; INSERT INTO other VALUES (3)`);
    return p;
  }

  test('a --force rerun over a full copy drops and recreates the casts, and the target equals the source', async () => {
    const { db, vercel, rds } = await copied();
    const again = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1, force: true });
    expect(again.ok).toBe(true);
    expect(again.drops).toEqual(expect.arrayContaining(['DROP CAST IF EXISTS (public.mood AS public.mood2) CASCADE', 'DROP CAST IF EXISTS (public.mood AS integer) CASCADE']));
    expect(await judge(db)).toEqual(NO_DIFFERENCE);
  });

  test('a --force rerun refuses, naming it, when the CASCADE would take a cast that is only the target\'s', async () => {
    const { vercel, rds } = await copied();
    await rds.sql(`CREATE CAST (mood2 AS mood) WITH INOUT`);
    const err = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1, force: true }).catch((e: unknown) => e);
    expect((err as MigrationError).phase).toBe('preflight');
    expect((err as Error).message).toMatch(/not the source's: cast from public\.mood2 to public\.mood/);
  });

  test('a --force rerun refuses, naming it, when the CASCADE of a copied cast would take a view that is only the target\'s, and the view survives', async () => {
    const { vercel, rds } = await copied();
    await rds.sql(`CREATE VIEW public.scores AS SELECT 'happy'::public.mood::integer AS score`);
    const err = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1, force: true }).catch((e: unknown) => e);
    expect((err as MigrationError).phase).toBe('preflight');
    expect((err as Error).message).toMatch(/not the source's: .*view public\.scores/);
    expect(await rds.sql('SELECT score FROM public.scores')).toEqual([{ score: 3 }]);
  });

  test('a --force --tables rerun keeps the equal casts the target holds and reloads the tables', async () => {
    const { db, vercel, rds } = await copied();
    const again = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1, force: true, tables: { include: ['t', 'other'] } });
    expect(again.ok).toBe(true);
    expect(again.ddl).not.toMatch(/CREATE CAST/);
    expect(await judge(db)).toEqual(NO_DIFFERENCE);
    expect(await castsOn(db)).toEqual(['mood->integer e f', 'mood->mood2 a i']);
  });

  test('a --force --tables rerun refuses, naming it, when the target holds the cast in another context', async () => {
    const { vercel, rds } = await copied();
    await rds.sql(`DROP CAST (mood AS mood2); CREATE CAST (mood AS mood2) WITH INOUT AS IMPLICIT`);
    const err = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1, force: true, tables: { include: ['t'] } }).catch((e: unknown) => e);
    expect((err as MigrationError).phase).toBe('preflight');
    expect((err as Error).message).toMatch(/^\[preflight\] cast \(public\.mood AS public\.mood2\) differs on the target/);
  });

  test('a run that fails after schema:pre drops the casts it created, so a plain rerun succeeds', async () => {
    const { db, vercel, rds } = await pair(
      `${SHARED}${PAUSED_BIG_TABLE_SQL}`,
    );
    const { onEvent, killed } = killFirstDataWorkerAt(target());
    const err = await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1, onEvent }).catch((e: unknown) => e);
    await killed();
    expect((err as Error).message).toMatch(/^\[data\] table public\.big: connection lost .*undo/);
    expect(await castsOn(db)).toEqual([]);
    expect((await copyDatabase({ from: vercel.url, to: rds.url, jobs: 1 })).ok).toBe(true);
    await expectSameDatabase(source().url(db), target().url(db));
  });
});
