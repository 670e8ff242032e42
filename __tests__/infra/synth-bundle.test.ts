/**
 * `npm run synth` runs main.ts from the launcher's bundles (scripts/run.js: dist/.bundle/); the
 * plain way is the compiled dist/main.js, module by module. Both must write the same files.
 * Each synth here writes into its own temporary folder (CDKTF_OUTDIR).
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const STACKS = ['production', 'staging'];
let scratch: string;

/** Every stack delegated (so every construct is synthesized) and alert recipients set (so no annotation, whose stack trace names the running files). */
const FULL_CONFIG = {
  environments: Object.fromEntries(STACKS.map((env) => [env, { dns: { delegated: true }, budget: { alertEmails: ['ops@example.com'] } }])),
};

/** Runs a synth into a new folder; returns the folder and the process's output. */
function synth(how: 'bundled' | 'plain', env: NodeJS.ProcessEnv = {}) {
  const out = mkdtempSync(join(scratch, `${how}-`));
  const args = how === 'bundled' ? [join(ROOT, 'scripts', 'run.js'), 'main.ts'] : [join(ROOT, 'dist', 'main.js')];
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', VN_BUNDLE: undefined, ...env, CDKTF_OUTDIR: out },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`${how} synth exited ${r.status}: ${r.stderr}`);
  return { out, stdout: r.stdout.split(out).join('<out>'), stderr: r.stderr.split(out).join('<out>') };
}

const read = (out: string, ...path: string[]) => readFileSync(join(out, ...path), 'utf8');

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'vn-synth-bundle-'));
  writeFileSync(join(scratch, 'full.json'), JSON.stringify(FULL_CONFIG));
  // The first bundled run compiles what is stale, builds the bundles and writes their code caches.
  synth('bundled');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('npm run synth runs from the bundles: a second synth builds nothing and the record names both bundles, which exist', () => {
  synth('bundled'); // rebuilds if a concurrent test's synth replaced the bundles during beforeAll
  const r = synth('bundled');
  expect(r.stderr).not.toMatch(/^build: /m);
  const record = JSON.parse(read(join(ROOT, 'dist', '.bundle'), 'main.json')) as { project: { bundle: string }; packages: { bundle: string } };
  for (const file of [record.project.bundle, record.packages.bundle]) expect(existsSync(join(ROOT, 'dist', '.bundle', file))).toBe(true);
});

test.each(STACKS)('the bundled synth writes the same %s cdk.tf.json as node dist/main.js, for the default config', (stack) => {
  const bundled = synth('bundled');
  const plain = synth('plain');
  expect(read(bundled.out, 'stacks', stack, 'cdk.tf.json')).toBe(read(plain.out, 'stacks', stack, 'cdk.tf.json'));
});

test.each(STACKS)('the bundled synth writes the same %s cdk.tf.json as node dist/main.js, for delegated stacks (every construct)', (stack) => {
  const env = { VN_CONFIG: join(scratch, 'full.json') };
  const bundled = synth('bundled', env);
  const plain = synth('plain', env);
  expect(read(bundled.out, 'stacks', stack, 'cdk.tf.json')).toBe(read(plain.out, 'stacks', stack, 'cdk.tf.json'));
});

test('the bundled synth writes the same manifest.json as node dist/main.js', () => {
  const env = { VN_CONFIG: join(scratch, 'full.json') };
  expect(read(synth('bundled', env).out, 'manifest.json')).toBe(read(synth('plain', env).out, 'manifest.json'));
});

test('the bundled synth writes the same cdk.tf (VN_HCL=1) as node dist/main.js', () => {
  const env = { VN_CONFIG: join(scratch, 'full.json'), VN_HCL: '1' };
  const bundled = synth('bundled', env);
  const plain = synth('plain', env);
  for (const stack of STACKS) expect(read(bundled.out, 'stacks', stack, 'cdk.tf')).toBe(read(plain.out, 'stacks', stack, 'cdk.tf'));
});

test('the bundled synth prints what node dist/main.js prints, on both streams', () => {
  const bundled = synth('bundled');
  const plain = synth('plain');
  expect({ stdout: bundled.stdout, stderr: bundled.stderr }).toEqual({ stdout: plain.stdout, stderr: plain.stderr });
});
