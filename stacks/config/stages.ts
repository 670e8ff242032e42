/**
 * Cutover stages, on two axes: web weights and the database of record.
 * `vercel`..`aws` move web traffic while every side uses the source database (Vercel
 * Postgres); `ready` starts a second ECS service with the RDS settings behind its own target
 * group, connected and healthy but taking no traffic (listener weight 0), before the freeze;
 * `rds` moves the database of record to RDS with web at 100 % AWS (allowed only after a
 * successful `db:sync finish`): the listener's weights flip to that service in one targeted
 * change. `rds-only` (allowed only once that finish is verified) scales the idle source-side
 * service to zero tasks: it is kept, with its target group at weight 0, so `--to rds` brings it
 * back before a rollback. `rollback` returns all weight to Vercel (same weights as `vercel`, kept
 * as its own name so the intent is visible in the config and the plan).
 */
export const CUTOVER_STAGES = ['vercel', 'canary', '25', '50', 'aws', 'ready', 'rds', 'rds-only', 'rollback'] as const;
export type CutoverStage = (typeof CUTOVER_STAGES)[number];

/** The one database that takes writes at a stage. */
export function databaseOfRecord(stage: CutoverStage): 'source' | 'rds' {
  return stage === 'rds' || stage === 'rds-only' ? 'rds' : 'source';
}

/** Stages at which the RDS-side service exists beside the source-side one (`ready`, `rds`, `rds-only`). */
export function standbyRuns(stage: CutoverStage): boolean {
  return stage === 'ready' || stage === 'rds' || stage === 'rds-only';
}

/**
 * A side's autoscaling range at a stage: the config's minTasks..maxTasks, except the idle source
 * side at `rds-only` (0..0: it runs no task). The stack deploys it and `cutover` shows it.
 */
export function taskRange(stage: CutoverStage, side: 'source' | 'rds', tasks: { readonly minTasks: number; readonly maxTasks: number }): { min: number; max: number } {
  return side === 'source' && stage === 'rds-only' ? { min: 0, max: 0 } : { min: tasks.minTasks, max: tasks.maxTasks };
}

/** Name prefix of the RDS-side service's target group (ELB allows 6 characters; `cutover`'s standby check finds it by it). */
export const RDS_TARGET_GROUP_PREFIX = 'vn-rd-';
/** Name prefix of the source-side service's target group (`cutover`'s source-standby check finds it by it). */
export const SOURCE_TARGET_GROUP_PREFIX = 'vn-tg-';

/** The target group name prefix of each side's service. */
export const TARGET_GROUP_PREFIX: Readonly<Record<'source' | 'rds', string>> = { source: SOURCE_TARGET_GROUP_PREFIX, rds: RDS_TARGET_GROUP_PREFIX };

/**
 * The ALB listener's weights between the two services' target groups: all on the service of the
 * database of record, 0 on the other, at every stage (one writer: only one target group takes
 * requests).
 */
export function listenerWeights(stage: CutoverStage): { source: number; rds: number } {
  return databaseOfRecord(stage) === 'rds' ? { source: 0, rds: 100 } : { source: 100, rds: 0 };
}

export const STAGE_WEIGHTS: Readonly<Record<CutoverStage, { aws: number; vercel: number }>> = {
  vercel: { aws: 0, vercel: 100 },
  canary: { aws: 10, vercel: 90 },
  '25': { aws: 25, vercel: 75 },
  '50': { aws: 50, vercel: 50 },
  aws: { aws: 100, vercel: 0 },
  ready: { aws: 100, vercel: 0 },
  rds: { aws: 100, vercel: 0 },
  'rds-only': { aws: 100, vercel: 0 },
  rollback: { aws: 0, vercel: 100 },
};
