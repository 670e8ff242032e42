/**
 * db:copy engine against two real PostgreSQL clusters shaped as the providers give them: the
 * source as Vercel Postgres (the non-superuser app user `default` owns the fixture), each target
 * as RDS (the non-superuser master `venturenudge_admin`). Checks read as the cluster superuser.
 */
import { Client } from 'pg';
import { MigrationError } from '../../scripts/lib/db/connection';
import { copyDatabase, type CopyEvent } from '../../scripts/lib/db/copy/index';
import { readSchema } from '../../scripts/lib/db/schema/catalog';
import { schemaSignature } from '../../scripts/lib/db/schema/ddl';
import { verifyDatabases } from '../../scripts/lib/db/verify';
import { useClusters } from '../support/postgres';
import { shapeVercel } from '../support/shapes';
import { createRdsTarget, createVercelFixture, FIXTURE_SQL, killFirstDataWorkerAt, pausedBigTableSql, relationCount } from './fixture';

const [source, target] = useClusters(2);
let fixtureUrl: string;
let dbCounter = 0;
const freshTarget = async () => {
  const name = `t${++dbCounter}`;
  return { name, url: await createRdsTarget(target(), name) };
};

async function signatureOf(url: string): Promise<Map<string, string>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return schemaSignature(await readSchema(c));
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  fixtureUrl = await createVercelFixture(source(), 'fixture');
});

describe('a full copy', () => {
  let dst: { name: string; url: string };
  beforeAll(async () => {
    dst = await freshTarget();
    await copyDatabase({ from: fixtureUrl, to: dst.url });
  });

  test('reads back from the target with the same schema as the source', async () => {
    const [a, b] = await Promise.all([signatureOf(fixtureUrl), signatureOf(dst.url)]);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(Object.fromEntries(b)).toEqual(Object.fromEntries(a));
    expect(a.size).toBeGreaterThan(40);
  });

  test('verifies: equal row counts and content hashes for every table', async () => {
    const report = await verifyDatabases({ from: fixtureUrl, to: dst.url });
    expect(report.mismatches).toEqual([]);
    expect(report.tables.map((t) => t.table)).toEqual(
      expect.arrayContaining(['public.users', '"App Data"."Ventures"', 'public.events_2024', 'public.events_other', 'public.audit_log']),
    );
  });

  test('keeps NULL and empty strings apart, and carries TOASTed text, bytea, jsonb and enum arrays', async () => {
    const q = `SELECT (SELECT count(*) FROM public.audit_log WHERE line IS NULL) AS null_lines,
                      (SELECT count(*) FROM public.audit_log WHERE line = '') AS empty_lines,
                      (SELECT length(big) FROM public.audit_log WHERE big LIKE 'TOAST%') AS toast_len,
                      (SELECT md5(avatar) FROM public.users WHERE id = 7) AS avatar_md5,
                      (SELECT settings::text FROM public.users WHERE id = 2) AS settings,
                      (SELECT moods::text FROM public.users WHERE id = 2) AS moods,
                      (SELECT (address).zip FROM "App Data"."Ventures" WHERE "naïve name" = 'Venture 5') AS zip`;
    const [a] = await source().sql('fixture', q);
    const [b] = await target().sql(dst.name, q);
    expect(b).toEqual(a);
    expect(Number(b.null_lines)).toBe(1);
    expect(Number(b.empty_lines)).toBe(1);
    expect(b.toast_len).toBe(2400000);
  });

  test('computes generated columns on the target instead of copying them', async () => {
    const [r] = await target().sql(dst.name, `SELECT count(*)::int AS bad FROM public.users WHERE email_lower IS DISTINCT FROM lower(email)`);
    expect(r.bad).toBe(0);
  });

  test('sets sequences to the source values, including is_called', async () => {
    const [r] = await target().sql(
      dst.name,
      `SELECT nextval('public.invoice_no')::int AS invoice, nextval('public.never_used')::int AS never, nextval('public.users_id_seq')::int AS users,
              nextval('"App Data"."Ventures_VentureID_seq"')::int AS ventures`,
    );
    // invoice_no: START 1000 INCREMENT 5, used by 120 ventures and 2 explicit nextval calls
    expect(r).toEqual({ invoice: 1000 + 5 * 122, never: 1, users: 301, ventures: 1210 });
  });

  test('enables row-level security, triggers and refreshed materialized views after the data', async () => {
    const [r] = await target().sql(
      dst.name,
      `SELECT (SELECT relrowsecurity FROM pg_class WHERE oid = '"App Data"."Ventures"'::regclass) AS rls,
              (SELECT count(*)::int FROM pg_trigger WHERE tgname = 'users_touch') AS triggers,
              (SELECT sum(n)::int FROM public.event_counts) AS refreshed`,
    );
    expect(r).toEqual({ rls: true, triggers: 1, refreshed: 2500 });
  });
});

test('tables larger than the split size are copied in block ranges by several workers and verify', async () => {
  const dst = await freshTarget();
  const events: CopyEvent[] = [];
  const s = await copyDatabase({ from: fixtureUrl, to: dst.url, jobs: 2, splitBytes: 16 * 1024, onEvent: (e) => events.push(e) });
  expect(s.verify?.mismatches).toEqual([]);
  const chunks = events.filter((e) => e.type === 'table-end' && / \[\d+\/\d+\]$/.test(e.table));
  expect(chunks.length).toBeGreaterThan(1);
  expect(s.tables.find((t) => t.table === 'public.users')?.rows).toBe(300);
});

test('works as a non-superuser database owner on both sides (as on RDS and Neon)', async () => {
  const role = `CREATE ROLE app LOGIN PASSWORD 'app-pw'`;
  for (const [cluster, db] of [[source(), 'owned_src'], [target(), 'owned_dst']] as const) {
    await cluster.sql('postgres', role);
    await cluster.sql('postgres', `CREATE DATABASE ${db} OWNER app`);
  }
  const asApp = (url: string) => url.replace(/\/\/[^@]*@/, '//app:app-pw@');
  const src = asApp(source().url('owned_src'));
  const setup = new Client({ connectionString: src });
  await setup.connect();
  await setup.query(FIXTURE_SQL);
  await setup.end();
  const s = await copyDatabase({ from: src, to: asApp(target().url('owned_dst')) });
  expect(s.verify?.mismatches).toEqual([]);
});

test('dry run prints the DDL and the plan and writes nothing', async () => {
  const dst = await freshTarget();
  const s = await copyDatabase({ from: fixtureUrl, to: dst.url, dryRun: true });
  expect(s.dryRun).toBe(true);
  expect(s.ddl).toContain('CREATE TABLE public.users');
  expect(s.plan.find((p) => p.table === 'public.users')?.format).toBe('text');
  expect(s.plan.find((p) => p.table === 'public.events_2024')?.format).toBe('binary');
  expect(await relationCount(target(), dst.name)).toBe(0);
});

test('schema-only creates every object without rows', async () => {
  const dst = await freshTarget();
  const s = await copyDatabase({ from: fixtureUrl, to: dst.url, mode: 'schema-only' });
  expect(s.ok).toBe(true);
  const [r] = await target().sql(dst.name, 'SELECT (SELECT count(*) FROM public.users)::int AS users, (SELECT count(*) FROM public.events)::int AS events');
  expect(r).toEqual({ users: 0, events: 0 });
  expect(Object.fromEntries(await signatureOf(dst.url))).toEqual(Object.fromEntries(await signatureOf(fixtureUrl)));
});

test('data-only truncates and reloads a schema made by migrations, keeping its foreign keys and triggers', async () => {
  const dst = await freshTarget();
  await copyDatabase({ from: fixtureUrl, to: dst.url, mode: 'schema-only' });
  await target().sql(dst.name, `INSERT INTO public.users (email) VALUES ('stale@example.com'); INSERT INTO public.audit_log (line) VALUES ('stale')`);
  await expect(copyDatabase({ from: fixtureUrl, to: dst.url, mode: 'data-only' })).rejects.toThrow(/already has rows: pass --force/);
  const s = await copyDatabase({ from: fixtureUrl, to: dst.url, mode: 'data-only', force: true });
  expect(s.verify?.mismatches).toEqual([]);
  const [r] = await target().sql(
    dst.name,
    `SELECT (SELECT count(*)::int FROM pg_constraint WHERE contype = 'f' AND conparentid = 0) AS fks,
            (SELECT count(*)::int FROM pg_trigger WHERE tgname = 'users_touch' AND tgenabled = 'O') AS triggers`,
  );
  expect(r).toEqual({ fks: 2, triggers: 1 });
});

test('--tables copies only the selected tables and leaves out what depends on the others', async () => {
  const dst = await freshTarget();
  const s = await copyDatabase({ from: fixtureUrl, to: dst.url, tables: { include: ['users', 'audit_*'] } });
  expect(s.ok).toBe(true);
  expect(s.tables.map((t) => t.table).sort()).toEqual(['public.audit_log', 'public.users']);
  expect(s.skipped.join('\n')).toMatch(/foreign key|materialized view public.event_counts/);
  const rows = await target().sql(dst.name, `SELECT to_regclass('public.events') IS NOT NULL AS events, to_regclass('public.active_users') IS NOT NULL AS view`);
  expect(rows[0]).toEqual({ events: false, view: true });
});

test('--exclude-tables leaves out a partitioned table with its partitions and the views that read it', async () => {
  const dst = await freshTarget();
  const s = await copyDatabase({ from: fixtureUrl, to: dst.url, tables: { exclude: ['public.events'] } });
  expect(s.ok).toBe(true);
  expect(s.tables.map((t) => t.table)).not.toContain('public.events_2024');
  expect(s.skipped).toContain('materialized view public.event_counts (reads a table outside the selection)');
  const [r] = await target().sql(dst.name, `SELECT to_regclass('public.events_2024') IS NULL AS gone, (SELECT count(*)::int FROM public.users) AS users`);
  expect(r).toEqual({ gone: true, users: 300 });
});

test('a table pattern that matches nothing is an error naming the pattern', async () => {
  const dst = await freshTarget();
  await expect(copyDatabase({ from: fixtureUrl, to: dst.url, tables: { include: ['usrs'] } })).rejects.toThrow(/"usrs" matches no table/);
});

test('refuses a non-empty target without --force and writes nothing', async () => {
  const dst = await freshTarget();
  await target().sql(dst.name, 'CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (1)');
  await expect(copyDatabase({ from: fixtureUrl, to: dst.url })).rejects.toThrow(/is not empty \(1 relations, e\.g\. public\.keep_me\): pass --force/);
  expect(await relationCount(target(), dst.name)).toBe(1);
});

describe('with writes hitting the source during the copy', () => {
  test('the target equals the snapshot: no torn transactions, nothing written later', async () => {
    const busy = await shapeVercel(source(), { database: 'busy' });
    const src = busy.url;
    await busy.sql(
      `CREATE TABLE orders (id int PRIMARY KEY, note text);
       CREATE TABLE order_items (order_id int NOT NULL, k int NOT NULL, PRIMARY KEY (order_id, k));
       CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 4) AS pad FROM generate_series(1, 60000) g;`,
    );
    const writer = new Client({ connectionString: src });
    await writer.connect();
    let stop = false;
    let written = 0;
    const writing = (async () => {
      while (!stop) {
        const id = ++written;
        await writer.query(`BEGIN; INSERT INTO orders VALUES (${id}, 'n${id}'); INSERT INTO order_items VALUES (${id}, 1), (${id}, 2); COMMIT`);
      }
    })();
    while (written < 50) await new Promise((r) => setTimeout(r, 5));

    let atSnapshot: Promise<{ orders: number; items: number }> | undefined;
    const onEvent = (e: CopyEvent) => {
      if (e.type === 'snapshot') {
        atSnapshot = (async () => {
          const c = new Client({ connectionString: src });
          await c.connect();
          await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          await c.query(`SET TRANSACTION SNAPSHOT '${e.id}'`);
          const r = await c.query('SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM order_items)::int AS items');
          await c.end();
          return r.rows[0];
        })();
      }
    };
    const dst = await freshTarget();
    let summary;
    try {
      summary = await copyDatabase({ from: src, to: dst.url, jobs: 1, onEvent });
    } finally {
      stop = true;
      await writing;
      await writer.end();
    }
    expect(summary.verify?.ok).toBe(true);
    const expected = await atSnapshot!;
    const [got] = await target().sql(dst.name, 'SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM order_items)::int AS items, (SELECT max(id) FROM orders) AS max_id');
    expect({ orders: got.orders, items: got.items }).toEqual(expected);
    expect(got.items).toBe(2 * got.orders);
    expect(got.max_id).toBe(got.orders);
    const [now] = await source().sql('busy', 'SELECT count(*)::int AS n FROM orders');
    expect(now.n).toBeGreaterThan(got.orders);
  });
});

describe('a worker backend killed mid-copy', () => {
  test.each(['target', 'source'] as const)('on the %s: fails naming the data phase and the table, and a rerun with force converges', async (side) => {
    const db = `victim_${side}`;
    const victim = await shapeVercel(source(), { database: db });
    const src = victim.url;
    // The check constraint pauses the load at row 100 so the kill lands while COPY runs.
    await victim.sql(`${pausedBigTableSql({ rows: 100000, primaryKey: false })}
       CREATE TABLE small (id int PRIMARY KEY); INSERT INTO small VALUES (1)`);
    const dst = await freshTarget();
    const { onEvent, killed } = killFirstDataWorkerAt(side === 'target' ? target() : source());
    let error: unknown;
    try {
      await copyDatabase({ from: src, to: dst.url, jobs: 1, onEvent });
    } catch (err) {
      error = err;
    }
    await killed();
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).phase).toBe('data');
    expect((error as MigrationError).table).toBe('public.big');
    expect((error as Error).message).toMatch(/^\[data\] table public\.big: connection lost .*rerun with --force/);

    const again = await copyDatabase({ from: src, to: dst.url, jobs: 1, force: true });
    expect(again.verify?.ok).toBe(true);
    expect(again.tables.find((t) => t.table === 'public.big')?.rows).toBe(100000);
  });
});
