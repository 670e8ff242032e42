/**
 * Synth benchmark: wall time and peak RSS of synthesizing the production stack
 * (`node scripts/run.js main.ts`, the command `npm run synth` runs: main.ts from the launcher's
 * bundles), against the unbundled `node dist/main.js` and `npx cdktf synth`, measured in the same
 * run, interleaved.
 *
 *   npm run bench:synth [-- --rounds 5] [--json]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseCli, runCli, UsageError } from '../scripts/lib/cli/args';
import { runProcess } from '../scripts/lib/proc/run';
import { projectRoot } from '../scripts/lib/cli/root';

const ROOT = projectRoot(__dirname);
interface Sample { seconds: number; rssMb: number | null }
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const env = { ...process.env, CHECKPOINT_DISABLE: '1', VN_STACKS: 'production' };

/** `node <args>` synthesizing into a scratch folder: the launcher (bundled) or dist/main.js (unbundled). */
const LAUNCHER = [join(ROOT, 'scripts', 'run.js'), 'main.ts'];
const UNBUNDLED = [join(ROOT, 'dist', 'main.js')];

async function ours(args: string[]): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'vn-bench-synth-'));
  const rssFile = join(dir, 'rss');
  const r = await runProcess(process.execPath, ['-r', join(ROOT, 'bench', 'maxrss.js'), ...args], { cwd: ROOT, env: { ...env, CDKTF_OUTDIR: join(dir, 'out'), VN_MAXRSS_FILE: rssFile } });
  const seconds = r.seconds;
  if (r.code !== 0) throw new Error(`synth failed: ${r.stderr}`);
  const rssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
  rmSync(dir, { recursive: true, force: true });
  return { seconds, rssMb };
}

async function cdktf(): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'vn-bench-cdktf-'));
  const args = ['node_modules/.bin/cdktf', 'synth', '--output', join(dir, 'out')];
  const r = GNU_TIME ? await runProcess(GNU_TIME, ['-f', 'VN_MAXRSS_KB=%M', ...args], { cwd: ROOT, env }) : await runProcess(args[0], args.slice(1), { cwd: ROOT, env });
  const seconds = r.seconds;
  rmSync(dir, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`cdktf synth failed: ${r.stderr || r.stdout}`);
  const m = /VN_MAXRSS_KB=(\d+)/.exec(r.stderr);
  return { seconds, rssMb: m ? Number(m[1]) / 1024 : null };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main(): Promise<number> {
  const values = parseCli(process.argv.slice(2), {
    name: 'npm run bench:synth --',
    summary: 'Times `node scripts/run.js main.ts` (what `npm run synth` runs), `node dist/main.js` (unbundled) and `npx cdktf synth` for the production stack, interleaved, and prints median wall time and peak RSS.',
    options: { rounds: { type: 'string', default: '5', valueName: 'n', description: 'interleaved rounds' } },
  });
  if (!values) return 0;
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError('--rounds must be a positive integer');
  const { ensureBuilt } = await import('../scripts/lib/terraform/synth');
  process.stderr.write(`dist/: ${await ensureBuilt({ log: (line) => process.stderr.write(`${line}\n`) })}\n`);
  await ours(LAUNCHER); // builds the launcher's bundles and code caches when they are stale, outside the rounds
  const a: Sample[] = [];
  const u: Sample[] = [];
  const b: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await ours(LAUNCHER));
    u.push(await ours(UNBUNDLED));
    b.push(await cdktf());
    process.stderr.write(`round ${i + 1}/${rounds}: launcher ${a[i].seconds.toFixed(2)} s, node dist/main.js ${u[i].seconds.toFixed(2)} s, cdktf synth ${b[i].seconds.toFixed(2)} s\n`);
  }
  const summary = (s: Sample[]) => ({
    medianSeconds: Number(median(s.map((x) => x.seconds)).toFixed(3)),
    minSeconds: Number(Math.min(...s.map((x) => x.seconds)).toFixed(3)),
    peakRssMb: s[0].rssMb === null ? null : Number(Math.max(...s.map((x) => x.rssMb ?? 0)).toFixed(1)),
  });
  const result = { rounds, stack: 'production', synth: summary(a), unbundled: summary(u), cdktfSynth: summary(b), targets: { seconds: 1.0, rssMb: 150 } };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const row = (name: string, s: ReturnType<typeof summary>) => `${name.padEnd(26)} ${s.medianSeconds.toFixed(2).padStart(8)} s ${s.minSeconds.toFixed(2).padStart(8)} s ${s.peakRssMb === null ? '     n/a' : `${s.peakRssMb.toFixed(0).padStart(6)} MB`}`;
    process.stdout.write(`${'production stack'.padEnd(26)} ${'median'.padStart(10)} ${'min'.padStart(10)} ${'peak RSS'.padStart(9)}\n`);
    process.stdout.write(`${row('node scripts/run.js main.ts', result.synth)}\n${row('node dist/main.js', result.unbundled)}\n${row('npx cdktf synth', result.cdktfSynth)}\n`);
    const ok = result.synth.medianSeconds <= 1 && (result.synth.peakRssMb ?? 0) <= 150;
    process.stdout.write(`target <= 1.0 s and <= 150 MB: ${ok ? 'met' : 'NOT met'}\n`);
  }
  return 0;
}

runCli(main);
