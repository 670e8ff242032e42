/**
 * Reading and writing the stage in the JSON config file (the file `loadConfig` reads:
 * $VN_CONFIG or ./venture-nudge.config.json). Only `environments.<env>.cutover.stage` is
 * changed; the result is validated with the project's config schema before it is written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolveConfig, type Config, type ConfigInput, type CutoverStage } from '../../../stacks/config';

export interface StageEdit {
  readonly file: string;
  readonly before: Config;
  readonly after: Config;
  /** The file's text after the change. */
  readonly text: string;
}

export function readOverrides(file: string): ConfigInput {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ConfigInput;
  } catch (err) {
    throw new Error(`${file}: cannot read the config file (${(err as Error).message})`);
  }
}

/** The config with `environments.<env>.cutover.stage` set; throws ConfigError when invalid. */
export function editStage(file: string, envName: string, stage: CutoverStage): StageEdit {
  const overrides = readOverrides(file);
  const before = resolveConfig(overrides);
  if (!before.environments[envName]) throw new Error(`unknown environment "${envName}": known ${Object.keys(before.environments).join(', ')}`);
  const envs = { ...(overrides.environments ?? {}) } as Record<string, Record<string, unknown>>;
  const env = { ...(envs[envName] ?? {}) };
  const cutover: Record<string, unknown> = { ...((env.cutover as Record<string, unknown>) ?? {}), stage };
  if (cutover.weights) {
    throw new Error(`${file}: environments.${envName}.cutover.weights overrides the stage's weights, so changing the stage would not move traffic: remove weights first`);
  }
  env.cutover = cutover;
  envs[envName] = env;
  const next = { ...overrides, environments: envs } as ConfigInput;
  const after = resolveConfig(next);
  return { file, before, after, text: JSON.stringify(next, null, 2) + '\n' };
}

export function writeStage(edit: StageEdit): void {
  writeFileSync(edit.file, edit.text);
}
