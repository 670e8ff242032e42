/**
 * `--help` is answered before a script loads its engine: the usage text comes from the script's
 * option spec and the light modules it is written with (scripts/lib/cli/args, constants), and no
 * package of node_modules (pg, the AWS SDK, cdktf, zod, autocannon, ...) is loaded. So a script's
 * help costs Node's start-up and the launcher's check of dist/, not a driver or a provider;
 * `npm run bench:help` prints what it takes, from outside.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { launcherScripts } from '../../bench/help';

const ROOT = join(__dirname, '..', '..');

/** Every npm script that runs a script or benchmark through the launcher, as [name, entry]. */
const ENTRIES = launcherScripts();

let dir: string;
let hook: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vn-help-'));
  hook = join(dir, 'loaded.js');
  // Preloaded (-r): on exit, writes every module file this process loaded to $VN_LOADED_OUT.
  writeFileSync(hook, "process.on('exit', () => require('fs').writeFileSync(process.env.VN_LOADED_OUT, JSON.stringify(Object.keys(require.cache))));\n");
  // Compile whatever is stale first, so the launcher loads no TypeScript in the runs below.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run.js'), 'scripts/toolkit.ts', '--help'], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function help(entry: string) {
  const out = join(dir, `${entry.replace(/\W/g, '_')}.json`);
  const r = spawnSync(process.execPath, ['-r', hook, join(ROOT, 'scripts', 'run.js'), entry, '--help'], {
    cwd: ROOT,
    env: { ...process.env, VN_LOADED_OUT: out, CI: 'true' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const loaded: string[] = r.status === 0 ? JSON.parse(readFileSync(out, 'utf8')) : [];
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
}

const packageOf = (file: string) => {
  const rest = file.split(`${join('node_modules')}/`).pop()!;
  return rest.startsWith('@') ? rest.split('/').slice(0, 2).join('/') : rest.split('/')[0];
};

test('the launcher runs every script and benchmark the scripts of package.json name', () => {
  expect(ENTRIES.length).toBeGreaterThanOrEqual(20);
  expect(ENTRIES.map(([n]) => n)).toEqual(expect.arrayContaining(['db:copy', 'db:sync', 'cutover', 'plan', 'rehearse', 'bench:copy']));
});

test.each(ENTRIES)('npm run %s -- --help prints its usage and loads no package', (_name, entry) => {
  const r = help(entry);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(/^Usage: /);
  const packages = [...new Set(r.loaded.filter((f) => f.includes(`${join('node_modules')}/`)).map(packageOf))];
  expect(packages).toEqual([]);
});
