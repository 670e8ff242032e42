/**
 * The plan / validate / cost command lines: help, dry runs that write nothing,
 * JSON on stdout, one-line errors with a non-zero exit.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthEnvironment } from '../support/synth';

const ROOT = join(__dirname, '..', '..');
let dir: string;

function cli(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vn-cli-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run plan', () => {
  it('--dry-run --json lists the phases and files per stack and writes nothing', () => {
    const out = join(dir, 'plan-out');
    const r = cli('plan.ts', ['--dry-run', '--json', '--offline', '--out', out]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.stacks.map((s: { stack: string }) => s.stack)).toEqual(['production', 'staging']);
    expect(plan.stacks[0].writes.map((w: string) => w.split('/').pop())).toEqual(['plan.bin', 'plan.json', 'summary.md']);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects contradictory mode flags with a one-line error and exit 2', () => {
    const r = cli('plan.ts', ['--offline', '--no-offline', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['error: --offline and --no-offline contradict each other; pick one']);
  });

  it('exits 2 on a bad command line, like every other script', () => {
    const r = cli('plan.ts', ['--stak', 'production']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`error: Unknown option '--stak'; did you mean --stack?; run npm run plan -- --help for the list of options`]);
  });

  it('documents exit 3, not 2, for --fail-on-danger', () => {
    const r = cli('plan.ts', ['--help']);
    expect(r.stdout).toMatch(/--fail-on-danger +exit 3 when a stateful resource is destroyed or replaced/);
  });

  it('refuses to plan against AWS without the origin secret, before running anything', () => {
    const r = cli('plan.ts', ['--no-offline', '--stack', 'production', '--out', join(dir, 'aws')], { TF_VAR_origin_verify_secret: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TF_VAR_origin_verify_secret is not set/);
    expect(existsSync(join(dir, 'aws'))).toBe(false);
  });
});

describe('npm run validate', () => {
  it('--help explains the offline checks', () => {
    const r = cli('validate.ts', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/terraform init .*validate/s);
  });

  it('rejects an unknown option with a one-line error naming it and exit 2', () => {
    const r = cli('validate.ts', ['--no-plans']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`error: Unknown option '--no-plans'; did you mean --no-plan?; run npm run validate -- --help for the list of options`]);
  });
});

describe('npm run cost', () => {
  it('--json prints the estimate of a given cdk.tf.json on stdout', () => {
    const file = join(dir, 'cdk.tf.json');
    writeFileSync(file, JSON.stringify(synthEnvironment({}, 'staging')));
    const r = cli('cost.ts', ['--file', file, '--json']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.totalUsd).toBeGreaterThan(0);
    expect(e.guide.totalUsd).toBe(220);
  });

  it('names the file and the fix when the JSON is missing', () => {
    const r = cli('cost.ts', ['--stack', 'nowhere', '--no-synth'], { CDKTF_OUTDIR: join(dir, 'empty') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*stacks\/nowhere\/cdk\.tf\.json not found; run npm run synth/);
  });
});
