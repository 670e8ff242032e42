/**
 * The one configuration object of the project: a zod schema whose defaults are
 * the migration guide's values. Both halves read it: the stacks (infrastructure)
 * and the scripts (SSM path, database name, host names).
 *
 * Invalid values and invalid combinations fail here, at synth, with a message
 * that names the field (e.g. `environments.production.service.memory`).
 *
 * One file per area (network.ts, database.ts, service.ts, ...) holds that area's schema, each
 * field's production default on the field itself (`.default(...)`, under its `@default` note),
 * then the area's defaults read back from the schema (`<AREA>_DEFAULTS`) and where staging
 * differs (`STAGING_<AREA>`). Every `@default` note is checked against what production and
 * staging resolve to (__tests__/infra/config-defaults.test.ts). defaults.ts assembles the
 * environments, resolve.ts merges overrides and validates, load.ts reads the file and the
 * environment, naming.ts derives the names both halves share, stages.ts holds the cutover stages.
 */
export { FARGATE_SIZES } from '../fargate';
export * from './stages';
export { cidrContains } from './fields';
export * from './network';
export * from './database';
export * from './service';
export * from './runner';
export * from './source-database';
export * from './github';
export * from './load-balancer';
export * from './edge';
export * from './cutover';
export * from './budget';
export * from './dns';
export * from './backend';
export * from './environment';
export * from './root';
export * from './defaults';
export * from './error';
export * from './resolve';
export * from './load';
export * from './naming';
