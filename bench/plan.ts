/**
 * npm run bench:plan [-- --runs 3] [--cold]
 *
 * Runs the whole review pipeline (`npm run plan -- --stack production`) as a user
 * would, and prints the wall time of each run with the time per phase.
 * Target: <= 12 s warm on the 2-core dev machine. Prints figures; asserts nothing.
 */
import { rmSync } from 'fs';
import { loadavg } from 'os';
import { join } from 'path';
import { parseCli, runCli, UsageError } from '../scripts/lib/cli/args';
import { runProcess } from '../scripts/lib/proc/run';
import { projectRoot } from '../scripts/lib/cli/root';

const spec = {
  name: 'npm run bench:plan --',
  summary: `Runs \`npm run plan -- --stack <name> --json --offline --out .bench/plan\` N times
and prints wall time and per-phase times (synth, init, validate, plan, show).`,
  options: {
    runs: { type: 'string', valueName: 'N', description: 'how many runs', default: '3' },
    cold: { type: 'boolean', description: 'remove .bench/plan first so the first run includes a fresh terraform init', default: false },
    stack: { type: 'string', valueName: 'name', description: 'environment to plan', default: 'production' },
  },
} as const;

const ROOT = projectRoot(__dirname);
const PHASES = ['synth', 'init', 'validate', 'plan', 'show'] as const;

interface PlanJson {
  build: string;
  timings: Record<(typeof PHASES)[number], number>;
  stacks: { stack: string; initCached: boolean; totals?: { add: number } }[];
  totalSeconds: number;
}

async function runPlan(stack: string, out: string): Promise<{ wall: number; result: PlanJson }> {
  const r = await runProcess('npm', ['run', '--silent', 'plan', '--', '--stack', stack, '--json', '--offline', '--out', out], { cwd: ROOT });
  if (r.code !== 0) throw new Error(`npm run plan exited ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return { wall: r.seconds, result: JSON.parse(r.stdout) as PlanJson };
}

async function main(): Promise<number> {
  const values = parseCli(process.argv.slice(2), spec);
  if (!values) return 0;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a positive whole number, got "${values.runs}"`);
  const out = join(ROOT, '.bench', 'plan');
  if (values.cold) rmSync(out, { recursive: true, force: true });

  const cols = ['run', 'wall s', ...PHASES, 'tsc', 'init', 'load1'];
  const print = (text: string) => {
    if (!values.json) process.stdout.write(text);
  };
  print(`npm run plan -- --stack ${values.stack} (offline), ${runs} run(s)\n${cols.map((c) => c.padStart(9)).join('')}\n`);
  const rows: { run: number; wallSeconds: number; timings: PlanJson['timings']; tsc: string; init: string; load1: number }[] = [];
  for (let i = 1; i <= runs; i++) {
    const { wall, result } = await runPlan(values.stack, out);
    const r = { run: i, wallSeconds: wall, timings: result.timings, tsc: result.build === 'built' ? 'ran' : 'skipped', init: result.stacks[0]?.initCached ? 'cached' : 'ran', load1: loadavg()[0] };
    rows.push(r);
    const row = [String(i), wall.toFixed(2), ...PHASES.map((p) => result.timings[p].toFixed(2)), r.tsc, r.init, r.load1.toFixed(1)];
    print(`${row.map((c) => c.padStart(9)).join('')}\n`);
  }
  const sorted = rows.map((r) => r.wallSeconds).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ stack: values.stack, runs: rows, medianWallSeconds: median, bestWallSeconds: sorted[0], targetSeconds: 12 }, null, 2)}\n`);
    return 0;
  }
  print(
    `median wall ${median.toFixed(2)} s, best ${sorted[0].toFixed(2)} s (target <= 12 s); phases exclude npm/ts-node start-up; validate runs alongside plan;\n` +
      `load1 = 1-minute load average after the run (2 cores: above ~2 other work is competing, and figures grow with it)\n`,
  );
  return 0;
}

if (require.main === module) runCli(main, { fullMessage: true });
