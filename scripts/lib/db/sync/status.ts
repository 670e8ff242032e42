/**
 * db:sync status: each table's replication state, the lag in bytes and seconds, the freeze on
 * both sides, a finish or rollback holding the pair lock, and the state of the day with the one
 * command that continues it (`next`) and, where there is one, the command that undoes it.
 *
 * Table states are the subscriber's (pg_subscription_rel): init, copying (data), copied
 * (finished), synchronized, ready. Lag in bytes is how far the slot's confirmed position is
 * behind the source's current WAL; lag in seconds is the time since the subscriber last
 * confirmed a position (0 when nothing is pending).
 */
import { DEFAULT_PREFIX, subscriptionOn, syncNames, type SyncContext } from './context';
import { runPhase } from '../phase';
import { freezeState, type FreezeState } from './freeze';
import { describeHolder, pairLockHolder, type LockHolder } from './lock';

export type TableState = 'init' | 'copying' | 'copied' | 'synchronized' | 'ready' | 'unknown';

const STATES: Record<string, TableState> = { i: 'init', d: 'copying', f: 'copied', s: 'synchronized', r: 'ready' };

/** The reverse replication of db:rollback (its default prefix). */
export const ROLLBACK_PREFIX = 'vn_back';

export type DayStateName =
  | 'not-started' | 'leftovers' | 'copying' | 'streaming' | 'finish-interrupted' | 'cut-over'
  | 'rollback-interrupted' | 'reverse-armed' | 'rolled-back' | 'both-frozen' | 'running';

export interface DayState {
  readonly state: DayStateName;
  /** What is so, in a sentence. */
  readonly summary: string;
  /** The one command that continues from here. */
  readonly next: string;
  /** The command that undoes it, when there is one. */
  readonly undo?: string;
}

export interface SyncStatus {
  /** The subscription exists on the target. */
  readonly subscribed: boolean;
  /** The slot exists on the source (and whether a WAL sender uses it). */
  readonly slot: { readonly exists: boolean; readonly active: boolean };
  readonly publication: boolean;
  readonly tables: { readonly table: string; readonly state: TableState }[];
  /** Every table is ready (initial copy done, streaming). */
  readonly allReady: boolean;
  readonly lagBytes: number | null;
  readonly lagSeconds: number | null;
  /** Apply worker running on the target. */
  readonly workerRunning: boolean;
  /** The write freeze on each side. */
  readonly frozen: { readonly source: FreezeState; readonly target: FreezeState };
  /** A finish or rollback of this pair is running (it holds the pair lock). */
  readonly lock: LockHolder | null;
  /** db:rollback's reverse objects (subscription on the source; slot, publication on the target). */
  readonly reverse: { readonly subscription: boolean; readonly slot: boolean; readonly publication: boolean; readonly armed?: boolean };
  readonly day: DayState;
}

async function tableStates(ctx: SyncContext): Promise<{ table: string; state: TableState }[]> {
  const r = await ctx.target.query<{ t: string; s: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t, sr.srsubstate AS s
       FROM pg_subscription_rel sr JOIN pg_subscription s ON s.oid = sr.srsubid
       JOIN pg_class c ON c.oid = sr.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1`,
    [ctx.names.subscription],
  );
  return r.rows.map((x) => ({ table: x.t, state: STATES[x.s] ?? 'unknown' }));
}

async function reverseObjects(ctx: SyncContext): Promise<SyncStatus['reverse']> {
  const back = syncNames(ROLLBACK_PREFIX);
  const sub = await subscriptionOn(ctx.source, back.subscription);
  const slot = await ctx.target.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [back.slot]);
  const pub = await ctx.target.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [back.publication]);
  // armed by db:sync finish before it opened writes on the target: disabled, never started
  return { subscription: sub.exists, slot: Boolean(slot.rowCount), publication: Boolean(pub.rowCount), armed: sub.exists && !sub.enabled };
}

/** Flags the commands of `next` carry: the environment, a non-default prefix. */
export interface CommandFlags {
  readonly env?: string;
  readonly prefix?: string;
}

/** The state of the day and its way on, from what status found. */
export function dayState(s: Omit<SyncStatus, 'day'>, flags: CommandFlags = {}): DayState {
  const env = ` --env ${flags.env ?? '<env>'}`;
  const prefix = flags.prefix && flags.prefix !== DEFAULT_PREFIX ? ` --prefix ${flags.prefix}` : '';
  const sync = (cmd: string) => `npm run db:sync -- ${cmd}${prefix}`;
  const src = s.frozen.source.frozen;
  const dst = s.frozen.target.frozen;
  if (s.lock) return { state: 'running', summary: `a finish or rollback of this pair is running: ${describeHolder(s.lock)}`, next: `wait for it to end; if its process is gone: SELECT pg_terminate_backend(${s.lock.pid}) on the source` };
  if (s.reverse.armed && !s.subscribed && src) {
    return { state: 'reverse-armed', summary: `db:sync finish opened writes on the target with the reverse replication (${ROLLBACK_PREFIX}) armed, and no verified verdict followed (a failed verification, or a finish that died while verifying)`, next: `npm run db:rollback --${env}   (carries every write made on the target since the open back; or, when the target took none, ${sync(`finish --freeze${env}`)} verifies again)` };
  }
  if (s.reverse.armed && s.subscribed) {
    return { state: 'finish-interrupted', summary: `a finish armed the reverse replication (${ROLLBACK_PREFIX}) and was interrupted before writes opened on the target: the subscription is kept`, next: `${sync(`finish --freeze${env}`)}   (it arms a fresh one)`, undo: `npm run db:sync -- cleanup --prefix ${ROLLBACK_PREFIX} --from-env TARGET_DATABASE_URL --to-env SOURCE_DATABASE_URL${src ? `, then ${sync('unfreeze')}` : ''}` };
  }
  if (s.reverse.subscription || s.reverse.slot || s.reverse.publication) {
    return { state: 'rollback-interrupted', summary: `db:rollback's reverse replication (${ROLLBACK_PREFIX}) is left${dst ? ', RDS (target) is frozen' : ''}: a rollback did not end`, next: `npm run db:rollback --${env}`, undo: `npm run db:sync -- cleanup --prefix ${ROLLBACK_PREFIX} --from-env TARGET_DATABASE_URL --to-env SOURCE_DATABASE_URL` };
  }
  if (s.subscribed) {
    if (src) return { state: 'finish-interrupted', summary: 'the source is frozen and the subscription is kept: a finish did not end', next: sync(`finish --freeze${env}`), undo: sync('unfreeze') };
    if (!s.allReady) return { state: 'copying', summary: 'the initial copy is running', next: sync('status --watch') };
    return { state: 'streaming', summary: `every table is ready; lag ${s.lagBytes ?? '?'} bytes`, next: sync(`finish --freeze${env}`), undo: sync('cleanup') };
  }
  const left = s.slot.exists || s.publication;
  if (src && dst) return { state: 'both-frozen', summary: 'both databases are frozen: lift the freeze of the database of record', next: sync('unfreeze --side target') + '   (at stage rds; at stage aws and before: ' + sync('unfreeze') + ')' };
  if (src && left) return { state: 'finish-interrupted', summary: 'the source is frozen, the subscription is gone and the publication or slot is left: a finish was interrupted after verification', next: sync(`finish --freeze${env}`), undo: sync('unfreeze') };
  if (src) return { state: 'cut-over', summary: 'the source is frozen and the replication is gone: the target is the database of record', next: `npm run cutover --${env} --to rds --apply`, undo: `npm run db:rollback --${env}` };
  if (left) return { state: 'leftovers', summary: `${[s.slot.exists && 'the slot', s.publication && 'the publication'].filter(Boolean).join(' and ')} left on the source without a subscription`, next: sync('cleanup') + ', then ' + sync('start --truncate') };
  if (dst) return { state: 'rolled-back', summary: 'the target is frozen (left by db:rollback) and the source takes writes: the source is the database of record', next: sync('start --truncate'), undo: sync('unfreeze --side target') };
  return { state: 'not-started', summary: 'no replication and no freeze on either side', next: sync('start') };
}

/** Reads the state of both sides once. */
export async function readStatus(ctx: SyncContext, flags: CommandFlags = {}): Promise<SyncStatus> {
  const sub = await ctx.target.query<{ running: boolean; idle_s: number | null }>(
    `SELECT bool_or(st.pid IS NOT NULL AND st.relid IS NULL) AS running,
            (max(extract(epoch FROM now() - st.latest_end_time)) FILTER (WHERE st.relid IS NULL))::float8 AS idle_s
       FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid
      WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      GROUP BY s.oid`,
    [ctx.names.subscription],
  );
  const slot = await ctx.source.query<{ active: boolean; lag: string | null }>(
    `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text AS lag FROM pg_replication_slots WHERE slot_name = $1`,
    [ctx.names.slot],
  );
  const pub = await ctx.source.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [ctx.names.publication]);
  const tables = sub.rowCount ? await tableStates(ctx) : [];
  const lagBytes = slot.rows[0]?.lag != null ? Math.max(0, Number(slot.rows[0].lag)) : null;
  const idle = sub.rows[0]?.idle_s;
  const source = await freezeState(ctx.source);
  const target = await freezeState(ctx.target);
  const lock = await pairLockHolder(ctx.source, ctx.options.to);
  const reverse = await reverseObjects(ctx);
  const facts = {
    subscribed: Boolean(sub.rowCount),
    slot: { exists: Boolean(slot.rowCount), active: Boolean(slot.rows[0]?.active) },
    publication: Boolean(pub.rowCount),
    tables,
    allReady: tables.length > 0 && tables.every((t) => t.state === 'ready'),
    lagBytes,
    lagSeconds: lagBytes === null ? null : lagBytes === 0 ? 0 : idle == null ? null : Math.max(0, Math.round(idle * 10) / 10),
    workerRunning: Boolean(sub.rows[0]?.running),
    frozen: { source, target },
    lock: lock ?? null,
    reverse,
  };
  return { ...facts, day: dayState(facts, { prefix: ctx.names.prefix, ...flags }) };
}

/** status as a phase-less step (the CLI's `status`). */
export async function syncStatus(ctx: SyncContext): Promise<SyncStatus> {
  return await runPhase(ctx, 'replication', () => readStatus(ctx));
}
