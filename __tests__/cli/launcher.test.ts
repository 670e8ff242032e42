/**
 * scripts/run.js, the launcher every `npm run <script>` goes through: it runs the compiled
 * entry (dist/…) in its own process, compiling first only the sources that changed, so a
 * fresh clone works and an up-to-date tree pays no compiler at all.
 *
 * The behaviour tests run a copy of the launcher in a scratch repository (its own
 * tsconfig.json, one script, node_modules linked), so they can edit sources freely.
 */
import { spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
let repo: string;

/** Records on stderr whether the TypeScript compiler or esbuild was loaded by the run. */
const TRACER = `const M = require('module'); const load = M._load;
M._load = function (request, ...rest) { if (request === 'typescript' || request === 'esbuild') process.stderr.write('[' + request + ' loaded]\\n'); return load.call(this, request, ...rest); };`;

function launch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['-r', join(repo, 'tracer.js'), join(repo, 'scripts', 'run.js'), ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, VN_BUNDLE: undefined, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeSource(rel: string, text: string, ageSeconds = 0) {
  const file = join(repo, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  if (ageSeconds) utimesSync(file, new Date(Date.now() - ageSeconds * 1000), new Date(Date.now() - ageSeconds * 1000));
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'vn-launcher-'));
  mkdirSync(join(repo, 'scripts', 'lib'), { recursive: true });
  copyFileSync(join(ROOT, 'scripts', 'run.js'), join(repo, 'scripts', 'run.js'));
  copyFileSync(join(ROOT, 'tsconfig.json'), join(repo, 'tsconfig.json'));
  utimesSync(join(repo, 'tsconfig.json'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
  writeFileSync(join(repo, 'package.json'), '{"name":"scratch","private":true}');
  writeFileSync(join(repo, 'tracer.js'), TRACER);
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  writeSource('scripts/lib/greeting.ts', `export const greeting = (who: string): string => \`hello \${who}\`;\n`, 60);
  writeSource('scripts/hello.ts', `import { greeting } from './lib/greeting';
const main: boolean = require.main === module;
process.stdout.write(\`\${greeting(process.argv.slice(2).join(' '))} main=\${main} file=\${process.argv[1]}\\n\`);
process.exitCode = process.argv.includes('--fail') ? 3 : 0;\n`, 60);
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

test('a fresh tree (no dist/) is compiled on the first run, which then runs the compiled entry as the main module with its arguments', () => {
  const r = launch(['scripts/hello.ts', 'a', 'b']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`hello a b main=true file=${join(repo, 'dist', 'scripts', 'hello.js')}\n`);
  expect(r.stderr).toMatch(/^build: 2 changed sources compiled to dist\/ /m);
  expect(existsSync(join(repo, 'dist', 'scripts', 'lib', 'greeting.js'))).toBe(true);
});

test('an up-to-date tree runs without loading TypeScript and prints nothing of its own', () => {
  launch(['scripts/hello.ts']);
  const r = launch(['scripts/hello.ts', 'again']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^hello again main=true/);
  expect(r.stderr).toBe('');
});

test('a source edited after the build is recompiled (only it) before the run', () => {
  launch(['scripts/hello.ts']);
  writeSource('scripts/lib/greeting.ts', `export const greeting = (who: string): string => \`bonjour \${who}\`;\n`);
  const r = launch(['scripts/hello.ts', 'x']);
  expect(r.stdout).toMatch(/^bonjour x /);
  expect(r.stderr).toMatch(/^build: 1 changed source compiled to dist\/ /m);
});

test('the entry point exit code is the launcher exit code', () => {
  expect(launch(['scripts/hello.ts', '--fail']).code).toBe(3);
});

test('a syntax error stops the launcher with exit 1 and one error naming the file and line; nothing runs', () => {
  launch(['scripts/hello.ts']);
  writeSource('scripts/lib/greeting.ts', `export const greeting = (who: string) => {\n  return (who;\n};\n`);
  const r = launch(['scripts/hello.ts']);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^error: scripts\/lib\/greeting\.ts:2:\d+: .*expected/m);
});

test('an entry that is not a TypeScript file of the repository exits 2 naming what it got', () => {
  const r = launch(['scripts/nope.ts']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^error: scripts\/run\.js needs a TypeScript entry point .*"scripts\/nope\.ts"/);
});

describe('main.ts (synth) runs from bundles', () => {
  const BUNDLES = () => join(repo, 'dist', '.bundle');
  const record = () => JSON.parse(readFileSync(join(BUNDLES(), 'main.json'), 'utf8')) as { project: { bundle: string }; packages: { bundle: string } };

  beforeEach(() => {
    // A package (zod, from the linked node_modules) and a compiled module, like the real main.ts.
    writeSource('main.ts', `import { z } from 'zod';
import { greeting } from './scripts/lib/greeting';
process.stdout.write(\`\${greeting(z.string().parse(process.argv[2] ?? 'synth'))} file=\${process.argv[1]} zod=\${typeof z.object}\\n\`);\n`, 60);
  });

  test('the first run builds the bundles, then runs them with the output of the unbundled run (VN_BUNDLE=0)', () => {
    const first = launch(['main.ts', 'a']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^build: dist\/main\.js bundled \(\d+ compiled files, \d+ package modules\) into dist\/\.bundle\/ /m);
    const plain = launch(['main.ts', 'a'], { VN_BUNDLE: '0' });
    expect(first.stdout).toBe(`hello a file=${join(repo, 'dist', 'main.js')} zod=function\n`);
    expect(plain.stdout).toBe(first.stdout);
  });

  test('an up-to-date bundle runs without loading esbuild or TypeScript and prints nothing of its own', () => {
    launch(['main.ts']);
    const r = launch(['main.ts', 'again']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hello again /);
    expect(r.stderr).toBe('');
  });

  test('the first plain run (no arguments) from new bundles writes their V8 code caches', () => {
    launch(['main.ts']);
    const { project, packages } = record();
    for (const bundle of [project.bundle, packages.bundle]) expect(existsSync(join(BUNDLES(), bundle.replace(/\.js$/, '.cache')))).toBe(true);
  });

  test('a source edited after the build rebuilds the project bundle only, and the run sees the edit', () => {
    launch(['main.ts']);
    const before = record();
    // A bundle replaced is deleted once it is a minute old (a concurrent launcher may be about to run it).
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(BUNDLES(), before.project.bundle), old, old);
    writeSource('scripts/lib/greeting.ts', `export const greeting = (who: string): string => \`bonjour \${who}\`;\n`);
    const r = launch(['main.ts', 'x']);
    expect(r.stdout).toMatch(/^bonjour x /);
    expect(r.stderr).toMatch(/^build: dist\/main\.js bundled \(\d+ compiled files\) into /m);
    const after = record();
    expect(after.packages.bundle).toBe(before.packages.bundle);
    expect(after.project.bundle).not.toBe(before.project.bundle);
    expect(existsSync(join(BUNDLES(), before.project.bundle))).toBe(false);
  });

  test('a package the project newly requires rebuilds the packages bundle', () => {
    launch(['main.ts']);
    const before = record();
    writeSource('scripts/lib/greeting.ts', `import { Construct } from 'constructs';\nexport const greeting = (who: string): string => \`hello \${who} \${typeof Construct}\`;\n`);
    const r = launch(['main.ts', 'x']);
    expect(r.stdout).toMatch(/^hello x function /);
    expect(r.stderr).toMatch(/^build: dist\/main\.js bundled \(\d+ compiled files, \d+ package modules\)/m);
    expect(record().packages.bundle).not.toBe(before.packages.bundle);
  });

  test('a module reading __dirname gets its own folder in dist/, not the bundle\'s', () => {
    writeSource('scripts/lib/greeting.ts', `export const greeting = (who: string): string => \`hello \${who} from \${__dirname}\`;\n`);
    const r = launch(['main.ts', 'x']);
    expect(r.stdout).toMatch(new RegExp(`^hello x from ${join(repo, 'dist', 'scripts', 'lib').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
  });

  test('a module that would tell a bundle from its own file (require.main) is not bundled: the run is unbundled, with a notice naming it', () => {
    writeSource('scripts/lib/greeting.ts', `export const greeting = (who: string): string => \`hello \${who} \${require.main === undefined}\`;\n`);
    const r = launch(['main.ts', 'x']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hello x false /);
    expect(r.stderr).toMatch(/^build: could not bundle dist\/main\.js \(dist\/scripts\/lib\/greeting\.js uses require\.main\): running it unbundled$/m);
  });

  test('VN_BUNDLE=0 runs dist/main.js unbundled and builds nothing', () => {
    const r = launch(['main.ts', 'x'], { VN_BUNDLE: '0' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hello x /);
    expect(r.stderr).not.toMatch(/esbuild loaded|bundled/);
    expect(existsSync(BUNDLES())).toBe(false);
  });

  test('without esbuild installed, main.ts runs unbundled with a one-line notice', () => {
    rmSync(join(repo, 'node_modules'));
    mkdirSync(join(repo, 'node_modules'));
    for (const pkg of ['typescript', 'zod']) symlinkSync(join(ROOT, 'node_modules', pkg), join(repo, 'node_modules', pkg));
    const r = launch(['main.ts', 'x']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hello x /);
    expect(r.stderr.split('\n').filter((l) => /^build: .*esbuild/.test(l))).toEqual([expect.stringMatching(/^build: esbuild is not installed .*running dist\/main\.js unbundled/)]);
  });

  test('an entry other than main.ts is never bundled', () => {
    launch(['scripts/hello.ts']);
    expect(existsSync(BUNDLES())).toBe(false);
  });
});

describe('package.json', () => {
  const runnable = Object.entries(PKG.scripts).filter(([, cmd]) => /\.ts\b/.test(cmd));

  test('every script that runs a TypeScript file runs it through the launcher, none through ts-node', () => {
    expect(runnable.length).toBeGreaterThan(15);
    for (const [name, cmd] of runnable) expect({ name, cmd }).toEqual({ name, cmd: expect.stringMatching(/^node scripts\/run\.js (main|(scripts|bench)\/[\w-]+)\.ts( |$)/) });
  });

  test.each(runnable)('%s names an entry point that exists', (_name, cmd) => {
    const entry = /^node scripts\/run\.js (\S+)/.exec(cmd)?.[1];
    expect(entry && existsSync(join(ROOT, entry))).toBe(true);
  });
});
