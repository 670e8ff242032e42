/**
 * db:sync status: each table's replication state and the lag in bytes and seconds.
 *
 * Table states are the subscriber's (pg_subscription_rel): init, copying (data), copied
 * (finished), synchronized, ready. Lag in bytes is how far the slot's confirmed position is
 * behind the source's current WAL; lag in seconds is the time since the subscriber last
 * confirmed a position (0 when nothing is pending).
 */
import { inPhase, type SyncContext } from './context';

export type TableState = 'init' | 'copying' | 'copied' | 'synchronized' | 'ready' | 'unknown';

const STATES: Record<string, TableState> = { i: 'init', d: 'copying', f: 'copied', s: 'synchronized', r: 'ready' };

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

/** Reads the state of both sides once. */
export async function readStatus(ctx: SyncContext): Promise<SyncStatus> {
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
  return {
    subscribed: Boolean(sub.rowCount),
    slot: { exists: Boolean(slot.rowCount), active: Boolean(slot.rows[0]?.active) },
    publication: Boolean(pub.rowCount),
    tables,
    allReady: tables.length > 0 && tables.every((t) => t.state === 'ready'),
    lagBytes,
    lagSeconds: lagBytes === null ? null : lagBytes === 0 ? 0 : idle == null ? null : Math.max(0, Math.round(idle * 10) / 10),
    workerRunning: Boolean(sub.rows[0]?.running),
  };
}

/** status as a phase-less step (the CLI's `status`). */
export async function syncStatus(ctx: SyncContext): Promise<SyncStatus> {
  return (await inPhase(ctx, 'replication', () => readStatus(ctx))).value;
}
