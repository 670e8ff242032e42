/**
 * The independent judge (support/compare.ts) sees what `pg_dump --schema-only` hides or leaves
 * out without --create: two databases equal but for one such thing are judged different, and
 * named. (The engine is not involved: both databases are made here by hand.)
 */
import { compareDatabases, NO_DIFFERENCE } from '../support/compare';
import { useClusters } from '../support/postgres';

const [pg] = useClusters(1);

const BASE = `CREATE EXTENSION pgcrypto; CREATE TABLE big (id int, b text);
  CREATE TABLE hist (id int, v int, ts date) PARTITION BY RANGE (ts); CREATE TABLE hist_2024 PARTITION OF hist FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; CREATE TRIGGER tr BEFORE INSERT ON hist FOR EACH ROW EXECUTE FUNCTION f();`;

const CASES: { what: string; change: (db: string) => string; key: string }[] = [
  { what: 'an extension member\'s privileges', change: () => 'REVOKE EXECUTE ON FUNCTION gen_random_bytes(int) FROM PUBLIC', key: 'acl function gen_random_bytes(integer)' },
  { what: 'a language\'s privileges', change: () => 'REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC', key: 'acl language plpgsql' },
  { what: 'a catalog column\'s privileges', change: () => 'GRANT SELECT (rolname) ON pg_authid TO PUBLIC', key: 'acl column rolname of table pg_authid' },
  { what: 'TOAST options', change: () => 'ALTER TABLE big SET (toast.autovacuum_enabled = false)', key: 'toast big' },
  { what: 'a trigger\'s state on a partition', change: () => 'ALTER TABLE hist_2024 DISABLE TRIGGER tr', key: 'trigger hist_2024.tr' },
  {
    what: 'the column order of a partition',
    change: () => `ALTER TABLE hist DETACH PARTITION hist_2024; DROP TABLE hist_2024; CREATE TABLE hist_2024 (v int, id int, ts date);
      ALTER TABLE hist ATTACH PARTITION hist_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`,
    key: 'columns hist_2024',
  },
  { what: 'a shell type', change: () => 'CREATE TYPE pending', key: 'shell type pending' },
  { what: 'the database\'s privileges', change: (db) => `REVOKE TEMPORARY ON DATABASE ${db} FROM PUBLIC`, key: 'database acl' },
  { what: 'the database\'s comment', change: (db) => `COMMENT ON DATABASE ${db} IS 'x'`, key: 'database comment' },
  { what: 'the database\'s connection limit', change: (db) => `ALTER DATABASE ${db} CONNECTION LIMIT 7`, key: 'database connection limit' },
];

test.each(CASES)('sees $what', async ({ change, key }) => {
  const n = CASES.findIndex((c) => c.key === key);
  const [a, b] = [`j${n}a`, `j${n}b`];
  const urls = [await pg().createDatabase(a), await pg().createDatabase(b)];
  for (const db of [a, b]) await pg().sql(db, BASE);
  expect(await compareDatabases(urls[0], urls[1])).toEqual(NO_DIFFERENCE);
  await pg().sql(b, change(b));
  const diff = await compareDatabases(urls[0], urls[1]);
  expect(Object.keys(diff.catalog)).toContain(key);
  expect(diff.catalog[key].source).not.toEqual(diff.catalog[key].target);
});

test('sees a tablespace', async () => {
  const { mkdirSync, chownSync, statSync } = await import('node:fs');
  const dir = `${pg().dir}/judge_ts`;
  mkdirSync(dir, { recursive: true });
  const owner = statSync(pg().dir);
  chownSync(dir, owner.uid, owner.gid);
  await pg().sql('postgres', `CREATE TABLESPACE judge_ts LOCATION '${dir}'`);
  const urls = [await pg().createDatabase('jts_a'), await pg().createDatabase('jts_b')];
  await pg().sql('jts_a', 'CREATE TABLE t (id int)');
  await pg().sql('jts_b', 'CREATE TABLE t (id int) TABLESPACE judge_ts');
  expect((await compareDatabases(urls[0], urls[1])).catalog).toEqual({ 'tablespace t': { source: undefined, target: 'judge_ts' } });
});
