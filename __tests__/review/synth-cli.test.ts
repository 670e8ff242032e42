/**
 * `npm run synth` (main.ts) as a command line: --help and bad flags never
 * synthesize; under `cdktf synth` progress is not printed as an error.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
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

describe('VN_STACKS and VN_HCL', () => {
  test('an unknown name in VN_STACKS exits 1 naming it and the known stacks, and synthesizes nothing', () => {
    const out = join(dir, 'typo');
    const r = synth([], { CDKTF_OUTDIR: out, VN_STACKS: 'prod' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['error: synth failed: VN_STACKS: unknown stack prod; known: production, staging (environment names from the config, comma-separated)']);
    expect(existsSync(join(out, 'stacks'))).toBe(false);
  });

  test('an HCL synth removes the cdk.tf.json an earlier synth left, and a JSON synth the cdk.tf', () => {
    const out = join(dir, 'formats');
    const folder = join(out, 'stacks', 'staging');
    expect(synth([], { CDKTF_OUTDIR: out, VN_STACKS: 'staging' }).code).toBe(0);
    expect(synth([], { CDKTF_OUTDIR: out, VN_STACKS: 'staging', VN_HCL: '1' }).code).toBe(0);
    expect(readdirSync(folder).filter((f) => f.startsWith('cdk.'))).toEqual(['cdk.tf']);
    expect(synth([], { CDKTF_OUTDIR: out, VN_STACKS: 'staging' }).code).toBe(0);
    expect(readdirSync(folder).filter((f) => f.startsWith('cdk.'))).toEqual(['cdk.tf.json']);
  });
});

describe('the validations cdktf would run', () => {
  test('run without cdktf probing `terraform version` (no terraform on PATH), and the JSON states Terraform >= 1.5 for Terraform to enforce', () => {
    const out = join(dir, 'no-terraform');
    const r = synth([], { CDKTF_OUTDIR: out, VN_STACKS: 'staging', TERRAFORM_BINARY_NAME: join(dir, 'no-such-terraform') });
    expect(r.stderr).not.toMatch(/Could not determine version/);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'stacks', 'staging', 'cdk.tf.json'), 'utf8')).terraform.required_version).toBe('>= 1.5.0');
  });
});
