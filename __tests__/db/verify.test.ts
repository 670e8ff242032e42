/**
 * db:verify: counts and content hashes computed in the databases, schema and sequence comparison.
 * Two databases on one cluster are enough here (the copy tests use two clusters). pair() shapes
 * them as the providers do (../support/shapes.ts): the source owned by Vercel's non-superuser app
 * user, the target by RDS's non-superuser master, and verify runs as those users.
 */
import { Client } from 'pg';
import { tableHashSql, verifyDatabases } from '../../scripts/lib/db/verify';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel } from '../support/shapes';

const [cluster] = useClusters(1);
const SCHEMA = `
  CREATE TABLE items (id int PRIMARY KEY, name text, price numeric, seen timestamptz, f float8, data jsonb, raw bytea);
  CREATE INDEX items_name ON items (name);
  CREATE SEQUENCE counter;
`;
const ROWS = `INSERT INTO items SELECT g, 'item ' || g, g * 1.5, timestamptz '2025-01-01 00:00:00+00' + g * interval '1 day', g / 3.0, jsonb_build_object('g', g), '\\x00ff'
              FROM generate_series(1, 500) g; SELECT setval('counter', 42);`;
let n = 0;

async function pair(): Promise<{ a: string; b: string; an: string; bn: string }> {
  const an = `a${++n}`;
  const bn = `b${n}`;
  const source = await shapeVercel(cluster(), { database: an });
  const target = await shapeRds(cluster(), { database: bn });
  await source.sql(SCHEMA + ROWS);
  await target.sql(SCHEMA + ROWS);
  return { a: source.url, b: target.url, an, bn };
}

test('identical databases verify', async () => {
  const { a, b } = await pair();
  const r = await verifyDatabases({ from: a, to: b });
  expect(r.ok).toBe(true);
  expect(r.tables).toEqual([expect.objectContaining({ table: 'public.items', sourceRows: 500, targetRows: 500, match: true })]);
});

test('the hash ignores physical row order and the databases\' own TimeZone and DateStyle', async () => {
  const { a, bn } = await pair();
  const shuffled = await shapeRds(cluster(), { database: `${bn}_shuffled` });
  const b2 = shuffled.url;
  await shuffled.sql(SCHEMA + ROWS.replace('generate_series(1, 500) g', 'generate_series(500, 1, -1) g'));
  await cluster().sql('postgres', `ALTER DATABASE "${bn}_shuffled" SET TimeZone = 'Asia/Tokyo'; ALTER DATABASE "${bn}_shuffled" SET DateStyle = 'SQL, DMY'; ALTER DATABASE "${bn}_shuffled" SET extra_float_digits = 0`);
  const r = await verifyDatabases({ from: a, to: b2 });
  expect(r.tables.every((t) => t.match)).toBe(true);
  // The settings themselves are carried by a copy, so verify names them (and only them).
  expect(r.mismatches.sort()).toEqual([
    'schema: database-setting DateStyle extra on target',
    'schema: database-setting TimeZone extra on target',
    'schema: database-setting extra_float_digits extra on target',
  ]);
});

test('a changed value is a content mismatch naming the table', async () => {
  const { a, b, bn } = await pair();
  await cluster().sql(bn, `UPDATE items SET name = 'changed' WHERE id = 250`);
  const r = await verifyDatabases({ from: a, to: b });
  expect(r.ok).toBe(false);
  expect(r.mismatches).toEqual(['table public.items: content differs (same row count 500)']);
});

test('NULL and empty string are told apart', async () => {
  const { a, b, an, bn } = await pair();
  await cluster().sql(an, `UPDATE items SET name = NULL WHERE id = 1`);
  await cluster().sql(bn, `UPDATE items SET name = '' WHERE id = 1`);
  expect((await verifyDatabases({ from: a, to: b })).mismatches).toEqual(['table public.items: content differs (same row count 500)']);
});

test('a missing row is a row-count mismatch', async () => {
  const { a, b, bn } = await pair();
  await cluster().sql(bn, `DELETE FROM items WHERE id = 7`);
  expect((await verifyDatabases({ from: a, to: b })).mismatches).toEqual(['table public.items: 500 rows on source, 499 on target']);
});

test('a missing index and a different sequence value are named', async () => {
  const { a, b, bn } = await pair();
  await cluster().sql(bn, `DROP INDEX items_name; SELECT setval('counter', 7)`);
  const r = await verifyDatabases({ from: a, to: b });
  expect(r.mismatches.sort()).toEqual(['schema: index public.items_name missing on target', 'sequence public.counter: 42 on source, 7 on target']);
});

test('the hash query runs in constant memory: one aggregate row, no string_agg', () => {
  const sql = tableHashSql('public.items', ['id', 'name']);
  expect(sql).toBe('SELECT count(*)::bigint AS n, coalesce(sum(hashtextextended(ROW(t.id, t.name)::text, 0)), 0)::text AS h FROM ONLY public.items AS t');
  expect(sql).not.toMatch(/string_agg|array_agg/);
});

test('on 14+ rows are hashed by value, with types whose hash is cluster-specific (enums, composites) as text', () => {
  const sql = tableHashSql('public.items', [{ name: 'id', typeOid: 23 }, { name: 'mood', typeOid: 16500 }, { name: 'doc', typeOid: 114 }], 'record');
  expect(sql).toBe('SELECT count(*)::bigint AS n, coalesce(sum(hash_record_extended(ROW(t.id, t.mood::text, t.doc::text), 0)), 0)::text AS h FROM ONLY public.items AS t');
});

test('verification reads the source through an exported snapshot when given one', async () => {
  const { a, b, an } = await pair();
  const holder = new Client({ connectionString: a });
  await holder.connect();
  try {
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const { id } = (await holder.query('SELECT pg_export_snapshot() AS id')).rows[0];
    await cluster().sql(an, `INSERT INTO items VALUES (9999, 'late')`);
    expect((await verifyDatabases({ from: a, to: b })).ok).toBe(false);
    expect((await verifyDatabases({ from: a, to: b, sourceSnapshot: id })).ok).toBe(true);
  } finally {
    await holder.end();
  }
});

test.each([
  ['float -0 against 0', `f float8`, `'-0'`, `'0'`],
  ['numeric scale', `n numeric`, `1.0`, `1.000`],
  ['interval fields', `i interval`, `'1 day'`, `'24 hours'`],
  ['array bounds', `a int[]`, `'{1,2}'`, `'[0:1]={1,2}'`],
])('values that are equal but not the same are a content mismatch: %s', async (_kind, column, sourceValue, targetValue) => {
  const an = `exact_a${++n}`;
  const bn = `exact_b${n}`;
  const a = await cluster().createDatabase(an);
  const b = await cluster().createDatabase(bn);
  await cluster().sql(an, `CREATE TABLE t (id int, ${column}); INSERT INTO t VALUES (1, ${sourceValue})`);
  await cluster().sql(bn, `CREATE TABLE t (id int, ${column}); INSERT INTO t VALUES (1, ${targetValue})`);
  expect((await verifyDatabases({ from: a, to: b })).mismatches).toEqual(['table public.t: content differs (same row count 1)']);
});

test('tables with no columns or only generated columns are compared by their rows', async () => {
  const an = `nocol_a${++n}`;
  const bn = `nocol_b${n}`;
  const a = await cluster().createDatabase(an);
  const b = await cluster().createDatabase(bn);
  const ddl = `CREATE TABLE nothing (); CREATE TABLE only_generated (one int GENERATED ALWAYS AS (1) STORED);`;
  await cluster().sql(an, `${ddl} INSERT INTO nothing DEFAULT VALUES; INSERT INTO nothing DEFAULT VALUES; INSERT INTO only_generated DEFAULT VALUES`);
  await cluster().sql(bn, `${ddl} INSERT INTO nothing DEFAULT VALUES; INSERT INTO only_generated DEFAULT VALUES; INSERT INTO only_generated DEFAULT VALUES`);
  expect((await verifyDatabases({ from: a, to: b })).mismatches.sort()).toEqual([
    'table public.nothing: 2 rows on source, 1 on target',
    'table public.only_generated: 1 rows on source, 2 on target',
  ]);
});
