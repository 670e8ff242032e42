/**
 * The README's "Scripts" table is the front door: every flag it lists for a command is one that
 * command's --help knows (a flag renamed or removed without the table fails here).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Row {
  readonly command: string;
  readonly file: string;
  readonly flags: string[];
}

/** The rows of the README's Scripts table that run a script of scripts/. */
export function scriptRows(readme: string): Row[] {
  const section = readme.split(/^## Scripts\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const m = /^`npm run ([a-z][a-z0-9:-]*)`$/.exec(cells[1] ?? '');
    if (!m) continue;
    const file = join('scripts', `${m[1].replace(/:/g, '-')}.ts`);
    if (!existsSync(join(ROOT, file))) continue; // synth: main.ts, configured by environment variables
    rows.push({ command: m[1], file, flags: [...new Set((cells[3] ?? '').match(/--[a-z][a-z0-9-]*/g) ?? [])] });
  }
  return rows;
}

const rows = scriptRows(readFileSync(join(ROOT, 'README.md'), 'utf8'));

test('the table lists the scripts it documents (a parse that finds nothing proves nothing)', () => {
  expect(rows.map((r) => r.command)).toEqual(expect.arrayContaining(['db:copy', 'db:sync', 'cutover', 'env:sync', 'plan', 'cost']));
});

describe.each(rows.map((r) => [r.command, r] as const))('npm run %s', (_, row) => {
  test('--help knows every flag the README lists for it', () => {
    // as `npm run <command> -- --help` runs it: the launcher over the compiled script
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run.js'), row.file, '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: 'true' } });
    expect(r.status).toBe(0);
    const known = new Set(r.stdout.match(/--[a-z][a-z0-9-]*/g) ?? []);
    expect(row.flags.filter((f) => !known.has(f))).toEqual([]);
  }, 180_000);
});
