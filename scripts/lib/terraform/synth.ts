/**
 * Synthesis for the tools that need the stacks' Terraform JSON (the plan
 * review, `npm run cost`, the benchmarks): runs the same entry point as
 * `npm run synth` (main.ts, built to dist/ when the sources changed, or
 * through ts-node) into a folder of the caller's choosing, via the process layer.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import { loadConfig } from '../../../stacks/config';
import { runProcess } from '../proc/run';
import { projectRoot } from '../cli/root';

/** Repository root (holds package.json), from source or from dist/. */
export const PROJECT_DIR = projectRoot(__dirname);

/** A synth failure; the message starts with `synth` (and the stack), like the review's phase errors. */
export class SynthError extends Error {
  readonly phase = 'synth' as const;
  constructor(readonly stack: string | undefined, message: string) {
    super(`synth${stack ? ` (${stack})` : ''}: ${message}`);
    this.name = 'SynthError';
  }
}

export interface SynthOptions {
  /** Directory cdktf writes to (`stacks/<name>/cdk.tf.json` below it). */
  readonly outdir: string;
  /** Stacks to synthesize. @default every environment in the config */
  readonly stacks?: readonly string[];
  /** Write the offline provider block (VN_PROVIDER_MODE=offline). */
  readonly offline: boolean;
  /** HCL (`cdk.tf`) instead of JSON (`cdk.tf.json`), via VN_HCL=1. @default false */
  readonly hcl?: boolean;
  /** Config file (VN_CONFIG) deep-merged onto the defaults. @default $VN_CONFIG or ./venture-nudge.config.json */
  readonly configFile?: string;
  /**
   * `dist`: `tsc` (only when dist/ is older than the sources) then `node dist/main.js`, as `npm run synth` does.
   * `ts-node`: `main.ts` directly, writing nothing to dist/ (tests, which run in parallel).
   * @default 'dist'
   */
  readonly runner?: 'dist' | 'ts-node';
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface SynthResult {
  readonly seconds: number;
  /** `built`, `up to date` (tsc skipped) or `ts-node`. */
  readonly build: 'built' | 'up to date' | 'ts-node';
  /** Synthesized file per stack. */
  readonly files: Record<string, string>;
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const st = statSync(p);
    if (st.isDirectory()) newest = Math.max(newest, newestMtime(readdirSync(p).map((f) => join(p, f))));
    else if (/\.(ts|json)$/.test(p)) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/** `file` is missing or older than main.ts, stacks/ or the tsconfigs. */
export function olderThanSources(file: string, projectDir = PROJECT_DIR): boolean {
  if (!existsSync(file)) return true;
  const sources = newestMtime(['main.ts', 'stacks', 'tsconfig.json', 'tsconfig.build.json'].map((p) => join(projectDir, p)));
  return sources > statSync(file).mtimeMs;
}

/** Written after each build that synth can use (tsc leaves unchanged outputs untouched, so their mtimes say nothing). */
const BUILD_STAMP = join('dist', '.vn-synth-build');

/** dist/ was not built since the last change to main.ts, stacks/ or the tsconfigs. */
export function distIsStale(projectDir = PROJECT_DIR): boolean {
  return !existsSync(join(projectDir, 'dist', 'main.js')) || olderThanSources(join(projectDir, BUILD_STAMP), projectDir);
}

/**
 * Compiles with tsconfig.build.json. Type errors in main.ts or stacks/ fail the
 * synth; errors elsewhere (a script being edited) only warn, since tsc still
 * emits and synth needs only main.ts and stacks/.
 */
async function build(projectDir: string, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  const tsc = join(projectDir, 'node_modules', 'typescript', 'bin', 'tsc');
  const started = Date.now();
  const r = await runProcess(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: projectDir, env });
  // Stamped with the start time: a source saved during the build makes the next run build again.
  const stamp = () => {
    writeFileSync(join(projectDir, BUILD_STAMP), '');
    utimesSync(join(projectDir, BUILD_STAMP), new Date(started), new Date(started));
  };
  if (r.code === 0) return stamp();
  const errors = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
  const relevant = errors.filter((l) => /^(main\.ts|stacks\/)/.test(l));
  if (relevant.length || !errors.length || !existsSync(join(projectDir, 'dist', 'main.js'))) {
    throw new SynthError(undefined, `tsc failed:\n${(relevant.length ? relevant : errors).slice(0, 20).join('\n') || r.stdout || r.stderr}`);
  }
  const files = [...new Set(errors.map((l) => l.split('(')[0]))];
  log(`build: type errors outside main.ts/stacks ignored for synth (${files.join(', ')})`);
  stamp();
}

/** Builds dist/ (tsconfig.build.json) when it is older than the sources; says whether it built. */
export async function ensureBuilt(opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<'built' | 'up to date'> {
  if (!distIsStale()) return 'up to date';
  await build(PROJECT_DIR, opts.env ?? process.env, opts.log ?? (() => undefined));
  return 'built';
}

/** Stack names in the config (the environments), honouring a config file. */
export function stackNames(configFile?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const config = loadConfig(configFile ? { ...env, VN_CONFIG: configFile } : env, PROJECT_DIR);
  return Object.keys(config.environments);
}

/** Synthesizes the stacks the way main.ts does (same entry point), into `outdir`. */
export async function synthStacks(opts: SynthOptions): Promise<SynthResult> {
  const started = process.hrtime.bigint();
  const log = opts.log ?? (() => undefined);
  const baseEnv = opts.env ?? process.env;
  let known: string[];
  try {
    known = stackNames(opts.configFile, baseEnv);
  } catch (e) {
    throw new SynthError(undefined, (e as Error).message);
  }
  const stacks = opts.stacks?.length ? [...opts.stacks] : known;
  const unknown = stacks.filter((s) => !known.includes(s));
  if (unknown.length) throw new SynthError(undefined, `unknown stack ${unknown.join(', ')}; known: ${known.join(', ')} (--stack takes an environment name from the config)`);

  const outdir = resolve(opts.outdir);
  // Only the synthesized files: a stack directory may hold .terraform and a local state file.
  for (const s of stacks) for (const f of ['cdk.tf', 'cdk.tf.json', 'metadata.json']) rmSync(join(outdir, 'stacks', s, f), { force: true });
  mkdirSync(outdir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...baseEnv, CDKTF_OUTDIR: outdir, VN_STACKS: stacks.join(','), VN_HCL: opts.hcl ? '1' : '0' };
  delete env.SYNTH_HCL_OUTPUT; // cdktf's own switch would override VN_HCL
  if (opts.offline) env.VN_PROVIDER_MODE = 'offline';
  if (opts.configFile) env.VN_CONFIG = resolve(opts.configFile);

  let buildState: SynthResult['build'] = 'ts-node';
  let args: string[];
  if ((opts.runner ?? 'dist') === 'dist') {
    buildState = await ensureBuilt({ env: baseEnv, log });
    args = [join(PROJECT_DIR, 'dist', 'main.js')];
  } else {
    args = ['-r', 'ts-node/register/transpile-only', join(PROJECT_DIR, 'main.ts')];
  }
  const r = await runProcess(process.execPath, args, { cwd: PROJECT_DIR, env });
  if (r.code !== 0) throw new SynthError(undefined, (r.stderr || r.stdout).trim().split('\n').slice(0, 30).join('\n'));

  const files: Record<string, string> = {};
  for (const s of stacks) {
    const file = join(outdir, 'stacks', s, opts.hcl ? 'cdk.tf' : 'cdk.tf.json');
    if (!existsSync(file)) throw new SynthError(s, `expected ${relative(PROJECT_DIR, file)} after synth, found nothing`);
    files[s] = file;
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, build: buildState, files };
}
