/**
 * Object order from pg_depend, not from kinds, where a kind can depend on a later one (issue
 * 20, "loud failures on real schemas"): each schema below failed the copy outright. Judged by
 * support/compare.ts, from a Vercel-shaped source to an RDS-shaped target.
 */
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { verifyDatabases } from '../../scripts/lib/db/verify';
import { compareDatabases, NO_DIFFERENCE } from '../support/compare';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';

const [src, dst] = useClusters(2);

async function pair(id: string, sql: string, asSuperuser = ''): Promise<{ source: ShapedDatabase; target: ShapedDatabase }> {
  const source = await shapeVercel(src(), { database: id });
  if (asSuperuser) await src().sql(id, asSuperuser);
  if (sql) await source.sql(sql);
  return { source, target: await shapeRds(dst(), { database: id }) };
}

const judge = (s: ShapedDatabase, t: ShapedDatabase) => compareDatabases(s.cluster.url(s.database), t.cluster.url(t.database));

const CASES: { id: string; title: string; sql: string }[] = [
  {
    id: 'group_by_key',
    title: 'views that rely on GROUP BY of a primary key are created after the key (and the views reading them after those)',
    sql: `CREATE TABLE customers (id int PRIMARY KEY, name text); CREATE TABLE invoices (id int PRIMARY KEY, customer int REFERENCES customers, cents int);
      INSERT INTO customers VALUES (1, 'a'), (2, 'b'); INSERT INTO invoices VALUES (1, 1, 100), (2, 1, 50), (3, 2, 7);
      CREATE VIEW billed AS SELECT c.id, c.name, sum(i.cents) AS cents FROM customers c JOIN invoices i ON i.customer = c.id GROUP BY c.id;
      CREATE VIEW big_spenders AS SELECT name FROM billed WHERE cents > 10;
      CREATE MATERIALIZED VIEW billed_m AS SELECT c.id, c.name, count(*) AS n FROM customers c JOIN invoices i ON i.customer = c.id GROUP BY c.id;
      CREATE UNIQUE INDEX billed_m_id ON billed_m (id); COMMENT ON VIEW billed IS 'per customer'; GRANT SELECT ON billed TO PUBLIC;`,
  },
  {
    id: 'check_on_row_type',
    title: 'a check constraint calling a function over the table\'s row type is added after that function',
    sql: `CREATE TABLE spans (lo int, hi int); CREATE FUNCTION ordered(s spans) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1.lo <= $1.hi';
      ALTER TABLE spans ADD CONSTRAINT spans_ordered CHECK (ordered(spans)); INSERT INTO spans VALUES (1, 2), (3, 3);
      CREATE TABLE pairs (a int, b int); CREATE FUNCTION distinct_pair(p pairs[]) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1[1].a <> $1[1].b';
      ALTER TABLE pairs ADD CONSTRAINT pairs_distinct CHECK (distinct_pair(ARRAY[pairs])); INSERT INTO pairs VALUES (1, 2);`,
  },
  {
    id: 'aggregate_comments',
    title: 'COMMENT ON AGGREGATE and GRANT on a zero-argument and an ordered-set aggregate parse',
    sql: `CREATE AGGREGATE newcnt(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '0'); COMMENT ON AGGREGATE newcnt(*) IS 'counts rows';
      CREATE FUNCTION pct_step(s anyarray, v anyelement) RETURNS anyarray LANGUAGE sql IMMUTABLE AS 'SELECT array_append(s, v)';
      CREATE FUNCTION pct_final(s anyarray, p float8, v anyelement) RETURNS anyelement LANGUAGE sql IMMUTABLE AS 'SELECT s[greatest(1, ceil(p * array_length(s, 1))::int)]';
      CREATE AGGREGATE my_pct(float8 ORDER BY anyelement) (SFUNC = pct_step, STYPE = anyarray, FINALFUNC = pct_final, FINALFUNC_EXTRA, INITCOND = '{}');
      COMMENT ON AGGREGATE my_pct(float8 ORDER BY anyelement) IS 'a percentile';
      REVOKE EXECUTE ON FUNCTION newcnt() FROM PUBLIC; REVOKE EXECUTE ON FUNCTION my_pct(float8, anyelement) FROM PUBLIC;
      CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2);`,
  },
];

describe.each(CASES)('$title', ({ id, sql }) => {
  test('copies, and the target equals the source', async () => {
    const { source, target } = await pair(id, sql);
    const summary = await copyDatabase({ from: source.url, to: target.url, jobs: 1 });
    expect(summary.verify?.mismatches).toEqual([]);
    expect(await judge(source, target)).toEqual(NO_DIFFERENCE);
  }, 60000);
});

test('verify fails when a view created after the keys is missing on the target', async () => {
  const { source, target } = await pair('group_by_key_tamper', CASES[0].sql);
  await copyDatabase({ from: source.url, to: target.url, jobs: 1 });
  await target.sql('DROP VIEW big_spenders; DROP VIEW billed');
  const report = await verifyDatabases({ from: source.url, to: target.url });
  expect(report.mismatches).toEqual(expect.arrayContaining(['schema: view public.billed missing on target', 'schema: view public.big_spenders missing on target']));
}, 60000);

describe('--skip base-types', () => {
  let source: ShapedDatabase;
  let target: ShapedDatabase;
  beforeAll(async () => {
    ({ source, target } = await pair(
      'base_types',
      '',
      `CREATE TYPE tag; CREATE FUNCTION tag_in(cstring) RETURNS tag LANGUAGE internal IMMUTABLE STRICT AS 'textin';
       CREATE FUNCTION tag_out(tag) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
       CREATE TYPE tag (INPUT = tag_in, OUTPUT = tag_out, LIKE = text);
       CREATE TABLE notes (id int PRIMARY KEY, label tag); CREATE FUNCTION shout(t tag) RETURNS text LANGUAGE sql AS 'SELECT upper($1::text)';
       CREATE TABLE plain (id int PRIMARY KEY); ALTER TABLE notes OWNER TO "default"; ALTER TABLE plain OWNER TO "default";`,
    ));
  }, 60000);

  test('refuses naming the objects that depend on the type, before anything is written', async () => {
    const err = await copyDatabase({ from: source.url, to: target.url, skip: ['base-types', 'untrusted-functions'] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain('type public.tag');
    expect(message).toContain('column label of table public.notes');
    expect(message).toContain('function public.shout(public.tag)');
    expect(message).toMatch(/--skip base-types cannot skip it/);
    const [{ n }] = await target.sql(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`);
    expect(n).toBe(0);
  });

  test('copies once the dependents are gone from the source, skipping only the type', async () => {
    await src().sql('base_types', 'DROP TABLE notes; DROP FUNCTION shout(tag)');
    const summary = await copyDatabase({ from: source.url, to: target.url, skip: ['base-types', 'untrusted-functions'] });
    expect(summary.ok).toBe(true);
    expect(summary.notCarried.map((n) => n.object)).toContain('type public.tag');
  });
});
