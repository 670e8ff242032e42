/**
 * What the copy refuses, skips or needs before it starts: objects that need a superuser are
 * named as not carried, an invalid index is skipped with a warning (as pg_dump does), the
 * roles the schema names are listed for the preflight, and tables without copyable columns.
 */
import { Client } from 'pg';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { assertCarried } from '../../scripts/lib/db/schema/carried';
import { readSchema, type SchemaModel } from '../../scripts/lib/db/schema/catalog';
import { requiredRoles } from '../../scripts/lib/db/schema/ddl';
import { assertRolesExist } from '../../scripts/lib/db/schema/roles';
import { expectSameDatabase } from '../support/compare';
import { useClusters } from '../support/postgres';

const [source, target] = useClusters(2);

async function modelOf(url: string): Promise<SchemaModel> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await readSchema(c);
  } finally {
    await c.end();
  }
}

describe('objects that need a superuser', () => {
  let model: SchemaModel;
  beforeAll(async () => {
    const url = await source().createDatabase('superuser_only');
    await source().sql(
      'superuser_only',
      `CREATE FUNCTION stop_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
       CREATE EVENT TRIGGER no_ddl ON ddl_command_start EXECUTE FUNCTION stop_ddl();
       CREATE FOREIGN DATA WRAPPER dummy_fdw;
       CREATE TYPE b4;
       CREATE FUNCTION b4_in(cstring) RETURNS b4 LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
       CREATE FUNCTION b4_out(b4) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
       CREATE TYPE b4 (INPUT = b4_in, OUTPUT = b4_out, LIKE = int4);`,
    );
    model = await modelOf(url);
  });

  test('are each named as not carried, with a kind for --skip and the superuser reason', () => {
    expect(model.unsupported).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'event-triggers', object: 'event trigger no_ddl', superuser: true }),
        expect.objectContaining({ kind: 'foreign-data-wrappers', object: 'foreign-data wrapper dummy_fdw', superuser: true }),
        expect.objectContaining({ kind: 'untrusted-functions', object: 'function public.b4_in(cstring) (LANGUAGE internal)', superuser: true }),
        expect.objectContaining({ kind: 'base-types', object: 'type public.b4', superuser: true }),
      ]),
    );
    for (const u of model.unsupported) expect(u.reason).toMatch(/superuser/);
  });

  test('make the copy refuse before any data moves, naming every object and the --skip that accepts the loss', () => {
    expect(() => assertCarried(model.unsupported)).toThrow(/^\[preflight\] the copy cannot carry 5 object\(s\); nothing was written/);
    for (const line of ['event trigger no_ddl [event-triggers]', 'foreign-data wrapper dummy_fdw [foreign-data-wrappers]', 'type public.b4 [base-types]', 'function public.b4_out(public.b4) (LANGUAGE internal) [untrusted-functions]']) {
      expect(() => assertCarried(model.unsupported)).toThrow(line);
    }
    expect(() => assertCarried(model.unsupported)).toThrow(/--skip base-types --skip untrusted-functions --skip foreign-data-wrappers --skip event-triggers$/);
    expect(assertCarried(model.unsupported, ['event-triggers', 'foreign-data-wrappers', 'untrusted-functions', 'base-types']).skipped).toHaveLength(model.unsupported.length);
  });
});

test('a per-role setting in the database is named as not carried', async () => {
  await source().sql('postgres', `CREATE ROLE tuned`);
  const url = await source().createDatabase('role_settings');
  await source().sql('postgres', `ALTER ROLE tuned IN DATABASE role_settings SET work_mem = '1MB'`);
  expect((await modelOf(url)).unsupported).toEqual([expect.objectContaining({ kind: 'role-settings', object: 'ALTER ROLE tuned IN DATABASE ... SET work_mem=1MB' })]);
});

test('a statistics target set on an index column is named as not carried, never dropped silently', async () => {
  const url = await source().createDatabase('index_stats');
  await source().sql('index_stats', `CREATE TABLE t (a int); CREATE INDEX t_expr ON t ((a + 1)); ALTER INDEX t_expr ALTER COLUMN 1 SET STATISTICS 500`);
  expect((await modelOf(url)).unsupported).toEqual([expect.objectContaining({ kind: 'index-statistics', object: 'public.t_expr column 1' })]);
});

test("db:sync's write freeze (default_transaction_read_only) is not read as a database setting to carry", async () => {
  const url = await source().createDatabase('frozen');
  await source().sql('postgres', `ALTER DATABASE frozen SET default_transaction_read_only = on; ALTER DATABASE frozen SET work_mem = '2MB'`);
  expect((await modelOf(url)).settings).toEqual(['work_mem=2MB']);
});

test('requiredRoles names every role that grants, default privileges and policies use', async () => {
  await source().sql('postgres', `CREATE ROLE r_reader; CREATE ROLE r_col; CREATE ROLE r_default; CREATE ROLE r_policy; CREATE ROLE r_owner_default`);
  const url = await source().createDatabase('roles');
  await source().sql(
    'roles',
    `CREATE TABLE t (id int, v text); GRANT SELECT ON t TO r_reader; GRANT UPDATE (v) ON t TO r_col;
     ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r_default;
     ALTER DEFAULT PRIVILEGES FOR ROLE r_owner_default GRANT SELECT ON TABLES TO PUBLIC;
     ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON t TO r_policy USING (true); CREATE POLICY everyone ON t FOR SELECT TO PUBLIC USING (true);`,
  );
  expect(requiredRoles(await modelOf(url))).toEqual(['r_col', 'r_default', 'r_owner_default', 'r_policy', 'r_reader']);
});

test('a role the schema names but the target lacks is refused in preflight, naming the role and its uses', async () => {
  await source().sql('postgres', `CREATE ROLE only_on_source`);
  await target().sql('postgres', `CREATE ROLE on_both`);
  await source().sql('postgres', `CREATE ROLE on_both`);
  const url = await source().createDatabase('role_check');
  await source().sql('role_check', `CREATE TABLE t (id int); GRANT SELECT ON t TO only_on_source, on_both; ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY mine ON t TO only_on_source USING (true)`);
  const model = await modelOf(url);
  const c = new Client({ connectionString: target().url() });
  await c.connect();
  try {
    await expect(assertRolesExist(c, model)).rejects.toThrow(/^\[preflight\] the target lacks role\(s\)[\s\S]*- only_on_source \(grant on TABLE public\.t, policy mine on public\.t\)$/m);
    await expect(assertRolesExist(c, model)).rejects.not.toThrow(/on_both/);
  } finally {
    await c.end();
  }
});

test('a leftover invalid index is skipped with a warning the report lists, and the target equals the source', async () => {
  const from = await source().createDatabase('invalid_index');
  await source().sql('invalid_index', `CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, 'a'), (1, 'b'); CREATE INDEX t_v ON t (v)`);
  await expect(source().sql('invalid_index', `CREATE UNIQUE INDEX CONCURRENTLY t_id_unique ON t (id)`)).rejects.toThrow(/could not create unique index/);
  const to = await target().createDatabase('invalid_index');
  const summary = await copyDatabase({ from, to, jobs: 1 });
  expect(summary.skipped).toEqual([expect.stringMatching(/^index public\.t_id_unique on public\.t \(invalid on the source/)]);
  expect(summary.warnings.join('\n')).toMatch(/t_id_unique/);
  expect(summary.verify?.ok).toBe(true);
  await expectSameDatabase(from, to);
});

// Known failure, copy side: copy/table-data.ts writes `COPY t () TO STDOUT` when a table has no
// copyable column (syntax error). The schema side (DDL, verify) handles these tables; see
// verify.test.ts. Turn this back into test() when the copy omits the empty column list.
test('tables with no columns and with only generated columns are carried with their rows', async () => {
  const from = await source().createDatabase('no_columns');
  await source().sql(
    'no_columns',
    `CREATE TABLE nothing (); INSERT INTO nothing DEFAULT VALUES; INSERT INTO nothing DEFAULT VALUES;
     CREATE TABLE only_generated (one int GENERATED ALWAYS AS (1) STORED); INSERT INTO only_generated DEFAULT VALUES;`,
  );
  const to = await target().createDatabase('no_columns');
  const summary = await copyDatabase({ from, to, jobs: 1 });
  expect(summary.verify?.mismatches).toEqual([]);
  await expectSameDatabase(from, to);
});
