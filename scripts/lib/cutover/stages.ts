/**
 * The cutover's stage machine over two axes: web weights (vercel -> canary -> 25 -> 50 -> aws)
 * and the database of record (source, then rds). Only one database takes writes at any stage.
 *
 *   forward on the web axis   one stage at a time; needs the test host healthy and alarms OK
 *   back on the web axis      any earlier web stage (or `rollback`) in one step: one database, no data moves
 *   aws -> ready              starts the RDS-side service (RDS settings, its own target group, listener
 *                             weight 0) before the freeze; needs health, alarms
 *   ready -> rds              flips the listener's weights to the RDS-side service (the database switch:
 *                             one listener change, no rollout); needs the last `db:sync finish` verified
 *   rds -> ready              flips them back; needs the reverse data move first (`db:rollback`) and the
 *                             source-side service's targets healthy
 *   rds -> rds-only           scales the idle source-side service to zero tasks; needs the forward finish
 *                             verified (never while "open, verifying": a failed verdict needs that service)
 *   rds-only -> rds           scales it back up (the way back starts here); no data moves
 *   ready -> a web stage      stops the RDS-side service (and moves web traffic, when back further)
 */
import { CUTOVER_STAGES, databaseOfRecord, STAGE_WEIGHTS, type CutoverStage } from '../../../stacks/config/stages';

export type Precondition = 'health' | 'alarms' | 'standby' | 'source-standby' | 'forward-sync' | 'verified' | 'reverse-sync';

export interface Transition {
  readonly from: CutoverStage;
  readonly to: CutoverStage;
  readonly allowed: boolean;
  /** Why it is refused, or what it does. */
  readonly reason: string;
  readonly preconditions: readonly Precondition[];
  readonly databaseBefore: 'source' | 'rds';
  readonly databaseAfter: 'source' | 'rds';
}

const WEB_ORDER: Readonly<Record<CutoverStage, number>> = { vercel: 0, rollback: 0, canary: 1, '25': 2, '50': 3, aws: 4, ready: 5, rds: 6, 'rds-only': 7 };

export function isStage(s: string): s is CutoverStage {
  return (CUTOVER_STAGES as readonly string[]).includes(s);
}

/** Whether `from -> to` is allowed, and what it needs. */
export function planTransition(from: CutoverStage, to: CutoverStage): Transition {
  const base = { from, to, databaseBefore: databaseOfRecord(from), databaseAfter: databaseOfRecord(to) };
  const refuse = (reason: string): Transition => ({ ...base, allowed: false, reason, preconditions: [] });
  const allow = (reason: string, preconditions: Precondition[]): Transition => ({ ...base, allowed: true, reason, preconditions });
  if (from === to) return refuse(`already at stage ${to}`);
  if (to === 'rds-only') {
    if (from !== 'rds') return refuse(`stage rds-only scales the source-side service to zero once RDS is the verified database of record: go to stage rds first (now ${from})`);
    return allow('scales the idle source-side service (listener weight 0) to zero tasks; it stays defined, so --to rds brings it back before a rollback; one database, no data moves', ['verified', 'health', 'alarms']);
  }
  if (from === 'rds-only') {
    if (to !== 'rds') return refuse(`from stage rds-only the way back starts at stage rds, which starts the source-side service's tasks again: go to stage rds first, then db:rollback and stage ready`);
    return allow('starts the source-side service\'s tasks again (listener weight stays 0): the way back (db:rollback, then stage ready) needs them; one database, no data moves', []);
  }
  if (to === 'rds') {
    if (from !== 'ready') return refuse(`stage rds switches the app to the RDS-side service, which stage ready starts: go to stage ${from === 'aws' ? 'ready' : 'aws, then ready,'} first (now ${from})`);
    return allow('moves the database of record to RDS: the listener sends every request to the RDS-side service (web stays 100 % AWS)', ['health', 'alarms', 'standby', 'forward-sync']);
  }
  if (from === 'rds') {
    if (to !== 'ready') return refuse(`from stage rds the only way back is stage ready (after db:rollback); then move web traffic back from there`);
    return allow('moves the database of record back to the source: the listener sends every request to the source-side service again (web stays 100 % AWS)', ['reverse-sync', 'source-standby']);
  }
  if (to === 'ready') {
    if (from !== 'aws') return refuse(`stage ready needs all web traffic on AWS: go to stage aws first (now ${from})`);
    return allow('starts the RDS-side service beside the source-side one: connected to RDS, health-checked, taking no requests (listener weight 0); one database, no data moves', ['health', 'alarms']);
  }
  if (from === 'ready') {
    const web = to === 'aws' ? '' : `, and moves web traffic back (AWS ${STAGE_WEIGHTS[from].aws} % -> ${STAGE_WEIGHTS[to].aws} %)`;
    return allow(`stops the RDS-side service, which took no requests${web}; one database, no data moves`, []);
  }
  const a = WEB_ORDER[from];
  const b = WEB_ORDER[to];
  if (b < a || to === 'rollback') return allow(`moves web traffic back (AWS ${STAGE_WEIGHTS[from].aws} % -> ${STAGE_WEIGHTS[to].aws} %); one database, no data moves`, []);
  if (b === a) return allow(`same weights under another name`, []);
  if (b > a + 1) {
    const next = CUTOVER_STAGES.find((s) => WEB_ORDER[s] === a + 1 && s !== 'rollback');
    return refuse(`web traffic moves forward one stage at a time: go to ${next} first (now ${from})`);
  }
  return allow(`moves web traffic forward (AWS ${STAGE_WEIGHTS[from].aws} % -> ${STAGE_WEIGHTS[to].aws} %)`, ['health', 'alarms']);
}
