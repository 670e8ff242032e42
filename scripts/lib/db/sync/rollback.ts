/**
 * Rollback from stage `rds`: the writes made on AWS go back to the old database, nothing lost.
 *
 *   1. the old database's freeze (left by finish) is lifted: at stage rds nothing reaches it;
 *   2. method `replication` (the old database can reach RDS): when db:sync finish left its
 *      reverse replication armed (a verification that failed after writes opened on RDS), it is
 *      enabled and caught up under an RDS freeze (`finish --freeze --verify-in-freeze` on RDS):
 *      every write made on RDS since the open is in its slot. Otherwise, or when the databases
 *      still differ after that catch-up (a difference older than the open), start replicating
 *      RDS into the old database (its tables are emptied and refilled server to server while
 *      RDS still takes writes), then `finish --freeze` on RDS: the freeze lasts only the catch-up;
 *   3. method `copy` (no network path from the old database to RDS): RDS is frozen, then the
 *      verified full data copy (db:copy --data-only --force) runs: the freeze lasts the copy;
 *   4. on failure (SIGINT and SIGTERM too, with `liftOnSignal`) the RDS freeze is lifted; on
 *      success RDS stays frozen (freeze.ts), until `db:sync start` goes forward again.
 *
 * `auto` uses replication when its preflight passes and the old database reaches RDS,
 * otherwise the copy, and says why. The whole run holds the pair lock (lock.ts) on the old
 * database, the same lock finish takes: one finish or rollback at a time. The app role's
 * grants on RDS (db:sync app-role) are expected, not differences (expected.ts).
 */
import { connect, MigrationError, quoteIdent } from '../connection';
import { parsePair, refusePair } from '../session';
import { copyDatabase } from '../copy/index';
import { closeQuietly, DEFAULT_JOBS } from '../pool';
import { removeReplication } from './cleanup';
import { SYNC_APP, withSync, type SyncContext, type SyncOptions } from './context';
import { DEFAULT_APP_ROLES, withoutToolkitAdditions } from './expected';
import { finishSync } from './finish';
import { freezeWrites, liftFreeze } from './freeze';
import { liftOnSignal } from './interrupt';
import { withPairLock } from './lock';
import { describeGaps, preflight } from './preflight';
import { subscriptionState } from './reverse';
import { startSync } from './start';

export type RollbackMethod = 'auto' | 'replication' | 'copy';

export interface RollbackOptions extends SyncOptions {
  /** @default 'auto' */
  readonly method?: RollbackMethod;
  /** Parallel workers of the copy and its verification (method copy). @default DEFAULT_JOBS */
  readonly jobs?: number;
  readonly readyTimeoutMs?: number;
  readonly catchUpTimeoutMs?: number;
  /** Roles whose grants on RDS are the toolkit's own (db:sync app-role). @default ['venturenudge_app'] */
  readonly appRoles?: readonly string[];
  /** SIGINT/SIGTERM lift the RDS freeze before the process exits (the CLI). @default false */
  readonly liftOnSignal?: boolean;
}

export interface RollbackResult {
  readonly ok: boolean;
  readonly method: 'replication' | 'copy';
  /** Why `auto` fell back to the copy. */
  readonly fallbackReason?: string;
  /** Writes stopped on RDS -> old database caught up with sequences set. */
  readonly freezeMs: number;
  readonly verifyMs: number;
  readonly mismatches: string[];
}

async function unfreezeOld(url: string, database: string): Promise<void> {
  const c = await connect(url, { role: 'target', applicationName: `${SYNC_APP} rollback` });
  try {
    await liftFreeze(c, database);
  } finally {
    await closeQuietly(c);
  }
}

/** Catches up a started reverse subscription under an RDS freeze (finish --freeze the other way). */
async function finishBack(ctx: SyncContext, options: RollbackOptions): Promise<RollbackResult> {
  const r = await finishSync(ctx, {
    freeze: true, lock: false, liftOnSignal: options.liftOnSignal, appRoles: options.appRoles, verifyInFreeze: true,
    jobs: options.jobs, readyTimeoutMs: options.readyTimeoutMs, catchUpTimeoutMs: options.catchUpTimeoutMs,
  });
  return { ok: r.ok, method: 'replication' as const, freezeMs: r.freezeMs, verifyMs: r.verifyMs, mismatches: r.verify.mismatches };
}

async function byReplication(options: RollbackOptions): Promise<RollbackResult | { fallback: string }> {
  return withSync(options, async (ctx) => {
    const report = await preflight(ctx);
    if (!report.ok) {
      if (options.method === 'replication') throw new MigrationError(`[preflight] ${describeGaps(report).join(' | ')}`, { phase: 'preflight' });
      return { fallback: `replication preflight failed: ${describeGaps(report)[0]}` };
    }
    // armed by db:sync finish before it opened writes on RDS: every change since is in its slot
    const armed = await subscriptionState(ctx);
    if (armed.exists && !armed.enabled) {
      ctx.emit({ type: 'step', step: 'rollback', detail: `the reverse replication finish armed is there: enabling ${ctx.names.subscription} (the writes made on RDS since the open are in its slot)` });
      await ctx.target.query(`ALTER SUBSCRIPTION ${quoteIdent(ctx.names.subscription)} ENABLE`);
      const r = await finishBack(ctx, options);
      if (r.ok) return r;
      // what the armed replication cannot mend (a difference older than the open, the one a failed verify found): the whole copy
      ctx.emit({ type: 'warning', message: `after the armed reverse replication caught up the databases still differ (${r.mismatches[0]}): replacing the old database's rows by a fresh copy from RDS` });
      await removeReplication(ctx);
    }
    try {
      await startSync(ctx, { truncate: true, allowFrozenSource: true });
    } catch (err) {
      if (options.method === 'replication' || !/cannot reach the source/.test((err as Error).message)) throw err;
      await removeReplication(ctx);
      return { fallback: (err as Error).message };
    }
    return finishBack(ctx, options);
  });
}

async function byCopy(options: RollbackOptions, fallbackReason?: string): Promise<RollbackResult> {
  const rds = await connect(options.from, { role: 'source', applicationName: `${SYNC_APP} rollback` });
  const db = (await rds.query<{ d: string }>('SELECT current_database() AS d')).rows[0].d;
  try {
    const dispose = options.liftOnSignal ? liftOnSignal(options.from, 'the old database keeps what the copy wrote: rerun db:rollback') : () => undefined;
    try {
      const f = await freezeWrites(rds, db, { filter: options.tables });
      try {
        const copy = await copyDatabase({ from: options.from, to: options.to, mode: 'data-only', force: true, jobs: options.jobs ?? DEFAULT_JOBS, tables: options.tables });
        const verifyMs = copy.timings.find((t) => t.phase === 'verify')?.ms ?? 0;
        const freezeMs = Date.now() - f.startedAt - verifyMs;
        const report = copy.verify ? withoutToolkitAdditions(copy.verify, options.appRoles ?? DEFAULT_APP_ROLES) : null;
        const ok = copy.ok || Boolean(report?.ok);
        if (!ok) await liftFreeze(rds, db);
        return { ok, method: 'copy', fallbackReason, freezeMs, verifyMs, mismatches: report?.mismatches ?? [] };
      } catch (err) {
        await liftFreeze(rds, db).catch(() => undefined);
        throw err;
      }
    } finally {
      dispose();
    }
  } finally {
    await closeQuietly(rds);
  }
}

/** Moves the database of record back from `from` (RDS) to `to` (the old database). */
export async function rollbackDatabase(options: RollbackOptions): Promise<RollbackResult> {
  // the session's refusals before the first write (the old database's freeze) and the lock
  const urls = parsePair(options.from, options.to);
  await refusePair(urls, { applicationNames: { source: `${SYNC_APP} rollback`, target: `${SYNC_APP} rollback` } });
  return withPairLock(options.to, options.from, 'rollback', async () => {
    await unfreezeOld(options.to, urls.to.parsed.database);
    if (options.method === 'copy') return byCopy(options);
    const r = await byReplication(options);
    if ('fallback' in r) return byCopy(options, r.fallback);
    return r;
  });
}
