/** Names shared by the two halves of the project (stacks and scripts), and the limits they must fit. */
import type { EnvironmentConfig } from './environment';
import { ConfigError } from './error';

/** Longest name ELB accepts for a load balancer or a target group. */
export const MAX_ELB_NAME = 32;

/** What the names derive from: the app name and the environments (a `Config`). */
export interface NamedConfig {
  readonly appName: string;
  readonly environments: Readonly<Record<string, EnvironmentConfig>>;
}

/** Names shared by the two halves of the project (stacks and scripts). */
export function namesFor(config: NamedConfig, envName: string) {
  const env = config.environments[envName];
  if (!env) throw new ConfigError([`environments.${envName}: unknown environment; known: ${Object.keys(config.environments).join(', ')}`]);
  const prefix = `${config.appName}-${envName}`;
  return {
    prefix,
    /** SSM Parameter Store path the env sync writes and the task reads. */
    ssmPath: `/${config.appName}/${envName}/`,
    cluster: prefix,
    service: `${config.appName}-service`,
    /** The RDS-side ECS service (stages ready and rds). */
    rdsService: `${config.appName}-service-rds`,
    taskFamily: `${prefix}-task`,
    ecrRepository: prefix,
    /** ECR repository of the toolkit image (Dockerfile) the migration runner runs. */
    toolkitRepository: `${prefix}-toolkit`,
    /** SSM SecureString the runner reads SOURCE_DATABASE_URL from (outside `ssmPath`: the app never sees it, env:sync --prune never deletes it). */
    sourceUrlParameter: `/${config.appName}/migration-${envName}/SOURCE_DATABASE_URL`,
    /** SSM String (JSON) holding the record of the day: db:sync finish, db:rollback and cutover --apply write it (scripts/lib/cutover/ledger.ts). */
    dayRecordParameter: `/${config.appName}/${envName}/cutover/day`,
    dbIdentifier: `${prefix}-db`,
    dbName: env.database.name,
    apex: env.domain,
    www: `www.${env.domain}`,
    testHost: `${env.cutover.testHostLabel}.${env.domain}`,
    originHost: `${env.edge.originLabel}.${env.domain}`,
    /** Secrets Manager secret of the app's least-privilege database role (read at stage rds). */
    appDatabaseSecret: `${prefix}/app-database`,
  };
}

/** The environment's business-metrics namespace (config `businessMetricsNamespace`, default `VentureNudge/<env>`). */
export function businessMetricsNamespace(config: NamedConfig, envName: string): string {
  return config.environments[envName]?.businessMetricsNamespace ?? `VentureNudge/${envName}`;
}
