/**
 * npm run db:sync as a user runs it (child processes), on a Vercel-shaped source and an
 * RDS-shaped target: an interrupted finish lets go of its freeze, `unfreeze` lifts a freeze
 * left behind, and `start` on a target that db:copy filled names a flag that exists.
 * Superuser only inside asSubscriptionCreator, for CREATE SUBSCRIPTION, which PostgreSQL 15
 * reserves to superusers (RDS and Neon do not).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { connect } from '../../scripts/lib/db/connection';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { freezeState, freezeWrites, readStatus, withSync, type SyncOptions } from '../../scripts/lib/db/sync/index';
import { PASSWORD, useClusters } from '../support/postgres';
import { asSubscriptionCreator, shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';
import { APP_SQL, LOGICAL } from './support';

const ROOT = join(__dirname, '..', '..');
const [source, target] = useClusters(2, LOGICAL);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function launch(args: string[], vercel: ShapedDatabase, rds: ShapedDatabase): { child: ChildProcess; done: Promise<Run>; stderr: () => string } {
  const env = { ...process.env, CI: 'true', SOURCE_DATABASE_URL: vercel.url, TARGET_DATABASE_URL: rds.url, TS_NODE_TRANSPILE_ONLY: 'true' };
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts/db-sync.ts'), ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

const run = (args: string[], vercel: ShapedDatabase, rds: ShapedDatabase) => launch(args, vercel, rds).done;

async function pair(db: string): Promise<{ vercel: ShapedDatabase; rds: ShapedDatabase; options: SyncOptions }> {
  const vercel = await shapeVercel(source(), { database: db });
  const rds = await shapeRds(target(), { database: db });
  await vercel.sql(APP_SQL);
  return { vercel, rds, options: { from: vercel.url, to: rds.url, prefix: db } };
}

async function frozen(url: string): Promise<boolean> {
  const c = await connect(url);
  try {
    return (await freezeState(c)).frozen;
  } finally {
    await c.end();
  }
}

async function freezeAsOwner(db: ShapedDatabase): Promise<void> {
  const c = await connect(db.url, { applicationName: 'db-sync test' });
  try {
    await freezeWrites(c, db.database);
  } finally {
    await c.end();
  }
}

test("SIGINT during finish's verify lifts the freeze, says so on stderr and exits 130; the source takes writes", async () => {
  const p = await pair('sigint');
  await asSubscriptionCreator(p.rds, () => run(['start', '--prefix', 'sigint'], p.vercel, p.rds));
  for (let i = 0; i < 600 && !(await withSync(p.options, readStatus)).allReady; i++) await new Promise((r) => setTimeout(r, 200));
  // someone else's session holds a table of the target once the source is frozen: the verification waits on it
  const holder = new Client({ connectionString: target().url('sigint'), ssl: false, application_name: 'slow verify' });
  await holder.connect();
  await holder.query('BEGIN');
  const finish = launch(['finish', '--freeze', '--prefix', 'sigint'], p.vercel, p.rds);
  let locked: Promise<unknown> | undefined;
  finish.child.stderr!.on('data', () => {
    if (!locked && /\[freeze\] done/.test(finish.stderr())) locked = holder.query('LOCK TABLE public.audit_log IN ACCESS EXCLUSIVE MODE');
  });
  for (let i = 0; i < 2400 && !/\[sequences\] done/.test(finish.stderr()); i++) await new Promise((r) => setTimeout(r, 25));
  await locked;
  await new Promise((r) => setTimeout(r, 300));
  expect(await frozen(p.vercel.url)).toBe(true);
  finish.child.kill('SIGINT');
  const r = await finish.done;
  await holder.query('ROLLBACK');
  await holder.end();
  expect(r.stderr).toMatch(/interrupted \(SIGINT\): the freeze on 127\.0\.0\.1:\d+\/sigint was lifted, it takes writes again; the subscription is kept: rerun db:sync finish --freeze/);
  expect(r.code).toBe(130);
  expect(await frozen(p.vercel.url)).toBe(false);
  await p.vercel.sql(`INSERT INTO public.users (email) VALUES ('after-sigint@example.com')`);
  expect((await withSync(p.options, readStatus)).day.state).toBe('streaming');
  expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  await run(['cleanup', '--prefix', 'sigint'], p.vercel, p.rds);
}, 240000);

test('unfreeze --dry-run names what it would lift and writes nothing; unfreeze --json lifts it', async () => {
  const p = await pair('unfreeze');
  await freezeAsOwner(p.vercel);
  const dry = await run(['unfreeze', '--dry-run'], p.vercel, p.rds);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/^would lift the freeze on 127\.0\.0\.1:\d+\/unfreeze \(3 tables refusing writes, read-only default\); nothing was written\n$/);
  expect(await frozen(p.vercel.url)).toBe(true);
  const r = await run(['unfreeze', '--json'], p.vercel, p.rds);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ side: 'source', wasFrozen: true, triggers: 3, lifted: true });
  expect(await frozen(p.vercel.url)).toBe(false);
  await p.vercel.sql(`INSERT INTO public.users (email) VALUES ('after-unfreeze@example.com')`);
});

test('unfreeze --side target lifts the freeze a rollback left on RDS, and status shows both sides', async () => {
  const p = await pair('rdsfrozen');
  await p.rds.sql(APP_SQL);
  await freezeAsOwner(p.rds);
  const before = JSON.parse((await run(['status', '--json', '--prefix', 'rdsfrozen'], p.vercel, p.rds)).stdout);
  expect(before.frozen).toMatchObject({ source: { frozen: false }, target: { frozen: true, triggers: 3 } });
  expect(before.day).toMatchObject({ state: 'rolled-back', next: 'npm run db:sync -- start --truncate --prefix rdsfrozen' });
  const r = await run(['unfreeze', '--side', 'target'], p.vercel, p.rds);
  expect(r.stdout).toMatch(/^lifted the freeze on 127\.0\.0\.1:\d+\/rdsfrozen: it takes writes again\n$/);
  expect(await frozen(p.rds.url)).toBe(false);
});

test('start on a target db:copy filled names --truncate; start --truncate empties it and replicates', async () => {
  const p = await pair('copied');
  expect((await copyDatabase({ from: p.vercel.url, to: p.rds.url })).ok).toBe(true);
  const refused = await run(['start', '--prefix', 'copied'], p.vercel, p.rds);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/error: \[schema:pre\] target table public\.\w+ already has rows \(e\.g\. from db:copy\).*rerun start with --truncate/);
  const r = await asSubscriptionCreator(p.rds, () => run(['start', '--truncate', '--prefix', 'copied'], p.vercel, p.rds));
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  for (let i = 0; i < 300 && !(await withSync(p.options, readStatus)).allReady; i++) await new Promise((res) => setTimeout(res, 200));
  const [n] = await target().sql('copied', 'SELECT count(*)::int AS n FROM public.users');
  expect(n.n).toBe(2000);
  await run(['cleanup', '--prefix', 'copied'], p.vercel, p.rds);
});
