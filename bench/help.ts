/**
 * npm run bench:help [-- --runs 7] [--json]
 *
 * Times every script's and benchmark's `--help` from outside, as a user runs it: `npm run -s
 * <name> -- --help` (npm's own start-up included), beside `node scripts/run.js <entry> --help`
 * (the launcher npm starts) and `node -e 0` (Node's start-up alone), the three interleaved per
 * round. Prints the median and the spread of each; asserts nothing. Goal: a script's help
 * <= 0.3 s. __tests__/cli/help-light.test.ts holds what makes it possible: no package loads.
 */
import { readFileSync } from 'fs';
import { loadavg } from 'os';
import { join } from 'path';
import { parseCli, runCli, UsageError } from '../scripts/lib/cli/args';
import { runProcess } from '../scripts/lib/proc/run';
import { projectRoot } from '../scripts/lib/cli/root';
import { median } from './copy';

const ROOT = projectRoot(__dirname);

const spec = {
  name: 'npm run bench:help --',
  summary: 'Time each script\'s --help from outside: through npm run, through the launcher alone, and Node\'s start-up alone.',
  options: {
    runs: { type: 'string', valueName: 'N', description: 'rounds (each times all three ways once)', default: '7' },
    only: { type: 'string', multiple: true, valueName: 'name', description: 'only these npm scripts (repeatable), e.g. db:copy' },
  },
} as const;

/** The npm scripts that run an entry through the launcher, as [name, entry]. */
export function launcherScripts(packageJson: string = join(ROOT, 'package.json')): [string, string][] {
  const scripts = (JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts: Record<string, string> }).scripts;
  return Object.entries(scripts).flatMap(([name, cmd]) => {
    const entry = /^node scripts\/run\.js ((?:scripts|bench)\/[\w-]+\.ts)$/.exec(cmd)?.[1];
    return entry ? [[name, entry] as [string, string]] : [];
  });
}

async function timed(command: string, args: string[]): Promise<number> {
  const r = await runProcess(command, args, { cwd: ROOT });
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return r.seconds;
}

interface Row {
  readonly script: string;
  readonly npm: number[];
  readonly launcher: number[];
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a whole number above 0 (got ${args.runs})`);
  const all = launcherScripts();
  const unknown = (args.only ?? []).filter((n) => !all.some(([name]) => name === n));
  if (unknown.length) throw new UsageError(`--only ${unknown.join(', ')}: not a script run by the launcher; known: ${all.map(([n]) => n).join(', ')}`);
  const picked = args.only?.length ? all.filter(([n]) => args.only!.includes(n)) : all;
  // The launcher compiles what changed on its first run: time an up-to-date tree.
  await timed(process.execPath, [join(ROOT, 'scripts', 'run.js'), 'bench/help.ts', '--help']);
  const node: number[] = [];
  const rows: Row[] = picked.map(([script]) => ({ script, npm: [], launcher: [] }));
  const load = loadavg()[0];
  for (let round = 0; round < runs; round++) {
    node.push(await timed(process.execPath, ['-e', '0']));
    for (const [i, [name, entry]] of picked.entries()) {
      rows[i].npm.push(await timed('npm', ['run', '-s', name, '--', '--help']));
      rows[i].launcher.push(await timed(process.execPath, [join(ROOT, 'scripts', 'run.js'), entry, '--help']));
    }
    process.stderr.write(`round ${round + 1}/${runs} done\n`);
  }
  const s = (xs: number[]) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)})`;
  if (args.json) {
    process.stdout.write(JSON.stringify({ runs, loadBefore: load, nodeStartup: median(node), scripts: rows.map((r) => ({ script: r.script, npm: median(r.npm), launcher: median(r.launcher) })) }, null, 2) + '\n');
    return 0;
  }
  const w = Math.max(6, ...rows.map((r) => r.script.length));
  const out = [
    `--help timed from outside, seconds: median (min-max) of ${runs} interleaved rounds; load average before: ${load.toFixed(2)}`,
    `node -e 0 (Node's start-up alone): ${s(node)}`,
    '',
    `${'script'.padEnd(w)}  ${'npm run -s <script> -- --help'.padEnd(30)}  node scripts/run.js <entry> --help`,
    ...rows.map((r) => `${r.script.padEnd(w)}  ${s(r.npm).padEnd(30)}  ${s(r.launcher)}`),
    '',
    `slowest median: npm run ${Math.max(...rows.map((r) => median(r.npm))).toFixed(3)} s, launcher ${Math.max(...rows.map((r) => median(r.launcher))).toFixed(3)} s   (goal <= 0.300)`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

if (require.main === module) runCli(main);
