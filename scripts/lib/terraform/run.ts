/**
 * Runs the real Terraform CLI against a synthesized stack directory, offline:
 * a CLI config with a filesystem mirror for hashicorp/aws (the mirror at
 * /opt/tf-plugins, or $VN_TF_PLUGIN_DIR), no telemetry, no prompts.
 * Used by the tests, `npm run plan` and the rehearsal.
 */
import { existsSync, mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { runProcess } from '../proc/run';

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
  /** Values masked (***) in the log file, the output callback and the result. @default none */
  readonly secrets?: readonly string[];
  /** Stops terraform after this long: SIGINT (it saves its state), SIGKILL 60 s later. @default no limit */
  readonly timeoutSeconds?: number;
}

/** Commands that take `-no-color` right after their name. */
const TAKES_NO_COLOR = new Set(['init', 'validate', 'plan', 'apply', 'destroy', 'refresh', 'import', 'taint', 'untaint']);

/**
 * Runs `terraform <args>` in `cwd` (adding `-no-color` to the commands that take it) through the
 * process layer: its own process group, so an interrupt of this process stops terraform and its
 * provider plugins (SIGTERM: it saves its state). Resolves with the result; rejects with
 * TerraformError on another exit code unless `allowCodes` or `anyExitCode` accepts it.
 */
export async function terraform(cwd: string, args: string[], opts: TerraformRunOptions = {}): Promise<TerraformResult> {
  const argv = !TAKES_NO_COLOR.has(args[0]) || args.includes('-no-color') ? args : [args[0], '-no-color', ...args.slice(1)];
  // Rejects (ProcessError: "cannot run terraform ...; is it installed and on PATH?") only when terraform is missing.
  const result = await runProcess('terraform', argv, {
    cwd,
    env: terraformEnv(opts),
    logFile: opts.logFile,
    onOutput: opts.onOutput ? (text) => opts.onOutput!(text) : undefined,
    secrets: opts.secrets,
    timeoutSeconds: opts.timeoutSeconds,
    timeoutSignal: 'SIGINT',
    stopSignal: 'SIGTERM',
    killAfterSeconds: 60,
  });
  const { code, stdout, stderr, output, seconds, timedOut } = result;
  const r: TerraformResult = { code, stdout, stderr, output, seconds, timedOut };
  if (opts.anyExitCode || (!timedOut && (code === 0 || opts.allowCodes?.includes(code)))) return r;
  throw new TerraformError(args.join(' '), r);
}

/** Fake static credentials for offline validate/plan (the offline provider mode skips every AWS call). */
export const OFFLINE_AWS_ENV: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPLAN00000',
  AWS_SECRET_ACCESS_KEY: 'offline-plan-not-a-secret',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
};
