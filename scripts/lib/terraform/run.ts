/**
 * Runs the real Terraform CLI against a synthesized stack directory, offline:
 * a CLI config with a filesystem mirror for hashicorp/aws (the mirror at
 * /opt/tf-plugins, or $VN_TF_PLUGIN_DIR), no telemetry, no prompts.
 * Used by the tests, `npm run plan` and the rehearsal.
 */
import { ChildProcess, spawn } from 'child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const DEFAULT_PLUGIN_DIR = '/opt/tf-plugins';

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  readonly output: string;
  readonly seconds: number;
  /** Stopped by `timeoutSeconds`. */
  readonly timedOut: boolean;
}

export class TerraformError extends Error {
  constructor(readonly command: string, readonly result: TerraformResult) {
    super(`terraform ${command} ${result.timedOut ? 'timed out' : `failed (exit ${result.code})`}:\n${(result.stderr || result.stdout).trim()}`);
    this.name = 'TerraformError';
  }
}

export interface TerraformEnvOptions {
  /** Offline provider mirror. @default $VN_TF_PLUGIN_DIR or /opt/tf-plugins when it exists */
  readonly pluginDir?: string;
  /** Extra environment (e.g. TF_VAR_*, fake AWS keys). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Writes (once) a CLI config that installs hashicorp/aws from the mirror and returns its path. */
export function offlineCliConfig(pluginDir: string): string {
  const dir = join(tmpdir(), 'venture-nudge-terraform');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `cli-${Buffer.from(pluginDir).toString('hex').slice(0, 32)}.tfrc`);
  if (!existsSync(file)) {
    writeFileSync(
      file,
      `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(pluginDir)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
    );
  }
  return file;
}

/** Environment for a terraform process: offline mirror if available, no checkpoint calls, no prompts. */
export function terraformEnv(opts: TerraformEnvOptions = {}): NodeJS.ProcessEnv {
  const pluginDir = opts.pluginDir ?? process.env.VN_TF_PLUGIN_DIR ?? (existsSync(DEFAULT_PLUGIN_DIR) ? DEFAULT_PLUGIN_DIR : undefined);
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...opts.env };
  if (pluginDir) env.TF_CLI_CONFIG_FILE = offlineCliConfig(pluginDir);
  return env;
}

export interface TerraformRunOptions extends TerraformEnvOptions {
  /** Exit codes that resolve instead of rejecting (e.g. 2 for `plan -detailed-exitcode`). @default [0] */
  readonly allowCodes?: number[];
  /** Resolve whatever the exit code or timeout; the caller judges the result. @default false */
  readonly anyExitCode?: boolean;
  /** Called with every chunk of output as it arrives. */
  readonly onOutput?: (chunk: string) => void;
  /** Appends `$ terraform <args>` and all output to this file. @default undefined */
  readonly logFile?: string;
  /** Stops terraform after this long: SIGINT (it saves its state), SIGKILL 60 s later. @default no limit */
  readonly timeoutSeconds?: number;
}

/** Running terraform processes (each in its own process group), stopped if this process is interrupted. */
const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function onInterrupt(signal: NodeJS.Signals): void {
  // Signal each group, so the provider plugins stop with terraform and it can release its state.
  for (const child of running) signalGroup(child, 'SIGTERM');
  running.clear();
  process.removeListener('SIGINT', onInterrupt);
  process.removeListener('SIGTERM', onInterrupt);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Commands that take `-no-color` right after their name. */
const TAKES_NO_COLOR = new Set(['init', 'validate', 'plan', 'apply', 'destroy', 'refresh', 'import', 'taint', 'untaint']);

/**
 * Runs `terraform <args>` in `cwd` (adding `-no-color` to the commands that take it). Resolves with
 * the result; rejects with TerraformError on another exit code unless `allowCodes` or
 * `anyExitCode` accepts it.
 */
export function terraform(cwd: string, args: string[], opts: TerraformRunOptions = {}): Promise<TerraformResult> {
  const started = process.hrtime.bigint();
  const argv = !TAKES_NO_COLOR.has(args[0]) || args.includes('-no-color') ? args : [args[0], '-no-color', ...args.slice(1)];
  if (opts.logFile) appendFileSync(opts.logFile, `\n$ terraform ${argv.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', argv, { cwd, env: terraformEnv(opts), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    if (running.size === 1) {
      process.once('SIGINT', onInterrupt);
      process.once('SIGTERM', onInterrupt);
    }
    let stdout = '';
    let stderr = '';
    let output = '';
    let timedOut = false;
    const collect = (into: 'stdout' | 'stderr') => (d: Buffer) => {
      const text = d.toString();
      if (into === 'stdout') stdout += text;
      else stderr += text;
      output += text;
      if (opts.logFile) appendFileSync(opts.logFile, d);
      opts.onOutput?.(text);
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    const timer = opts.timeoutSeconds
      ? setTimeout(() => {
          timedOut = true;
          signalGroup(child, 'SIGINT');
          setTimeout(() => signalGroup(child, 'SIGKILL'), 60_000).unref();
        }, opts.timeoutSeconds * 1000)
      : undefined;
    const settle = () => {
      if (timer) clearTimeout(timer);
      running.delete(child);
      if (running.size === 0) {
        process.removeListener('SIGINT', onInterrupt);
        process.removeListener('SIGTERM', onInterrupt);
      }
    };
    child.on('error', (e) => {
      settle();
      reject(new Error(`cannot run terraform (${e.message}); is it on PATH?`));
    });
    child.on('close', (code) => {
      settle();
      const result: TerraformResult = { code: code ?? -1, stdout, stderr, output, seconds: Number(process.hrtime.bigint() - started) / 1e9, timedOut };
      if (opts.anyExitCode || (!timedOut && (result.code === 0 || opts.allowCodes?.includes(result.code)))) resolve(result);
      else reject(new TerraformError(args.join(' '), result));
    });
  });
}

/** Fake static credentials for offline validate/plan (the offline provider mode skips every AWS call). */
export const OFFLINE_AWS_ENV: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPLAN00000',
  AWS_SECRET_ACCESS_KEY: 'offline-plan-not-a-secret',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};
