/**
 * db:copy (the CLI, as a child process) stopped by SIGINT/SIGTERM in each phase: it ends its
 * sessions, says on stderr what the target holds, exits 130/143, and the target is as it was
 * before the run (a fresh one empty, so a plain rerun works), or, after an interrupted data
 * phase with tables loaded, resumed with --resume to equal the source. --force over an earlier
 * copy is one transaction: interrupted, the earlier copy is unchanged. Every "equal" and "as
 * before" is judged by support/compare.ts (pg_dump --schema-only and row hashes).
 *
 * Each phase is held where the test can interrupt it, without hooks in the engine: a lock the
 * test holds on the source (preflight, sequences), an event trigger on the target that sleeps
 * on one DDL command (schema:pre: CREATE VIEW, schema:post: CREATE TRIGGER), a check constraint
 * that sleeps on one row (data), and a table large enough that verify takes a while. The pauses
 * are switched on by a database setting of the target (`testhooks.pause`), off for the rerun.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { compareDatabases, contentHashes, expectSameDatabase, NO_DIFFERENCE, schemaDump } from '../support/compare';
import { useClusters, type Cluster } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { relationCount } from './fixture';

jest.setTimeout(300_000);
const ROOT = join(__dirname, '..', '..');
const [srcCluster, dstCluster] = useClusters(2);

/** A small SaaS-shaped schema; `paused` sleeps on row 100 of the target while testhooks.pause is on. */
const SOURCE_SQL = (name: string, rows: number) => `
  CREATE FUNCTION public.pause_at(i int) RETURNS boolean LANGUAGE plpgsql AS $$
    BEGIN IF i = 100 AND current_database() <> '${name}' AND current_setting('testhooks.pause', true) = 'data' THEN PERFORM pg_sleep(60); END IF; RETURN true; END $$;
  CREATE TABLE public.orgs (id serial PRIMARY KEY, name text NOT NULL);
  CREATE TABLE public.users (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES public.orgs (id), email text NOT NULL, pad text);
  CREATE TABLE public.paused (id int PRIMARY KEY, v text, CONSTRAINT paused_check CHECK (public.pause_at(id)));
  CREATE FUNCTION public.lower_email() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email := lower(NEW.email); RETURN NEW; END $$;
  CREATE TRIGGER users_lower BEFORE INSERT ON public.users FOR EACH ROW EXECUTE FUNCTION public.lower_email();
  CREATE VIEW public.org_users AS SELECT o.name, u.email FROM public.orgs o JOIN public.users u ON u.org_id = o.id;
  INSERT INTO public.orgs (name) SELECT 'org ' || g FROM generate_series(1, 50) g;
  INSERT INTO public.users (org_id, email, pad) SELECT 1 + g % 50, 'u' || g || '@example.com', repeat(md5(g::text), 4) FROM generate_series(1, ${rows}) g;
  INSERT INTO public.paused SELECT g, 'v' || g FROM generate_series(1, 300) g;
  ANALYZE;`;

/** An event trigger on the target sleeping after one DDL command while testhooks.pause names it (created as the superuser: test setup). */
const EVENT_HOOK = `
  CREATE SCHEMA testhooks;
  CREATE FUNCTION testhooks.pause_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
    BEGIN IF current_setting('testhooks.pause', true) = tg_tag THEN PERFORM pg_sleep(60); END IF; END $$;
  CREATE EVENT TRIGGER pause_ddl ON ddl_command_end EXECUTE FUNCTION testhooks.pause_ddl();`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let n = 0;
async function databases(rows = 2000): Promise<{ src: ShapedDatabase; dst: ShapedDatabase }> {
  const id = ++n;
  const src = await shapeVercel(srcCluster(), { database: `src${id}` });
  await src.sql(SOURCE_SQL(src.database, rows));
  const dst = await shapeRds(dstCluster(), { database: `dst${id}` });
  return { src, dst };
}

/** Installs {@link EVENT_HOOK} on the target; `unhook` removes it (and the pause setting). */
const hook = (db: ShapedDatabase) => db.cluster.sql(db.database, EVENT_HOOK);
async function unhook(db: ShapedDatabase): Promise<void> {
  await db.cluster.sql('postgres', `ALTER DATABASE ${db.database} RESET testhooks.pause`);
  await db.cluster.sql(db.database, 'DROP EVENT TRIGGER IF EXISTS pause_ddl; DROP SCHEMA IF EXISTS testhooks CASCADE');
}

const pause = (db: ShapedDatabase, what: string) => db.cluster.sql('postgres', `ALTER DATABASE ${db.database} SET testhooks.pause = '${what}'`);
const superUrl = (db: ShapedDatabase) => db.cluster.url(db.database);

/** Starts db:copy; `until` resolves when the phase to interrupt is reached, then `signal` is sent. */
function copyCli(src: ShapedDatabase, dst: ShapedDatabase, args: string[], until?: (r: Run) => Promise<void>, signal: NodeJS.Signals = 'SIGINT'): Promise<Run> {
  const env = { ...process.env, CI: 'true', TS_NODE_TRANSPILE_ONLY: 'true', SOURCE_DATABASE_URL: src.url, TARGET_DATABASE_URL: dst.url };
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/db-copy.ts', ...args], { cwd: ROOT, env });
  const run: Run = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (run.stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  const closed = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ ...run, code })));
  if (until) void until(run).then(() => child.kill(signal));
  return closed;
}

/** Resolves once a backend of the copy on `cluster` waits as described (polling pg_stat_activity). */
async function waiting(cluster: Cluster, database: string, condition: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await cluster.sql('postgres', `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'db-copy %' AND ${condition}`, [database]);
    if (r.length) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`the copy never waited on ${condition}`);
}
const sleeping = (db: ShapedDatabase) => () => waiting(db.cluster, db.database, `wait_event = 'PgSleep'`);
const lockedOn = (db: ShapedDatabase) => () => waiting(db.cluster, db.database, `wait_event_type = 'Lock'`);
async function logged(run: Run, line: RegExp): Promise<void> {
  for (let i = 0; i < 1200 && !line.test(run.stderr); i++) await new Promise((res) => setTimeout(res, 50));
}

/** The target's state as the judge sees it. */
async function state(db: ShapedDatabase) {
  return { schema: schemaDump(superUrl(db)), content: await contentHashes(superUrl(db)) };
}

/** Holds an exclusive lock on the source (in an open transaction) until release(). */
async function holdLock(db: ShapedDatabase, sql: string): Promise<{ release(): Promise<void> }> {
  const c = new Client({ connectionString: db.url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(sql);
  } catch (err) {
    await c.end();
    throw err;
  }
  return {
    async release() {
      await c.query('ROLLBACK');
      await c.end();
    },
  };
}

function expectInterrupted(r: Run, phase: string, outcome: RegExp, code = 130) {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(new RegExp(`error: \\[${phase}\\] interrupted by SIG(INT|TERM)`));
  expect(r.stderr).toMatch(outcome);
}

/** After an interrupt that left a fresh target as it was: empty, and a plain rerun (no --force) equals the source. */
async function expectFreshAndRerunWorks(src: ShapedDatabase, dst: ShapedDatabase, before: Awaited<ReturnType<typeof state>>) {
  expect(await state(dst)).toEqual(before);
  expect(await relationCount(dst.cluster, dst.database)).toBe(0);
  await unhook(dst);
  const again = await copyCli(src, dst, ['--jobs', '2']);
  expect(again.stderr).not.toMatch(/error:/);
  expect(again.code).toBe(0);
  await expectSameDatabase(superUrl(src), superUrl(dst));
}

test('SIGINT in preflight (waiting for a source lock): exit 130, nothing written, a plain rerun works', async () => {
  const { src, dst } = await databases();
  const before = await state(dst);
  const lock = await holdLock(src, 'LOCK TABLE public.orgs IN ACCESS EXCLUSIVE MODE');
  let r: Run;
  try {
    r = await copyCli(src, dst, [], lockedOn(src));
  } finally {
    await lock.release();
  }
  expectInterrupted(r, 'preflight', /nothing was written/);
  await expectFreshAndRerunWorks(src, dst, before);
});

test('SIGINT in schema:pre: its transaction rolls back, exit 130, the target is as before', async () => {
  const { src, dst } = await databases();
  await hook(dst);
  await pause(dst, 'CREATE VIEW');
  const before = await state(dst);
  const r = await copyCli(src, dst, [], sleeping(dst));
  expectInterrupted(r, 'schema:pre', /rolled back: nothing was written/);
  await expectFreshAndRerunWorks(src, dst, before);
});

test('SIGTERM in the data phase before any table is done: the undo empties the target, exit 143', async () => {
  const { src, dst } = await databases(50);
  await pause(dst, 'data');
  const before = await state(dst);
  // paused is the largest table here (users holds 50 rows): it is loaded first
  await src.sql(`INSERT INTO public.paused SELECT g, repeat('x', 500) FROM generate_series(301, 3000) g; ANALYZE public.paused`);
  const r = await copyCli(src, dst, ['--jobs', '1'], sleeping(dst), 'SIGTERM');
  expectInterrupted(r, 'data', /undo: the \d+ object\(s\) this run created were dropped again, the target is as it was before the run/, 143);
  await expectFreshAndRerunWorks(src, dst, before);
});

test('SIGINT in the data phase after tables were done: the record is kept, and --resume makes the target equal the source', async () => {
  const { src, dst } = await databases(20000);
  await pause(dst, 'data');
  const r = await copyCli(src, dst, ['--jobs', '1'], sleeping(dst));
  expectInterrupted(r, 'data', /kept for --resume: [1-9]\d* of 3 table\(s\) loaded .*rerun with --resume/);
  const plain = await copyCli(src, dst, []);
  expect(plain.code).toBe(1);
  expect(plain.stderr).toMatch(/holds an interrupted copy .*rerun with --resume/);
  await unhook(dst);
  const resumed = await copyCli(src, dst, ['--resume', '--json']);
  expect(resumed.stderr).not.toMatch(/error:/);
  expect(resumed.code).toBe(0);
  expect(JSON.parse(resumed.stdout).resumed).toContain('public.users');
  await expectSameDatabase(superUrl(src), superUrl(dst));
});

test('SIGINT in the sequences phase (waiting for a source lock): the undo empties the target', async () => {
  const { src, dst } = await databases();
  const before = await state(dst);
  // an uncommitted rename holds the sequence's ACCESS EXCLUSIVE lock: reading its value waits
  const lock = await holdLock(src, 'ALTER SEQUENCE public.users_id_seq RENAME TO users_id_seq_held');
  let r: Run;
  try {
    r = await copyCli(src, dst, [], lockedOn(src));
  } finally {
    await lock.release();
  }
  expectInterrupted(r, 'sequences', /undo: .*dropped again/);
  await expectFreshAndRerunWorks(src, dst, before);
});

test('SIGINT in schema:post: the undo empties the target', async () => {
  const { src, dst } = await databases();
  await hook(dst);
  await pause(dst, 'CREATE TRIGGER');
  const before = await state(dst);
  const r = await copyCli(src, dst, [], sleeping(dst));
  expectInterrupted(r, 'schema:post', /undo: .*dropped again/);
  await expectFreshAndRerunWorks(src, dst, before);
});

test('SIGINT in verify: the undo empties the target', async () => {
  const { src, dst } = await databases(300000);
  const before = await state(dst);
  const r = await copyCli(src, dst, [], (run) => logged(run, /\[verify\] started/));
  expectInterrupted(r, 'verify', /undo: .*dropped again/);
  await expectFreshAndRerunWorks(src, dst, before);
});

describe('--force over an earlier good copy', () => {
  test('SIGINT in its data phase rolls its one transaction back: the earlier copy is unchanged', async () => {
    const { src, dst } = await databases();
    const first = await copyCli(src, dst, []);
    expect(first.code).toBe(0);
    await src.sql(`UPDATE public.orgs SET name = name || ' (renamed)' WHERE id < 10; INSERT INTO public.users (org_id, email) VALUES (1, 'late@example.com')`);
    await pause(dst, 'data');
    const before = await state(dst);
    const r = await copyCli(src, dst, ['--force'], sleeping(dst));
    expectInterrupted(r, 'data', /one transaction and was rolled back: the target holds its earlier copy, unchanged/);
    expect(await state(dst)).toEqual(before);
    await unhook(dst);
    const again = await copyCli(src, dst, ['--force']);
    expect(again.code).toBe(0);
    expect(await compareDatabases(superUrl(src), superUrl(dst))).toEqual(NO_DIFFERENCE);
  });
});
