/**
 * Runs the real Terraform CLI against a synthesized stack directory, offline:
 * a CLI config with a filesystem mirror for hashicorp/aws (the mirror at
 * /opt/tf-plugins, or $VN_TF_PLUGIN_DIR), no telemetry, no prompts.
 * Used by the tests, `npm run plan` and the rehearsal.
 */
import { spawn } from 'child_process';
import { existsSync, mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const DEFAULT_PLUGIN_DIR = '/opt/tf-plugins';

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export class TerraformError extends Error {
  constructor(readonly command: string, readonly result: TerraformResult) {
    super(`terraform ${command} failed (exit ${result.code}):\n${(result.stderr || result.stdout).trim()}`);
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

/** Runs `terraform <args>` in `cwd`; resolves with the result, rejects with TerraformError unless `allowCodes` includes the exit code. */
export function terraform(cwd: string, args: string[], opts: TerraformEnvOptions & { allowCodes?: number[]; onOutput?: (chunk: string) => void } = {}): Promise<TerraformResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', [...args.slice(0, 1), ...(args[0] === 'show' || args[0] === 'output' || args[0] === 'version' ? [] : ['-no-color']), ...args.slice(1)], {
      cwd,
      env: terraformEnv(opts),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onOutput?.(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onOutput?.(d.toString());
    });
    child.on('error', (e) => reject(new Error(`cannot run terraform (${e.message}); is it on PATH?`)));
    child.on('close', (code) => {
      const result = { code: code ?? -1, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
      if (result.code === 0 || opts.allowCodes?.includes(result.code)) resolve(result);
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
