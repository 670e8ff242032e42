/** Overrides merged onto the defaults, then validated: the config every stack and script reads. */
import { defaultConfig, productionDefaults } from './defaults';
import { ConfigError } from './error';
import { Config, ConfigInput, ConfigSchema, DEFAULT_REGION } from './root';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, arrays and scalars replace. */
export function mergeDeep<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = k in out ? mergeDeep(out[k], v) : v;
  return out as T;
}

/**
 * Validates overrides merged onto the defaults. An environment that is not in
 * the defaults starts from the production defaults. Throws ConfigError whose
 * lines read `<field path>: <what is wrong and what is allowed>`.
 */
export function resolveConfig(overrides: ConfigInput = {}): Config {
  const region = typeof overrides.region === 'string' ? overrides.region : DEFAULT_REGION;
  const defaults = defaultConfig(region);
  const merged = mergeDeep(defaults, { ...overrides, environments: undefined }) as Config;
  const given = overrides.environments ?? {};
  const unknown = Object.entries(given).filter(([name, env]) => !(name in defaults.environments) && env !== null && env?.new !== true);
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map(([name]) => `environments.${name}: unknown environment (known: ${Object.keys(defaults.environments).join(', ')}${closest(name, Object.keys(defaults.environments))}); to add a new one, set "new": true in it`));
  }
  // Every other environment's domain derives from production's: staging.<production domain>.
  const productionDomain = given.production?.domain ?? defaults.environments.production.domain;
  merged.environments = {};
  for (const name of new Set([...Object.keys(defaults.environments), ...Object.keys(given)])) {
    const env = given[name];
    if (env === null) continue;
    const base = defaults.environments[name] ?? productionDefaults(region, productionDomain);
    const domain = name === 'production' ? base.domain : `${name}.${productionDomain}`;
    merged.environments[name] = mergeDeep({ ...base, domain }, env ?? {});
    // A backend of another type replaces the default one whole (no S3 fields left on a local backend).
    const backend = (env as { backend?: { type?: string } } | undefined)?.backend;
    if (backend && backend.type !== base.backend.type) (merged.environments[name] as { backend: unknown }).backend = backend;
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

/** ", did you mean production?" when `name` is one or two edits away from a known name. */
function closest(name: string, known: string[]): string {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length];
  };
  const hit = known.find((k) => distance(name, k) <= 2);
  return hit ? `; did you mean ${hit}?` : '';
}
