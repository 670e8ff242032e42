/**
 * npm run db:sync / db:rollback as child processes: start is idempotent, cleanup after a
 * killed start leaves no slot behind, exit codes, no password in any output. The source is
 * shaped as Vercel Postgres and the target as RDS (../support/shapes.ts): the commands run as
 * their non-superuser users; start holds SUPERUSER on the target for CREATE SUBSCRIPTION only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PASSWORD, useClusters } from '../support/postgres';
import { readStatus, withSync } from '../../scripts/lib/db/sync/index';
import { asSubscriptionCreator, shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { APP_SQL, LOGICAL, replicationObjects } from './support';

const ROOT = join(__dirname, '..', '..');
const [source, target] = useClusters(2, LOGICAL);
let env: NodeJS.ProcessEnv;
let vercel: ShapedDatabase;
let rds: ShapedDatabase;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function launch(script: string, args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, script), ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

const run = (script: string, args: string[]) => launch(script, args).done;

function expectNoSecret(r: Run) {
  expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  expect(r.stdout + r.stderr).not.toContain(encodeURIComponent(PASSWORD));
}

beforeAll(async () => {
  vercel = await shapeVercel(source(), { database: 'app' });
  rds = await shapeRds(target(), { database: 'app' });
  await vercel.sql(APP_SQL);
  env = { ...process.env, CI: 'true', SOURCE_DATABASE_URL: vercel.url, TARGET_DATABASE_URL: rds.url, TS_NODE_TRANSPILE_ONLY: 'true' };
});

test('db:sync without a command exits 2 naming the commands', async () => {
  const r = await run('scripts/db-sync.ts', []);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/missing command: use one of preflight, start, status, finish, cleanup/);
});

test('db:rollback --help describes the rollback with its own variables, not db:copy', async () => {
  const r = await run('scripts/db-rollback.ts', ['--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Usage: npm run db:rollback --/);
  expect(r.stdout).toMatch(/--from-env <NAME>.*\(default: TARGET_DATABASE_URL\)/);
  expect(r.stdout).toMatch(/--to-env <NAME>.*\(default: SOURCE_DATABASE_URL\)/);
  expect(r.stdout).not.toMatch(/db:copy --/);
});

test('cleanup after a killed start leaves no slot, publication or subscription behind', async () => {
  let killed = false;
  await asSubscriptionCreator(rds, async () => {
    const { child, done } = launch('scripts/db-sync.ts', ['start', '--prefix', 'killed']);
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline && !killed) {
      const slots = await source().sql('postgres', `SELECT 1 FROM pg_replication_slots WHERE slot_name = 'killed_slot'`);
      if (slots.length) {
        child.kill('SIGKILL');
        killed = true;
      } else await new Promise((r) => setTimeout(r, 20));
    }
    await done;
  });
  expect(killed).toBe(true);
  expect(await replicationObjects(source().sql, 'app', 'killed')).toContain('slot killed_slot');
  const r = await run('scripts/db-sync.ts', ['cleanup', '--prefix', 'killed']);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  // the kill lands before or after the subscription exists: either way the slot must go
  expect(r.stdout).toMatch(/removed: .*(slot killed_slot \(source\)|subscription killed_sub \(target\))/);
  expect(await replicationObjects(source().sql, 'app', 'killed')).toEqual([]);
  expect(await replicationObjects(target().sql, 'app', 'killed')).toEqual([]);
  expectNoSecret(r);
});

test('cleanup removes an orphaned slot and publication that no subscription uses', async () => {
  // As the app user (it owns the tables and has REPLICATION), as a stray earlier attempt would have.
  await vercel.sql(`CREATE PUBLICATION orphan_pub FOR TABLE public.users`);
  await vercel.sql(`SELECT pg_create_logical_replication_slot('orphan_slot', 'pgoutput')`);
  const r = await run('scripts/db-sync.ts', ['cleanup', '--prefix', 'orphan']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('removed: slot orphan_slot (source), publication orphan_pub (source)\n');
  expect(await replicationObjects(source().sql, 'app', 'orphan')).toEqual([]);
});

test('start twice creates one set of objects; status --json shows every table ready; cleanup removes them', async () => {
  await target().sql('app', 'DROP TABLE IF EXISTS public.events, public.users, public.audit_log CASCADE');
  const first = await asSubscriptionCreator(rds, () => run('scripts/db-sync.ts', ['start', '--prefix', 'twice']));
  expect(first.stderr).not.toMatch(/error/);
  expect(first.code).toBe(0);
  const second = await asSubscriptionCreator(rds, () => run('scripts/db-sync.ts', ['start', '--prefix', 'twice']));
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/already started/);
  expect((await replicationObjects(source().sql, 'app', 'twice')).filter((x) => !x.includes('_sync_')).sort()).toEqual(['publication twice_pub', 'slot twice_slot']);
  const options = { from: env.SOURCE_DATABASE_URL!, to: env.TARGET_DATABASE_URL!, prefix: 'twice' };
  for (let i = 0; i < 300 && !(await withSync(options, readStatus)).allReady; i++) await new Promise((r) => setTimeout(r, 200));
  const s = await run('scripts/db-sync.ts', ['status', '--json', '--prefix', 'twice']);
  expect(s.code).toBe(0);
  const status: { allReady: boolean; tables: { table: string; state: string }[]; lagBytes: number } = JSON.parse(s.stdout);
  expect(status.tables.map((t) => `${t.table} ${t.state}`)).toEqual(['public.audit_log ready', 'public.events ready', 'public.users ready']);
  expect(typeof status.lagBytes).toBe('number');
  const clean = await run('scripts/db-sync.ts', ['cleanup', '--prefix', 'twice']);
  expect(clean.code).toBe(0);
  expect(await replicationObjects(source().sql, 'app', 'twice')).toEqual([]);
  expectNoSecret(first);
});
