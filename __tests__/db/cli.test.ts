/**
 * The CLIs end to end as child processes: exit codes, JSON on stdout, one-line errors on stderr,
 * no password anywhere in the output.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PASSWORD, useClusters } from '../support/postgres';
import { shapeRds, shapeVercel } from '../support/shapes';

const ROOT = join(__dirname, '..', '..');
const [source, target] = useClusters(2);
let env: NodeJS.ProcessEnv;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const [file, ...args] = command;
  const isNpm = file === 'npm';
  const child = isNpm
    ? spawn('npm', ['run', '--silent', ...args], { cwd: ROOT, env: { ...env, ...extraEnv } })
    : spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', file, ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function expectNoSecret(r: Run) {
  expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  expect(r.stdout + r.stderr).not.toContain(encodeURIComponent(PASSWORD));
}

beforeAll(async () => {
  // Shaped as the providers give them: Vercel's app user owns the source, RDS's master the target.
  const vercel = await shapeVercel(source(), { database: 'app' });
  await vercel.sql(`CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL); INSERT INTO accounts (name) SELECT 'a' || g FROM generate_series(1, 100) g`);
  const src = vercel.url;
  const dst = (await shapeRds(target(), { database: 'app' })).url;
  env = { ...process.env, CI: 'true', SOURCE_DATABASE_URL: src, TARGET_DATABASE_URL: dst, TS_NODE_TRANSPILE_ONLY: 'true' };
});

test('db:copy copies, verifies, prints a JSON summary and exits 0', async () => {
  const r = await run(['scripts/db-copy.ts', '--json']);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  const summary = JSON.parse(r.stdout);
  expect(summary.ok).toBe(true);
  expect(summary.timings.map((t: { phase: string }) => t.phase)).toEqual(['preflight', 'schema:pre', 'data', 'sequences', 'schema:post', 'verify']);
  expect(summary.tables).toEqual([expect.objectContaining({ table: 'public.accounts', rows: 100 })]);
  expect(r.stderr).toMatch(/\[data\] public\.accounts: 100 rows/);
  expectNoSecret(r);
});

test('db:copy into the now non-empty target exits 1 with one line naming the fix', async () => {
  const r = await run(['scripts/db-copy.ts']);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^error: \[preflight\] target database 127\.0\.0\.1:\d+\/app is not empty .* pass --force/);
  expectNoSecret(r);
});

test('db:verify exits 1 and names the table when the target differs', async () => {
  await target().sql('app', `DELETE FROM accounts WHERE id = 5`);
  const r = await run(['scripts/db-verify.ts', '--json']);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout).mismatches).toEqual(['table public.accounts: 100 rows on source, 99 on target']);
  expect(r.stderr).toContain('mismatch: table public.accounts: 100 rows on source, 99 on target');
  expectNoSecret(r);
});

test('db:rollback carries the target back into the source (verified full copy) and leaves the target read-only', async () => {
  await target().sql('app', `INSERT INTO accounts (name) VALUES ('written after cutover')`);
  const r = await run(['npm', 'db:rollback', '--', '--method', 'copy', '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, method: 'copy', mismatches: [] });
  const count = `SELECT count(*)::int AS n, bool_or(name = 'written after cutover') AS has FROM accounts`;
  const [back] = await source().sql('app', count);
  const [rds] = await target().sql('app', count);
  expect(back).toEqual(rds);
  expect(back.has).toBe(true);
  await expect(target().sql('app', `INSERT INTO accounts (name) VALUES ('late')`)).rejects.toThrow(/read-only transaction/);
  await target().sql('postgres', 'ALTER DATABASE app RESET default_transaction_read_only');
  expectNoSecret(r);
});

test('db:audit reads the URL from the variable named by --url-env', async () => {
  const r = await run(['scripts/db-audit.ts', '--url-env', 'MY_DB', '--json'], { MY_DB: env.SOURCE_DATABASE_URL });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).tables[0]).toEqual(expect.objectContaining({ table: 'public.accounts', exactRows: 100 }));
});

test('--help prints usage and exits 0; an unknown flag exits 2 naming it', async () => {
  const help = await run(['scripts/db-copy.ts', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/--dry-run +print the DDL and the plan, write nothing/);
  const bad = await run(['scripts/db-verify.ts', '--frm', 'x']);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim()).toMatch(/^error: Unknown option '--frm'.*--help/);
});

test('db:copy refuses a --maintenance-work-mem that is no PostgreSQL size (exit 2, naming the flag), before connecting', async () => {
  const bad = await run(['scripts/db-copy.ts', '--maintenance-work-mem', '64M'], { SOURCE_DATABASE_URL: env.SOURCE_DATABASE_URL, TARGET_DATABASE_URL: env.TARGET_DATABASE_URL });
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim()).toBe('error: --maintenance-work-mem must be a PostgreSQL size such as 64MB, 1GB or 512kB (got "64M")');
});

test('db:copy refuses what it cannot carry (exit 1, naming --skip), and with --skip lists the loss in --json', async () => {
  const src = await source().createDatabase('lo');
  await source().sql('lo', `CREATE TABLE docs (id int PRIMARY KEY, body oid); INSERT INTO docs VALUES (1, lo_from_bytea(0, 'x'))`);
  const dst = await target().createDatabase('lo_dst');
  const envs = { SOURCE_DATABASE_URL: src, TARGET_DATABASE_URL: dst };
  const refused = await run(['scripts/db-copy.ts'], envs);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/error: \[preflight\] the copy cannot carry 1 object\(s\)/);
  expect(refused.stderr).toMatch(/--skip large-objects/);
  const skipped = await run(['scripts/db-copy.ts', '--skip', 'large-objects', '--json'], envs);
  expect(skipped.code).toBe(0);
  expect(JSON.parse(skipped.stdout).notCarried).toEqual([expect.objectContaining({ kind: 'large-objects' })]);
  expectNoSecret(skipped);
});

describe('a failure with more than one line', () => {
  test('a refusal listing objects reaches stderr whole, and --json prints it as { ok: false, error }', async () => {
    const src = await source().createDatabase('roles_src');
    await source().sql('postgres', 'CREATE ROLE cli_reader NOLOGIN');
    await source().sql('roles_src', 'CREATE TABLE docs (id int PRIMARY KEY); GRANT SELECT ON docs TO cli_reader');
    const dst = await target().createDatabase('roles_dst');
    const envs = { SOURCE_DATABASE_URL: src, TARGET_DATABASE_URL: dst };
    const r = await run(['scripts/db-copy.ts'], envs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: \[preflight\] the target lacks role\(s\) the schema names; nothing was written:\n {2}- cli_reader \(grant on .*\)\ncreate them on the target first/);
    const j = await run(['scripts/db-copy.ts', '--json'], envs);
    expect(j.code).toBe(1);
    const out = JSON.parse(j.stdout);
    expect(out).toEqual({ ok: false, error: expect.objectContaining({ phase: 'preflight', target: null, signal: null }) });
    expect(out.error.message).toMatch(/nothing was written:\n {2}- cli_reader .*\ncreate them on the target first/);
    expectNoSecret(j);
  });

  test("the server's DETAIL follows the headline, which does not offer --force for an error a rerun meets again", async () => {
    const src = await source().createDatabase('detail_src');
    await source().sql('detail_src', `CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 5)`);
    const dst = await target().createDatabase('detail_dst');
    await target().sql('detail_dst', `CREATE TABLE t (id int PRIMARY KEY, v int CONSTRAINT v_small CHECK (v < 3))`);
    const r = await run(['scripts/db-copy.ts', '--data-only', '--force', '--json'], { SOURCE_DATABASE_URL: src, TARGET_DATABASE_URL: dst });
    expect(r.code).toBe(1);
    const headline = /error: \[data\] table public\.t: new row for relation "t" violates check constraint "v_small" \(the target was left as it was: a rerun meets the same error: fix its cause first\)\nDETAIL: Failing row contains \(1, 5\)\./;
    expect(r.stderr).toMatch(headline);
    expect(r.stderr).not.toMatch(/--force/);
    const out = JSON.parse(r.stdout);
    expect(out.error).toMatchObject({ phase: 'data', table: 'public.t', code: '23514', target: 'as-before' });
    expect(out.error.message).toMatch(/\nDETAIL: Failing row contains \(1, 5\)\./);
  });
});

test('db:copy --help names --resume and no option db:rollback does not have', async () => {
  const help = await run(['scripts/db-copy.ts', '--help']);
  expect(help.stdout).toMatch(/--resume +continue an interrupted or failed full copy/);
  expect(help.stdout).not.toMatch(/db:rollback -- .*--(force|data-only)/);
});
