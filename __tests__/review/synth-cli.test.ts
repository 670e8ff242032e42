/**
 * `npm run synth` (main.ts) as a command line: --help and bad flags never
 * synthesize; under `cdktf synth` progress is not printed as an error.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vn-synth-cli-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synth(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  delete base.CDKTF_CONTEXT_JSON;
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'main.ts'), ...args], { cwd: ROOT, env: { ...base, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help prints usage, exits 0 and synthesizes nothing', () => {
  const out = join(dir, 'help');
  const r = synth(['--help'], { CDKTF_OUTDIR: out });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Usage: npm run synth -- \[options\]/);
  expect(r.stdout).toContain('VN_STACKS=production');
  expect(existsSync(out)).toBe(false);
});

test('an unknown flag exits 2 with one error line naming it, and synthesizes nothing', () => {
  const out = join(dir, 'bogus');
  const r = synth(['--bogus'], { CDKTF_OUTDIR: out });
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual([`error: Unknown option '--bogus'; run npm run synth -- --help for the list of options`]);
  expect(existsSync(out)).toBe(false);
});

describe('a synth of production', () => {
  test('warns on stderr that production keeps its state in a local file', () => {
    const config = join(dir, 'local-backend.json');
    writeFileSync(config, JSON.stringify({ environments: { production: { backend: { type: 'local' } } } }));
    const r = synth([], { CDKTF_OUTDIR: join(dir, 'plain'), VN_STACKS: 'production', VN_CONFIG: config });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^synthesized production -> /m);
    expect(r.stderr).toMatch(/^warn: production keeps its Terraform state in a local file/m);
  });

  // The cdktf CLI runs the app with CDKTF_CONTEXT_JSON set, prints its stdout as
  // output and every stderr chunk as [ERROR] (@cdktf/commons exec), so there
  // progress and warnings must go to stdout.
  test('under the cdktf CLI writes progress and warnings to stdout and nothing to stderr', () => {
    const config = join(dir, 'local-backend-cdktf.json');
    writeFileSync(config, JSON.stringify({ environments: { production: { backend: { type: 'local' } } } }));
    const r = synth([], { CDKTF_OUTDIR: join(dir, 'cdktf'), VN_STACKS: 'production', CDKTF_CONTEXT_JSON: '{}', VN_CONFIG: config });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^synthesized production -> /m);
    expect(r.stdout).toMatch(/^warn: production keeps its Terraform state/m);
  });
});
