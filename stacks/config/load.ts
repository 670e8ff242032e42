/** Where the config comes from: the defaults, a JSON file, the image tag from the environment. */
import { existsSync, readFileSync } from 'fs';
import { defaultConfig } from './defaults';
import { ConfigError } from './error';
import { mergeDeep, resolveConfig } from './resolve';
import { CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE } from './file';
import { Config, ConfigInput } from './root';

export { CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE } from './file';

/**
 * Reads the config for a CLI or the app: defaults, then the JSON file named by
 * $VN_CONFIG (or ./venture-nudge.config.json if present), then IMAGE_TAG.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = env[CONFIG_FILE_ENV] ?? (existsSync(`${cwd}/${DEFAULT_CONFIG_FILE}`) ? `${cwd}/${DEFAULT_CONFIG_FILE}` : undefined);
  let overrides: ConfigInput = {};
  if (file) {
    try {
      overrides = JSON.parse(readFileSync(file, 'utf8')) as ConfigInput;
    } catch (e) {
      throw new ConfigError([`${file}: cannot read config file (${(e as Error).message})`]);
    }
  }
  // IMAGE_TAG_<ENV> (e.g. IMAGE_TAG_STAGING) sets one environment's tag, IMAGE_TAG every other's:
  // a tag pushed for one environment never reaches another's apply.
  const envs: Record<string, unknown> = { ...(overrides.environments ?? {}) };
  for (const name of new Set([...Object.keys(defaultConfig().environments), ...Object.keys(envs)])) {
    const tag = env[`IMAGE_TAG_${name.toUpperCase()}`] || env.IMAGE_TAG;
    if (tag && envs[name] !== null) envs[name] = mergeDeep(envs[name] ?? {}, { service: { imageTag: tag } });
  }
  overrides = { ...overrides, environments: envs as ConfigInput['environments'] };
  return resolveConfig(overrides);
}
