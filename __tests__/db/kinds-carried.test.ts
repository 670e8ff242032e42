/**
 * One case per object kind: the copy carries it exactly (judged by pg_dump and row hashes in
 * support/compare.ts, never by the engine's own verify), and the engine's verify fails when
 * the target loses or changes that kind.
 */
import { copyDatabase, type CopySummary } from '../../scripts/lib/db/copy/index';
import { verifyDatabases } from '../../scripts/lib/db/verify';
import { compareDatabases, NO_DIFFERENCE } from '../support/compare';
import { useClusters } from '../support/postgres';

const [source, target] = useClusters(2);

interface KindCase {
  /** Short id, also the database name. */
  readonly id: string;
  /** Source schema and data; `db` is the source database name. */
  readonly sql: (db: string) => string;
  /** Changes the target so it no longer equals the source in this kind; `db` is the target database name. */
  readonly tamper: (db: string) => string;
  /** What verify must say about the tampered target. */
  readonly mismatch: RegExp;
}

const CASES: KindCase[] = [
  {
    id: 'rules',
    sql: () => `CREATE TABLE t (id int PRIMARY KEY, v text); CREATE TABLE deleted (v text); CREATE VIEW tv AS SELECT id, v FROM t;
      CREATE RULE tv_ins AS ON INSERT TO tv DO INSTEAD INSERT INTO t VALUES (NEW.id, upper(NEW.v));
      CREATE RULE t_del AS ON DELETE TO t DO ALSO INSERT INTO deleted VALUES (OLD.v);
      INSERT INTO tv VALUES (1, 'a'), (2, 'b'); DELETE FROM t WHERE id = 2;`,
    tamper: () => `DROP RULE tv_ins ON tv`,
    mismatch: /schema: rule public\.tv\.tv_ins missing on target/,
  },
  {
    id: 'view_triggers',
    sql: () => `CREATE TABLE t (id int PRIMARY KEY, v text); CREATE VIEW tv AS SELECT id, v FROM t;
      CREATE FUNCTION tv_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (NEW.id, NEW.v); RETURN NEW; END $$;
      CREATE TRIGGER tv_insert INSTEAD OF INSERT ON tv FOR EACH ROW EXECUTE FUNCTION tv_write();
      INSERT INTO tv VALUES (1, 'x');`,
    tamper: () => `DROP TRIGGER tv_insert ON tv`,
    mismatch: /schema: trigger public\.tv\.tv_insert missing on target/,
  },
  {
    id: 'replica_identity',
    sql: () => `CREATE TABLE full_t (id int, v text); ALTER TABLE full_t REPLICA IDENTITY FULL;
      CREATE TABLE idx_t (id int NOT NULL, v text); CREATE UNIQUE INDEX idx_t_id ON idx_t (id); ALTER TABLE idx_t REPLICA IDENTITY USING INDEX idx_t_id;
      CREATE TABLE none_t (id int PRIMARY KEY); ALTER TABLE none_t REPLICA IDENTITY NOTHING;
      INSERT INTO full_t VALUES (1, 'a'); INSERT INTO idx_t VALUES (1, 'a');`,
    tamper: () => `ALTER TABLE full_t REPLICA IDENTITY DEFAULT`,
    mismatch: /schema: replica-identity public\.full_t missing on target/,
  },
  {
    id: 'partition_columns',
    sql: () => `CREATE TABLE m (id int, day date NOT NULL, note text, kind text DEFAULT 'parent') PARTITION BY RANGE (day);
      CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      ALTER TABLE m_2024 ALTER COLUMN note SET NOT NULL;
      ALTER TABLE m_2025 ALTER COLUMN note SET DEFAULT 'only 2025';
      ALTER TABLE m_2025 ALTER COLUMN kind DROP DEFAULT;
      INSERT INTO m (id, day, note) VALUES (1, '2024-05-01', 'n'), (2, '2025-05-01', DEFAULT);`,
    tamper: (db) => `ALTER TABLE m_2025 ALTER COLUMN note DROP DEFAULT -- ${db}`,
    mismatch: /schema: column-default public\.m_2025\.note missing on target/,
  },
  {
    id: 'extended_statistics',
    sql: () => `CREATE TABLE t (a int, b int, c text); INSERT INTO t SELECT g % 10, g % 20, 'x' FROM generate_series(1, 100) g;
      CREATE STATISTICS t_ab (ndistinct, dependencies) ON a, b FROM t; ALTER STATISTICS t_ab SET STATISTICS 500;
      CREATE STATISTICS t_expr ON (a + b), c FROM t;`,
    tamper: () => `DROP STATISTICS t_expr`,
    mismatch: /schema: statistics public\.t_expr missing on target/,
  },
  {
    id: 'column_settings',
    sql: () => `CREATE TABLE t (a int, b text, c text, d int); INSERT INTO t VALUES (1, 'x', 'y', 2);
      ALTER TABLE t ALTER COLUMN a SET STATISTICS 700; ALTER TABLE t ALTER COLUMN b SET STORAGE EXTERNAL;
      ALTER TABLE t ALTER COLUMN c SET COMPRESSION lz4; ALTER TABLE t ALTER COLUMN d SET (n_distinct = 42, n_distinct_inherited = -0.5);
      CREATE TABLE p (k int, body text) PARTITION BY LIST (k); ALTER TABLE p ALTER COLUMN body SET STORAGE MAIN; ALTER TABLE p ALTER COLUMN k SET STATISTICS 300;
      CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1); CREATE TABLE p2 PARTITION OF p FOR VALUES IN (2);
      ALTER TABLE p2 ALTER COLUMN body SET STORAGE EXTENDED; ALTER TABLE p1 ALTER COLUMN k SET STATISTICS 50;`,
    tamper: () => `ALTER TABLE t ALTER COLUMN a SET STATISTICS -1`,
    mismatch: /schema: column-statistics public\.t\.a missing on target/,
  },
  {
    id: 'cluster_on',
    sql: () => `CREATE TABLE t (id int PRIMARY KEY, v text); CREATE INDEX t_v ON t (v); INSERT INTO t VALUES (1, 'a'); CLUSTER t USING t_v;`,
    tamper: () => `ALTER TABLE t SET WITHOUT CLUSTER`,
    mismatch: /schema: cluster-on public\.t missing on target/,
  },
  {
    id: 'database_settings',
    sql: (db) => `CREATE SCHEMA app; CREATE TABLE app.t (id int);
      ALTER DATABASE ${db} SET search_path = app, "$user", public; ALTER DATABASE ${db} SET work_mem = '8MB';
      ALTER DATABASE ${db} SET default_text_search_config = 'pg_catalog.simple'`,
    tamper: (db) => `ALTER DATABASE ${db} RESET search_path`,
    mismatch: /schema: database-setting search_path missing on target/,
  },
  {
    id: 'grants_tables',
    sql: () => `CREATE TABLE t (id int); CREATE VIEW v AS SELECT id FROM t;
      GRANT SELECT, INSERT ON t TO app_writer WITH GRANT OPTION; GRANT SELECT ON v TO app_reader; REVOKE TRUNCATE ON t FROM CURRENT_USER;`,
    tamper: () => `REVOKE SELECT ON v FROM app_reader`,
    mismatch: /schema: privileges TABLE public\.v GRANT TO app_reader missing on target/,
  },
  {
    id: 'grants_columns',
    sql: () => `CREATE TABLE t (id int, email text, secret text); GRANT SELECT (id, email), UPDATE (email) ON t TO app_writer;`,
    tamper: () => `REVOKE UPDATE (email) ON t FROM app_writer`,
    mismatch: /schema: privileges COLUMN public\.t\.email GRANT TO app_writer differs/,
  },
  {
    id: 'grants_sequences',
    sql: () => `CREATE SEQUENCE free_seq; CREATE TABLE t (id serial); GRANT USAGE ON SEQUENCE free_seq TO app_writer; GRANT SELECT, UPDATE ON SEQUENCE t_id_seq TO app_reader;`,
    tamper: () => `REVOKE USAGE ON SEQUENCE free_seq FROM app_writer`,
    mismatch: /schema: privileges SEQUENCE public\.free_seq GRANT TO app_writer missing on target/,
  },
  {
    id: 'grants_functions',
    sql: () => `CREATE FUNCTION whoami() RETURNS text LANGUAGE sql SECURITY DEFINER AS 'SELECT current_user::text';
      REVOKE EXECUTE ON FUNCTION whoami() FROM PUBLIC; GRANT EXECUTE ON FUNCTION whoami() TO app_writer;
      CREATE PROCEDURE tidy() LANGUAGE sql AS 'SELECT 1'; REVOKE ALL ON PROCEDURE tidy() FROM PUBLIC;`,
    tamper: () => `GRANT EXECUTE ON FUNCTION whoami() TO PUBLIC`,
    mismatch: /schema: privileges FUNCTION public\.whoami\(\) REVOKE FROM PUBLIC missing on target/,
  },
  {
    id: 'grants_schemas_types',
    sql: () => `CREATE SCHEMA app; GRANT USAGE ON SCHEMA app TO app_reader; GRANT CREATE ON SCHEMA app TO app_writer;
      CREATE TYPE app.mood AS ENUM ('ok'); REVOKE USAGE ON TYPE app.mood FROM PUBLIC; GRANT USAGE ON TYPE app.mood TO app_reader;
      CREATE DOMAIN app.pos AS int CHECK (VALUE > 0); REVOKE ALL ON DOMAIN app.pos FROM PUBLIC;
      REVOKE CREATE ON SCHEMA public FROM PUBLIC;`,
    tamper: () => `REVOKE USAGE ON SCHEMA app FROM app_reader`,
    mismatch: /schema: privileges SCHEMA app GRANT TO app_reader missing on target/,
  },
  {
    id: 'default_privileges',
    sql: () => `CREATE SCHEMA app;
      ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO app_reader;
      ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO app_writer;
      ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
      ALTER DEFAULT PRIVILEGES FOR ROLE app_writer IN SCHEMA app GRANT SELECT ON TABLES TO app_reader;
      CREATE TABLE app.t (id serial); CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';`,
    tamper: () => `ALTER DEFAULT PRIVILEGES IN SCHEMA app REVOKE SELECT ON TABLES FROM app_reader`,
    mismatch: /schema: default-privileges CURRENT_USER in app on TABLES GRANT TO app_reader missing on target/,
  },
  {
    id: 'aggregates',
    sql: () => `CREATE FUNCTION concat_step(acc text, v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN acc = '' THEN v ELSE acc || ',' || v END $$;
      CREATE FUNCTION concat_done(acc text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT '[' || acc || ']' $$;
      CREATE AGGREGATE group_concat(text) (SFUNC = concat_step, STYPE = text, FINALFUNC = concat_done, INITCOND = '', PARALLEL = SAFE);
      CREATE FUNCTION sum_step(acc int8, v int) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT acc + v';
      CREATE FUNCTION sum_undo(acc int8, v int) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT acc - v';
      CREATE AGGREGATE moving_sum(int) (SFUNC = sum_step, STYPE = int8, INITCOND = '0', MSFUNC = sum_step, MINVFUNC = sum_undo, MSTYPE = int8, MINITCOND = '0');
      CREATE TABLE t (g int, v text); INSERT INTO t VALUES (1, 'a'), (1, 'b'), (2, 'c');
      CREATE VIEW grouped AS SELECT g, group_concat(v ORDER BY v) AS vs, moving_sum(g) OVER (ORDER BY g ROWS 1 PRECEDING) AS ms FROM t GROUP BY g;
      CREATE MATERIALIZED VIEW grouped_m AS SELECT g, group_concat(v ORDER BY v) AS vs FROM t GROUP BY g;`,
    tamper: () => `DROP VIEW grouped; DROP AGGREGATE moving_sum(int)`,
    mismatch: /schema: function public\.moving_sum\(integer\) missing on target/,
  },
  {
    id: 'range_types',
    sql: () => `CREATE TYPE floatrange AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi);
      CREATE TYPE textrange_c AS RANGE (SUBTYPE = text, COLLATION = "C");
      CREATE TABLE t (r floatrange, rs floatmultirange, tr textrange_c); INSERT INTO t VALUES ('[1.5,2.5)', '{[1,2),[3,4)}', '[a,b)');`,
    tamper: () => `ALTER TABLE t DROP COLUMN tr; DROP TYPE textrange_c`,
    mismatch: /schema: type public\.textrange_c missing on target/,
  },
  {
    id: 'collations',
    sql: () => `CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
      CREATE COLLATION posix_c (provider = libc, locale = 'C');
      CREATE TABLE t (name text COLLATE nocase, code text COLLATE posix_c); CREATE UNIQUE INDEX t_name ON t (name);
      INSERT INTO t VALUES ('Alice', 'b'), ('bob', 'a');`,
    tamper: () => `DROP TABLE t; DROP COLLATION nocase`,
    mismatch: /schema: collation public\.nocase missing on target/,
  },
  {
    id: 'operators',
    sql: () => `CREATE FUNCTION near(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a - b) < 0.01';
      CREATE FUNCTION far(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a - b) >= 0.01';
      CREATE OPERATOR === (FUNCTION = near, LEFTARG = float8, RIGHTARG = float8, COMMUTATOR = ===, NEGATOR = !==, RESTRICT = eqsel, JOIN = eqjoinsel);
      CREATE OPERATOR !== (FUNCTION = far, LEFTARG = float8, RIGHTARG = float8, COMMUTATOR = !==, NEGATOR = ===);
      CREATE TABLE t (x float8); INSERT INTO t VALUES (1.0), (1.005); CREATE VIEW close_to_one AS SELECT x FROM t WHERE x === 1.0;`,
    tamper: () => `DROP VIEW close_to_one; DROP OPERATOR !== (float8, float8)`,
    mismatch: /schema: operator public\.!==\(double precision,double precision\) missing on target/,
  },
  {
    id: 'domain_not_valid',
    sql: () => `CREATE DOMAIN positive AS int; CREATE TABLE t (x positive); INSERT INTO t VALUES (-5), (3);
      ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;`,
    tamper: () => `ALTER DOMAIN positive DROP CONSTRAINT positive_check`,
    mismatch: /schema: domain-check public\.positive\.positive_check missing on target/,
  },
  {
    id: 'matview_content',
    sql: () => `CREATE TABLE t (k text, n int); INSERT INTO t VALUES ('a', 1), ('b', 2), ('b', 3);
      CREATE MATERIALIZED VIEW totals AS SELECT k, sum(n) AS n FROM t GROUP BY k;`,
    tamper: () => `UPDATE t SET n = 10 WHERE k = 'a'; REFRESH MATERIALIZED VIEW totals; UPDATE t SET n = 1 WHERE k = 'a'`,
    mismatch: /^materialized view public\.totals: content differs/m,
  },
  {
    id: 'free_sequences',
    sql: () => `CREATE SEQUENCE ticket START 100; CREATE TABLE t (id int DEFAULT nextval('ticket')); INSERT INTO t DEFAULT VALUES; INSERT INTO t DEFAULT VALUES;`,
    tamper: () => `SELECT setval('ticket', 100)`,
    mismatch: /^sequence public\.ticket: 101 on source, 100 on target$/m,
  },
];

beforeAll(async () => {
  for (const c of [source(), target()]) await c.sql('postgres', `CREATE ROLE app_reader; CREATE ROLE app_writer`);
});

describe.each(CASES)('$id', ({ id, sql, tamper, mismatch }) => {
  let from: string;
  let to: string;
  let summary: CopySummary;
  beforeAll(async () => {
    from = await source().createDatabase(id);
    await source().sql(id, sql(id));
    to = await target().createDatabase(id);
    summary = await copyDatabase({ from, to, jobs: 1 });
  }, 60000);

  test('is carried exactly: pg_dump, rows, sequences and settings of the target equal the source', async () => {
    expect(summary.verify?.mismatches).toEqual([]);
    expect(await compareDatabases(from, to)).toEqual(NO_DIFFERENCE);
  });

  test('verify fails when the target differs in it', async () => {
    await target().sql(id, tamper(id));
    const report = await verifyDatabases({ from, to });
    expect(report.ok).toBe(false);
    expect(report.mismatches.join('\n')).toMatch(mismatch);
  });
});
