/**
 * The cases issue 20 reproduced as "exit 0 with verify: OK over a target that differs", from a
 * Vercel-shaped source to an RDS-shaped target: each is carried exactly (judged by
 * support/compare.ts, pg_dump plus what it cannot see, never by the engine's verify) and the
 * engine's verify fails when the target loses it; or, where the RDS-shaped target cannot take
 * it, the copy refuses it by name before anything is written, and verify still sees it.
 */
import { copyDatabase, type CopySummary } from '../../scripts/lib/db/copy/index';
import { verifyDatabases } from '../../scripts/lib/db/verify';
import { compareDatabases, NO_DIFFERENCE } from '../support/compare';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';

const [src, dst] = useClusters(2);

beforeAll(async () => {
  for (const c of [src(), dst()]) await c.sql('postgres', `CREATE ROLE app_reader; CREATE ROLE svc_owner`);
  // the RDS master user's name exists on the source too (Supabase-style grants name it)
  await src().sql('postgres', `CREATE ROLE venturenudge_admin`);
});

/** A Vercel-shaped source database `id` with `sql` run as its user, and an empty RDS-shaped target. */
async function pair(id: string, sql: string, asSuperuser = ''): Promise<{ source: ShapedDatabase; target: ShapedDatabase }> {
  const source = await shapeVercel(src(), { database: id });
  if (asSuperuser) await src().sql(id, asSuperuser);
  if (sql) await source.sql(sql);
  const target = await shapeRds(dst(), { database: id });
  return { source, target };
}

/** The judge, as the clusters' superuser (row security cannot hide rows from it). */
const judge = (s: ShapedDatabase, t: ShapedDatabase) => compareDatabases(s.cluster.url(s.database), t.cluster.url(t.database));

interface CarriedCase {
  readonly id: string;
  readonly sql: (db: string) => string;
  /** Run on the target (as the RDS user) so it no longer equals the source in this case. */
  readonly tamper: (db: string) => string;
  readonly mismatch: RegExp;
}

const CARRIED: CarriedCase[] = [
  {
    id: 'toast_options',
    sql: () => `CREATE TABLE big (id int PRIMARY KEY, b text) WITH (toast.autovacuum_enabled = false, fillfactor = 90); INSERT INTO big VALUES (1, repeat('x', 9000));
      CREATE MATERIALIZED VIEW big_m WITH (toast.autovacuum_enabled = false) AS SELECT * FROM big;`,
    tamper: () => `ALTER TABLE big RESET (toast.autovacuum_enabled)`,
    mismatch: /schema: table public\.big differs/,
  },
  {
    id: 'partition_column_order',
    sql: () => `CREATE TABLE hist (id int, v int NOT NULL, ts date, CONSTRAINT v_pos CHECK (v >= 0)) PARTITION BY RANGE (ts);
      CREATE TABLE hist_2024 (v int NOT NULL, id int, ts date, CONSTRAINT v_pos CHECK (v >= 0));
      ALTER TABLE hist ATTACH PARTITION hist_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE hist_2025 PARTITION OF hist FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      INSERT INTO hist VALUES (1, 10, '2024-03-01'), (2, 20, '2025-03-01');`,
    tamper: () => `ALTER TABLE hist DETACH PARTITION hist_2024; DROP TABLE hist_2024;
      CREATE TABLE hist_2024 PARTITION OF hist FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'); INSERT INTO hist VALUES (1, 10, '2024-03-01')`,
    mismatch: /schema: table public\.hist_2024 differs/,
  },
  {
    id: 'partition_trigger_state',
    sql: () => `CREATE TABLE hist (id int, v int, ts date) PARTITION BY RANGE (ts);
      CREATE TABLE hist_2024 PARTITION OF hist FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE hist_2025 PARTITION OF hist FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.v := -1; RETURN NEW; END$$;
      CREATE TRIGGER tr BEFORE INSERT ON hist FOR EACH ROW EXECUTE FUNCTION f();
      ALTER TABLE hist_2024 DISABLE TRIGGER tr;
      INSERT INTO hist VALUES (1, 5, '2024-03-01'), (2, 5, '2025-03-01');`,
    tamper: () => `ALTER TABLE hist_2024 ENABLE TRIGGER tr`,
    mismatch: /schema: trigger-state public\.hist_2024\.tr missing on target/,
  },
  {
    id: 'matview_column_settings',
    sql: () => `CREATE TABLE big (id int PRIMARY KEY, b text); INSERT INTO big VALUES (1, 'a');
      CREATE MATERIALIZED VIEW mv AS SELECT * FROM big;
      ALTER MATERIALIZED VIEW mv ALTER COLUMN b SET COMPRESSION pglz; ALTER MATERIALIZED VIEW mv ALTER COLUMN id SET STATISTICS 400;
      ALTER MATERIALIZED VIEW mv ALTER COLUMN b SET STORAGE MAIN;`,
    tamper: () => `ALTER MATERIALIZED VIEW mv ALTER COLUMN b SET COMPRESSION default`,
    mismatch: /schema: column-compression public\.mv\.b missing on target/,
  },
  {
    id: 'database_level',
    sql: (db) => `CREATE TABLE t (id int);
      REVOKE CONNECT, TEMPORARY ON DATABASE ${db} FROM PUBLIC; GRANT CONNECT ON DATABASE ${db} TO app_reader;
      COMMENT ON DATABASE ${db} IS 'the app''s data'; ALTER DATABASE ${db} CONNECTION LIMIT 40;`,
    tamper: (db) => `GRANT TEMPORARY ON DATABASE ${db} TO PUBLIC`,
    mismatch: /schema: database-privileges REVOKE FROM PUBLIC differs/,
  },
];

describe.each(CARRIED)('$id', ({ id, sql, tamper, mismatch }) => {
  let source: ShapedDatabase;
  let target: ShapedDatabase;
  let summary: CopySummary;
  beforeAll(async () => {
    ({ source, target } = await pair(id, sql(id)));
    summary = await copyDatabase({ from: source.url, to: target.url, jobs: 1 });
  }, 60000);

  test('is carried exactly from a Vercel-shaped source to an RDS-shaped target', async () => {
    expect(summary.verify?.mismatches).toEqual([]);
    expect(await judge(source, target)).toEqual(NO_DIFFERENCE);
  });

  test('verify fails when the target differs in it', async () => {
    await target.sql(tamper(id));
    const report = await verifyDatabases({ from: source.url, to: target.url });
    expect(report.ok).toBe(false);
    expect(report.mismatches.join('\n')).toMatch(mismatch);
  });
});

describe('a table owned by a service role and granted WITH GRANT OPTION to the user that owns the copy (Supabase)', () => {
  let source: ShapedDatabase;
  let target: ShapedDatabase;
  let summary: CopySummary;
  beforeAll(async () => {
    ({ source, target } = await pair(
      'service_owned',
      '',
      `CREATE SCHEMA auth AUTHORIZATION svc_owner;
       CREATE TABLE auth.users (id int PRIMARY KEY, email text); INSERT INTO auth.users VALUES (1, 'a@b.c');
       ALTER TABLE auth.users OWNER TO svc_owner;
       GRANT ALL ON auth.users TO venturenudge_admin WITH GRANT OPTION; GRANT SELECT ON auth.users TO app_reader;
       GRANT USAGE ON SCHEMA auth TO venturenudge_admin WITH GRANT OPTION;`,
    ));
    summary = await copyDatabase({ from: source.url, to: target.url, jobs: 1 });
  }, 60000);

  test('copies with verify OK: the grants to the target owner are its own there', () => {
    expect(summary.verify?.mismatches).toEqual([]);
    expect(summary.ok).toBe(true);
  });

  test('the judge sees the same privileges, the owner\'s own spelled by pg_dump as REVOKE + GRANT', async () => {
    const diff = await judge(source, target);
    expect({ ...diff, schema: [] }).toEqual(NO_DIFFERENCE);
    // the owner holds CREATE on its schema by owning it; pg_dump lists an owner's ACL that is not the default
    expect(diff.schema.sort()).toEqual([
      '+ GRANT CREATE ON SCHEMA auth TO venturenudge_admin;',
      '+ REVOKE ALL ON SCHEMA auth FROM venturenudge_admin;',
      '+ REVOKE ALL ON TABLE auth.users FROM venturenudge_admin;',
    ]);
  });

  test('verify still fails on a grant the target has and the source does not', async () => {
    await target.sql(`GRANT INSERT ON auth.users TO app_reader`);
    const report = await verifyDatabases({ from: source.url, to: target.url });
    expect(report.mismatches.join('\n')).toMatch(/schema: privileges TABLE auth\.users GRANT TO app_reader differs/);
  });
});

interface RefusedCase {
  readonly id: string;
  /** Run on the source as the cluster's superuser (a provider-level change). */
  readonly superuserSql: string;
  readonly kind: string;
  /** What the refusal names. */
  readonly names: string;
  /** What verify says about a target without it. */
  readonly mismatch: RegExp;
}

const REFUSED: RefusedCase[] = [
  {
    id: 'shell_type',
    superuserSql: `CREATE TYPE pending; CREATE TABLE t (id int); ALTER TABLE t OWNER TO "default"`,
    kind: 'shell-types',
    names: 'type public.pending (a shell type',
    mismatch: /schema: type public\.pending missing on target/,
  },
  {
    id: 'extension_member_acl',
    superuserSql: `CREATE EXTENSION pgcrypto; REVOKE EXECUTE ON FUNCTION gen_random_bytes(int) FROM PUBLIC; CREATE TABLE t (id int); ALTER TABLE t OWNER TO "default"`,
    kind: 'extension-privileges',
    names: 'privileges on FUNCTION public.gen_random_bytes(integer) (REVOKE FROM PUBLIC)',
    mismatch: /schema: privileges FUNCTION public\.gen_random_bytes\(integer\) REVOKE FROM PUBLIC missing on target/,
  },
  {
    id: 'language_acl',
    superuserSql: `REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC; GRANT USAGE ON LANGUAGE plpgsql TO app_reader`,
    kind: 'language-privileges',
    names: 'privileges on LANGUAGE plpgsql (REVOKE FROM PUBLIC, GRANT TO app_reader)',
    mismatch: /schema: privileges LANGUAGE plpgsql REVOKE FROM PUBLIC missing on target/,
  },
  {
    id: 'catalog_column_grants',
    superuserSql: `GRANT SELECT (rolname, rolcanlogin) ON pg_catalog.pg_authid TO app_reader; REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC`,
    kind: 'catalog-privileges',
    names: 'privileges on COLUMN pg_catalog.pg_authid.rolname (GRANT TO app_reader)',
    mismatch: /schema: privileges COLUMN pg_catalog\.pg_authid\.rolname GRANT TO app_reader missing on target/,
  },
];

describe.each(REFUSED)('$id', ({ id, superuserSql, kind, names, mismatch }) => {
  let source: ShapedDatabase;
  let target: ShapedDatabase;
  beforeAll(async () => {
    ({ source, target } = await pair(id, '', superuserSql));
  }, 60000);

  test('an RDS-shaped target cannot take it: refused by name before anything is written, with the fix', async () => {
    const err = await copyDatabase({ from: source.url, to: target.url }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(names);
    expect((err as Error).message).toContain(`--skip ${kind}`);
    expect((err as Error).message).toMatch(/nothing was written/);
    const [{ n }] = await target.sql(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`);
    expect(n).toBe(0);
  });

  test('a target whose user is a superuser takes it exactly', async () => {
    const to = await dst().createDatabase(`${id}_su`);
    await dst().sql(`${id}_su`, 'ALTER SCHEMA public OWNER TO postgres'); // as the source's user owns it there
    const s = await copyDatabase({ from: source.url, to });
    expect(s.verify?.mismatches).toEqual([]);
    expect(await compareDatabases(source.cluster.url(source.database), to)).toEqual(NO_DIFFERENCE);
  });

  test('verify fails on a target without it, and passes when the kind was skipped', async () => {
    const to = await dst().createDatabase(`${id}_plain`);
    await dst().sql(`${id}_plain`, 'ALTER SCHEMA public OWNER TO postgres');
    if (superuserSql.includes('pgcrypto')) await dst().sql(`${id}_plain`, 'CREATE EXTENSION pgcrypto');
    const report = await verifyDatabases({ from: source.url, to, data: false });
    expect(report.mismatches.join('\n')).toMatch(mismatch);
    const skipped = await verifyDatabases({ from: source.url, to, data: false, skip: [kind] });
    expect(skipped.mismatches.filter((m) => m.includes(kind.split('-')[0]) || /privileges/.test(m))).toEqual([]);
  });
});

describe('tablespaces (the RDS target has none of the source\'s)', () => {
  let source: ShapedDatabase;
  let target: ShapedDatabase;
  beforeAll(async () => {
    const dir = `${src().dir}/fastspace`;
    const { mkdirSync, chownSync, statSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const owner = statSync(src().dir);
    chownSync(dir, owner.uid, owner.gid);
    await src().sql('postgres', `CREATE TABLESPACE fastspace LOCATION '${dir}'`);
    ({ source, target } = await pair(
      'tablespaces',
      '',
      `CREATE TABLE in_ts (id int PRIMARY KEY USING INDEX TABLESPACE fastspace, v text) TABLESPACE fastspace; INSERT INTO in_ts VALUES (1, 'a');
       CREATE INDEX in_ts_v ON in_ts (v) TABLESPACE fastspace; ALTER TABLE in_ts OWNER TO "default";`,
    ));
  }, 60000);

  test('are refused by name before anything is written, with the fix', async () => {
    const err = await copyDatabase({ from: source.url, to: target.url }).catch((e: Error) => e);
    expect((err as Error).message).toContain('table public.in_ts (TABLESPACE fastspace)');
    expect((err as Error).message).toContain('index public.in_ts_v (TABLESPACE fastspace)');
    expect((err as Error).message).toContain('--skip tablespaces');
    const [{ n }] = await target.sql(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`);
    expect(n).toBe(0);
  });

  test('--skip tablespaces puts them in the target\'s default tablespace, which is all that differs', async () => {
    const s = await copyDatabase({ from: source.url, to: target.url, skip: ['tablespaces'] });
    expect(s.verify?.mismatches).toEqual([]);
    const diff = await judge(source, target);
    expect(Object.keys(diff.catalog).sort()).toEqual(['tablespace in_ts', 'tablespace in_ts_pkey', 'tablespace in_ts_v']);
    expect({ ...diff, catalog: {} }).toEqual(NO_DIFFERENCE);
  });

  test('verify sees them: a target without them fails unless the kind was skipped', async () => {
    const report = await verifyDatabases({ from: source.url, to: target.url });
    expect(report.mismatches).toContain('schema: tablespace table public.in_ts (TABLESPACE fastspace) missing on target');
    expect((await verifyDatabases({ from: source.url, to: target.url, skip: ['tablespaces'] })).ok).toBe(true);
  });
});
