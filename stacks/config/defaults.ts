/**
 * The defaults assembled: production's environment from each area's defaults (each beside its
 * schema, in the area's file), staging from production with each area's staging differences.
 */
import { backendDefaults } from './backend';
import { BUDGET_DEFAULTS, STAGING_BUDGET } from './budget';
import { CUTOVER_DEFAULTS, STAGING_CUTOVER } from './cutover';
import { DATABASE_DEFAULTS, STAGING_DATABASE } from './database';
import { DNS_DEFAULTS } from './dns';
import { EDGE_DEFAULTS, STAGING_EDGE } from './edge';
import { EnvironmentConfig } from './environment';
import { GITHUB_DEFAULTS } from './github';
import { LOAD_BALANCER_DEFAULTS, STAGING_LOAD_BALANCER } from './load-balancer';
import { networkDefaults, STAGING_NETWORK } from './network';
import { Config, DEFAULT_APP_NAME, DEFAULT_REGION } from './root';
import { RUNNER_DEFAULTS, STAGING_RUNNER } from './runner';
import { SERVICE_DEFAULTS, STAGING_SERVICE } from './service';
import { SOURCE_DATABASE_DEFAULTS } from './source-database';

/** Production's apex domain; every other environment's is `<env>.` under it. */
export const DEFAULT_DOMAIN = 'venturenudge.com';

/** An environment with production's defaults (each a fresh copy: nothing the caller changes reaches the tables). */
export function productionDefaults(region: string, domain: string): EnvironmentConfig {
  return structuredClone({
    domain,
    network: networkDefaults(region),
    database: DATABASE_DEFAULTS,
    service: SERVICE_DEFAULTS,
    loadBalancer: LOAD_BALANCER_DEFAULTS,
    edge: EDGE_DEFAULTS,
    cutover: CUTOVER_DEFAULTS,
    budget: BUDGET_DEFAULTS,
    dns: DNS_DEFAULTS,
    sourceDatabase: SOURCE_DATABASE_DEFAULTS,
    runner: RUNNER_DEFAULTS,
    forceDestroy: false,
    backend: backendDefaults(region),
  });
}

/** Where staging differs from production, area by area: the same shape, smaller and cheaper. */
const STAGING: { readonly [K in keyof EnvironmentConfig]?: Readonly<Partial<EnvironmentConfig[K]>> } = {
  network: STAGING_NETWORK,
  database: STAGING_DATABASE,
  service: STAGING_SERVICE,
  loadBalancer: STAGING_LOAD_BALANCER,
  edge: STAGING_EDGE,
  budget: STAGING_BUDGET,
  cutover: STAGING_CUTOVER,
  runner: STAGING_RUNNER,
};

/** The guide's values. Staging is the same shape, smaller and cheaper. */
export function defaultConfig(region = DEFAULT_REGION): Config {
  const production = productionDefaults(region, DEFAULT_DOMAIN);
  const staging: Record<string, unknown> = productionDefaults(region, `staging.${DEFAULT_DOMAIN}`);
  for (const [area, differences] of Object.entries(STAGING)) staging[area] = { ...(staging[area] as object), ...(structuredClone(differences) as object) };
  return { appName: DEFAULT_APP_NAME, region, environments: { production, staging: staging as EnvironmentConfig }, github: structuredClone(GITHUB_DEFAULTS) };
}
