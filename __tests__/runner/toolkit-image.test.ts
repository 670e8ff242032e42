/**
 * The toolkit image without a Docker daemon: the Dockerfile lints clean and has the shape
 * the runner relies on, and the exact entry point it runs (compiled JS, `npm run build`'s
 * output) works: --help of every script, and a real db:copy + db:verify between two
 * clusters with the target taken from PG* variables as the runner's task definition sets them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { PASSWORD, useClusters } from '../support/postgres';
import { toolkitScripts } from '../../scripts/lib/cli/toolkit';

const ROOT = join(__dirname, '..', '..');
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Stages as [name, instructions] from the Dockerfile text. */
function stages(text: string): { name: string; lines: string[] }[] {
  const out: { name: string; lines: string[] }[] = [];
  for (const line of text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) out.push({ name: from[1], lines: [] });
    else out[out.length - 1]?.lines.push(line);
  }
  return out;
}

describe('Dockerfile', () => {
  test('lints clean with dockerfile-utils', () => {
    expect(validate(DOCKERFILE)).toEqual([]);
  });

  test('the linter does report a broken Dockerfile (the check above can fail)', () => {
    expect(validate('FROM node:20 AS a\nCOPY --from=a\nENTRYPOINT ["node"\n').length).toBeGreaterThan(0);
  });

  test('every stage starts from node:20-bookworm-slim pinned by digest', () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(DOCKERFILE)?.[1];
    expect(arg).toMatch(/^node:20-bookworm-slim@sha256:[0-9a-f]{64}$/);
    const froms = DOCKERFILE.match(/^FROM\s+\S+/gm) ?? [];
    expect(froms.length).toBeGreaterThanOrEqual(3);
    for (const f of froms) expect(f).toBe('FROM ${NODE_IMAGE}');
  });

  test('the runtime stage installs production dependencies only, compiled JS only, and runs as a non-root user', () => {
    const all = stages(DOCKERFILE);
    const runtime = all[all.length - 1];
    expect(runtime.name).toBe('runtime');
    const deps = all.find((s) => s.name === 'deps')!;
    expect(deps.lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
    expect(runtime.lines).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(runtime.lines).toContain('COPY --from=build /src/dist ./dist');
    // No source: nothing of scripts/ or stacks/ is copied into the runtime stage from the context.
    expect(runtime.lines.filter((l) => /^COPY (?!--from)/.test(l))).toEqual(['COPY package.json ./']);
    const user = runtime.lines.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
  });

  test('the entry point is the compiled toolkit entry, which runs one of the scripts', () => {
    expect(DOCKERFILE).toMatch(/^ENTRYPOINT \["node", "\/app\/dist\/scripts\/toolkit\.js"\]$/m);
  });

  test('the RDS CA bundle comes from the documented AWS URL, is checked against a pinned sha256, and lands where PGSSLROOTCERT points', () => {
    expect(DOCKERFILE).toContain('https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem');
    expect(DOCKERFILE).toMatch(/sha256sum -c -/);
    expect(DOCKERFILE).toMatch(/test -n "\$\{RDS_CA_SHA256\}"/);
    expect(DOCKERFILE).toMatch(/PGSSLROOTCERT=\/app\/certs\/rds-global-bundle\.pem/);
    expect(DOCKERFILE).toContain('COPY --from=certs /certs/rds-global-bundle.pem ./certs/rds-global-bundle.pem');
  });

  test('.dockerignore lets in exactly what the build stages copy from the context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = [...DOCKERFILE.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    for (const c of copied) expect(allowed).toContain(c.replace(/\/$/, ''));
  });
});

describe('compiled entry points (what the image runs)', () => {
  let out: string;
  const [source, target] = useClusters(2);

  beforeAll(async () => {
    // `npm run build` into a scratch root laid out like the image's /app (dist/, package.json, node_modules).
    out = mkdtempSync(join(tmpdir(), 'vn-toolkit-'));
    const r = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(out, 'dist'), '--tsBuildInfoFile', join(out, 'tsbuildinfo')]);
    if (r.code !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
    copyFileSync(join(ROOT, 'package.json'), join(out, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  }, 240_000);
  afterAll(() => out && rmSync(out, { recursive: true, force: true }));

  const toolkit = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [join(out, 'dist', 'scripts', 'toolkit.js'), ...args], { ...process.env, CI: 'true', ...env });

  test('toolkit --help lists the scripts the image runs and exits 0', async () => {
    const r = await toolkit(['--help']);
    expect(r.code).toBe(0);
    for (const s of ['db:audit', 'db:copy', 'db:verify', 'db:rollback']) expect(r.stdout).toContain(s);
  });

  test.each(toolkitScripts(PKG))('%s --help runs compiled and exits 0', async (script) => {
    const r = await toolkit([script, '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: /);
  });

  test('a script that is not in the image is refused with exit 2 and the list of scripts', async () => {
    const r = await toolkit(['rehearse']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"rehearse" is not a toolkit script; the image runs .*db:copy/);
  });

  test('db:copy then db:verify between two clusters, the target composed from PG* as in the runner, exit 0', async () => {
    const src = await source().createDatabase('app');
    await source().sql('app', `CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL); INSERT INTO accounts (name) SELECT 'a' || g FROM generate_series(1, 250) g`);
    await target().createDatabase('app');
    const env = { SOURCE_DATABASE_URL: src, PGHOST: '127.0.0.1', PGPORT: String(target().port), PGDATABASE: 'app', PGUSER: 'postgres', PGPASSWORD: PASSWORD, PGSSLMODE: 'disable' };
    const copy = await toolkit(['db:copy', '--json'], env);
    expect(copy.code).toBe(0);
    expect(JSON.parse(copy.stdout).ok).toBe(true);
    const rows = await target().sql('app', 'SELECT count(*)::int AS n FROM accounts');
    expect(rows[0].n).toBe(250);
    const verify = await toolkit(['db:verify'], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/OK\s*$/);
    expect(copy.stdout + copy.stderr + verify.stdout + verify.stderr).not.toContain(PASSWORD);
  });

  test('the script exit code passes through the entry (db:verify against a different target exits 1)', async () => {
    await target().sql('app', `DELETE FROM accounts WHERE id = 7`);
    const env = { SOURCE_DATABASE_URL: source().url('app'), PGHOST: '127.0.0.1', PGPORT: String(target().port), PGDATABASE: 'app', PGUSER: 'postgres', PGPASSWORD: PASSWORD, PGSSLMODE: 'disable' };
    const r = await toolkit(['db:verify'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mismatch: .*accounts/);
  });
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
