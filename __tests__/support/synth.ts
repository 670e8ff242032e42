/**
 * Synthesizes an environment stack in-process and gives typed access to the
 * Terraform JSON: the unit tests assert on this, not on snapshots.
 */
import { writeFileSync } from 'fs';
import { App, Testing } from 'cdktf';
import { ConfigInput, defaultConfig, mergeDeep, resolveConfig } from '../../stacks/config';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { ProviderMode } from '../../stacks/providers';

export type TfJson = {
  resource: Record<string, Record<string, Record<string, any>>>;
  output: Record<string, { value: unknown; description?: string; sensitive?: boolean }>;
  variable?: Record<string, any>;
  data?: Record<string, any>;
  provider: Record<string, any[]>;
  terraform: Record<string, any>;
};

/**
 * The overrides with every environment's domain delegated to its zone (`dns.delegated: true`), unless
 * they say otherwise: the full stack, what most tests look at. The zone-only first apply of a new
 * zone is what `dns.delegated: false` (the default) synthesizes; __tests__/infra/zone-phase.test.ts.
 */
export function delegated(overrides: ConfigInput = {}): ConfigInput {
  const environments: Record<string, unknown> = { ...overrides.environments };
  for (const name of new Set([...Object.keys(defaultConfig().environments), ...Object.keys(environments)])) {
    if (environments[name] === null) continue;
    environments[name] = mergeDeep({ dns: { delegated: true } }, environments[name] ?? {});
  }
  return { ...overrides, environments } as ConfigInput;
}

/** Synthesizes one environment of the config (the full stack: see `delegated`). */
export function synthEnvironment(overrides: ConfigInput = {}, environment = 'production', providerMode?: ProviderMode): TfJson {
  const config = resolveConfig(delegated(overrides));
  const app = Testing.app();
  const stack = new EnvironmentStack(app, environment, { config, environment, providerMode });
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

/** All resources of one type, keyed by logical id. */
export function resourcesOf(json: TfJson, type: string): Record<string, any> {
  return json.resource[type] ?? {};
}

/** The one resource of a type (fails when there are 0 or several). */
export function onlyResource(json: TfJson, type: string): any {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** A resource whose logical id contains `fragment`. */
export function resourceNamed(json: TfJson, type: string, fragment: string): any {
  const hits = Object.entries(resourcesOf(json, type)).filter(([id]) => id.includes(fragment));
  if (hits.length !== 1) throw new Error(`expected one ${type} matching "${fragment}", found ${hits.map(([id]) => id).join(', ') || 'none'}`);
  return hits[0][1];
}

export { App };

/**
 * Parses a JSON document string from the Terraform JSON (policies, container
 * definitions) whose values may contain `${...}` references; references are
 * kept as text, with inner quotes neutralised so JSON.parse accepts them.
 */
export function parseJsonAttr(value: string): any {
  return JSON.parse(value.replace(/\$\{[^}]*\}/g, (ref) => ref.replace(/"/g, "'")));
}

/** Every `${...}` reference in a string, e.g. to check which resource an attribute points at. */
export function refsIn(value: unknown): string[] {
  return JSON.stringify(value).match(/\$\{[^}]*\}/g) ?? [];
}

/** Writes a config file of `delegated(overrides)` (the full stack) for tests that synthesize through the CLI or the review. */
export function writeDelegatedConfig(file: string, overrides: ConfigInput = {}): string {
  writeFileSync(file, JSON.stringify(delegated(overrides), null, 2));
  return file;
}
