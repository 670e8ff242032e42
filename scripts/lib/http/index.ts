/**
 * The HTTP checks other commands call: `runSmoke` (health + budgets, for `cutover` and the
 * deploy workflow) and `runLoad` (the stress test). See docs/validation.md.
 */
export { runSmoke, formatSmokeReport, resolveSmokeOptions, SmokeOptionsError, DEFAULT_PATHS, DEFAULT_REQUESTS } from './smoke';
export type { SmokeOptions, SmokeReport, PathReport, SideTimings } from './smoke';
export { GUIDE_BUDGETS, kindOf } from './budgets';
export type { Budgets, Check, Failure, Side } from './budgets';
export { checkHealth } from './health';
export type { HealthResult } from './health';
export { runLoad, LoadOptionsError } from './load';
export type { LoadOptions, LoadReport } from './load';
export { formatLoadReport, wafCaveat } from './load-report';
