/**
 * npm run bench:plan [-- --runs 3] [--cold]
 *
 * Runs the whole review pipeline (`npm run plan -- --stack production`) as a user
 * would, and prints the wall time of each run with the time per phase.
 * Target: <= 12 s warm on the 2-core dev machine. Prints figures; asserts nothing.
 */
import { spawn } from 'child_process';
import { rmSync } from 'fs';
import { loadavg } from 'os';
import { join } from 'path';
import { parseArgs } from 'util';

const HELP = `Usage: npm run bench:plan -- [--runs N] [--cold] [--stack name]

Runs \`npm run plan -- --stack <name> --json --out .bench/plan\` N times (default 3)
and prints wall time and per-phase times (synth, init, validate, plan, show).
--cold removes .bench/plan first so the first run includes a fresh terraform init.`;

const ROOT = join(__dirname, '..');
const PHASES = ['synth', 'init', 'validate', 'plan', 'show'] as const;

interface PlanJson {
  build: string;
  timings: Record<(typeof PHASES)[number], number>;
  stacks: { stack: string; initCached: boolean; totals?: { add: number } }[];
  totalSeconds: number;
}

function runPlan(stack: string, out: string): Promise<{ wall: number; result: PlanJson }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'plan', '--', '--stack', stack, '--json', '--offline', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`npm run plan exited ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
      resolve({ wall, result: JSON.parse(stdout) as PlanJson });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, cold: { type: 'boolean', default: false }, stack: { type: 'string', default: 'production' }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number');
  const out = join(ROOT, '.bench', 'plan');
  if (values.cold) rmSync(out, { recursive: true, force: true });

  const cols = ['run', 'wall s', ...PHASES, 'tsc', 'init', 'load1'];
  process.stdout.write(`npm run plan -- --stack ${values.stack} (offline), ${runs} run(s)\n${cols.map((c) => c.padStart(9)).join('')}\n`);
  const walls: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const { wall, result } = await runPlan(values.stack, out);
    walls.push(wall);
    const row = [String(i), wall.toFixed(2), ...PHASES.map((p) => result.timings[p].toFixed(2)), result.build === 'built' ? 'ran' : 'skipped', result.stacks[0]?.initCached ? 'cached' : 'ran', loadavg()[0].toFixed(1)];
    process.stdout.write(`${row.map((c) => c.padStart(9)).join('')}\n`);
  }
  const sorted = [...walls].sort((a, b) => a - b);
  process.stdout.write(
    `median wall ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} s, best ${sorted[0].toFixed(2)} s (target <= 12 s); phases exclude npm/ts-node start-up; validate runs alongside plan;\n` +
      `load1 = 1-minute load average after the run (2 cores: above ~2 other work is competing, and figures grow with it)\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`bench:plan failed: ${(e as Error).message}\n`);
  process.exit(1);
});
