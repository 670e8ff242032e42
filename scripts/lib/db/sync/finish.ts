/**
 * db:sync finish, the cutover step, holding the pair lock (lock.ts) for the whole run:
 *
 *   1. waits until every table has finished its initial copy (before any freeze);
 *   2. with --freeze: waits (with progress) until the lag is at most --max-lag-bytes, refuses
 *      while a write transaction older than --max-transaction-seconds is open on the source
 *      (naming it: pid, age, query), then freezes the source (freeze.ts: triggers on every
 *      published table, read-only default, the app's sessions ended, prepared transactions
 *      refused); without --freeze the operator has stopped writes (read-only mode);
 *   3. catch-up: a fence (a committed, flushed transaction on the source) marks the last WAL
 *      position; finish waits until the slot's confirmed position reaches it: zero lag;
 *   4. sequences: the source's values are set on the target (logical replication does not
 *      carry them);
 *   5. verify: counts and content hashes, schema and sequences, as db:verify does; the
 *      toolkit's own grants to the app role on RDS are expected (expected.ts);
 *   6. the subscription (and with it the slot) and the publication are dropped; a freeze left
 *      on the target (by a rollback) is lifted: the target is the database of record.
 *
 * The freeze time runs from "writes refused" to "target caught up with sequences set"; the
 * verify time is measured separately. Any failure, a verification mismatch, SIGINT or SIGTERM
 * (with `liftOnSignal`) lifts a freeze this run set, keeps the subscription, and never reports
 * success. After success the freeze stays: the source must not take writes once the target is
 * the database of record (db:rollback lifts it).
 *
 * Resuming: with no subscription and the source frozen (a run killed after verification, e.g.
 * between DROP SUBSCRIPTION and DROP PUBLICATION), finish verifies the frozen source against the
 * target again and, when they are equal, completes steps 6; when they differ it keeps the freeze
 * and says what to do.
 */
import { MigrationError } from '../connection';
import { DEFAULT_JOBS } from '../pool';
import { readSchema } from '../schema/catalog';
import { carrySequenceValues, type SequenceValue } from '../sequences';
import { selectedSequences } from '../schema/selection';
import { verifyDatabases, type VerifyReport } from '../verify';
import { ensureAppRole } from './app-access';
import { removeReplication } from './cleanup';
import { inPhase, waitFor, type SyncContext } from './context';
import { DEFAULT_APP_ROLES, withoutToolkitAdditions } from './expected';
import { freezeState, freezeWrites, liftFreeze } from './freeze';
import { liftOnSignal } from './interrupt';
import { withPairLock } from './lock';
import { readStatus } from './status';

export interface FinishOptions {
  /** Freeze the source here (see freeze.ts); otherwise writes are already stopped. @default false */
  readonly freeze?: boolean;
  /** Longest wait for the initial copy of every table to end. @default 600000 */
  readonly readyTimeoutMs?: number;
  /** Longest wait for zero lag once writes stopped. @default 60000 */
  readonly catchUpTimeoutMs?: number;
  /** Parallel tables during verification. @default 2 */
  readonly jobs?: number;
  /** Before the freeze, wait until the lag is at most this. @default 8 MiB */
  readonly maxLagBytes?: number;
  /** Longest wait for that. @default 600000 */
  readonly lagTimeoutMs?: number;
  /** Refuse to freeze while a write transaction older than this is open on the source. @default 10 */
  readonly maxTransactionSeconds?: number;
  /** Longest wait, while freezing, for transactions still writing a table. @default 10000 */
  readonly lockTimeoutMs?: number;
  /** Roles whose grants on the target are the toolkit's own (db:sync app-role). @default ['venturenudge_app'] */
  readonly appRoles?: readonly string[];
  /** Hold the pair lock (lock.ts) on the source. @default true */
  readonly lock?: boolean;
  /** SIGINT/SIGTERM lift this run's freeze before the process exits (the CLIs). @default false */
  readonly liftOnSignal?: boolean;
}

export interface FinishResult {
  readonly ok: boolean;
  /** The source is frozen at the end (this run froze it, or a resumed run kept it). */
  readonly frozen: boolean;
  /** Completed a run that had been interrupted after its subscription was dropped. */
  readonly resumed: boolean;
  /** Sessions ended by the freeze. */
  readonly terminatedSessions: number;
  /** Sessions the freeze could not end (their writes to the tables are refused by the triggers). */
  readonly skippedSessions: { readonly pid: number; readonly user: string }[];
  /** Writes refused -> target caught up with sequences set. */
  readonly freezeMs: number;
  readonly catchUpMs: number;
  readonly verifyMs: number;
  /** The fence position the target reached. */
  readonly lsn: string;
  readonly sequences: SequenceValue[];
  readonly verify: VerifyReport;
  /** Differences set aside as the toolkit's own (the app role's grants). */
  readonly expected: string[];
}

/** Commits a flushed transaction on the source and returns the flushed WAL position. */
async function fence(ctx: SyncContext): Promise<string> {
  await ctx.source.query('SET synchronous_commit = on');
  await ctx.source.query('BEGIN');
  await ctx.source.query('SELECT txid_current()');
  await ctx.source.query('COMMIT');
  return (await ctx.source.query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn')).rows[0].lsn;
}

async function waitCaughtUp(ctx: SyncContext, lsn: string, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const r = await ctx.source.query<{ ok: boolean }>(`SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $2`, [lsn, ctx.names.slot]);
      if (!r.rowCount) throw new MigrationError(`[replication] slot ${ctx.names.slot} disappeared from the source: run db:sync status for the way on`, { phase: 'replication' });
      return r.rows[0].ok ? true : undefined;
    },
    timeoutMs,
    () => `[replication] the target did not catch up to ${lsn} within ${Math.round(timeoutMs / 1000)} s: check db:sync status and the target's server log (apply errors, conflicts)`,
    20,
  );
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** Waits, reporting progress, until the slot's lag is at most `maxBytes`. */
async function waitSmallLag(ctx: SyncContext, maxBytes: number, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  let reported = 0;
  for (;;) {
    const r = await ctx.source.query<{ lag: string | null }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text AS lag FROM pg_replication_slots WHERE slot_name = $1`,
      [ctx.names.slot],
    );
    if (!r.rowCount) throw new MigrationError(`[replication] slot ${ctx.names.slot} is missing on the source: run db:sync status for the way on`, { phase: 'replication' });
    const lag = Math.max(0, Number(r.rows[0].lag ?? 0));
    if (lag <= maxBytes) {
      ctx.emit({ type: 'step', step: 'lag', detail: `${mb(lag)} behind (at most ${mb(maxBytes)}): freezing` });
      return;
    }
    if (Date.now() - reported >= 2000) {
      reported = Date.now();
      ctx.emit({ type: 'step', step: 'lag', detail: `${mb(lag)} behind, waiting for at most ${mb(maxBytes)} before the freeze (${Math.round((Date.now() - t0) / 1000)} s)` });
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new MigrationError(`[replication] the lag is still ${mb(lag)} after ${Math.round(timeoutMs / 1000)} s (at most ${mb(maxBytes)} before a freeze): see db:sync status and the target's log, then rerun finish (or raise --max-lag-bytes)`, { phase: 'replication' });
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** Refuses while a write transaction older than `seconds` is open on the source, naming it. */
export async function refuseLongTransactions(ctx: SyncContext, seconds: number): Promise<void> {
  const r = await ctx.source.query<{ pid: number; app: string; usename: string; age: number; query: string }>(
    `SELECT pid, application_name AS app, usename, extract(epoch FROM now() - xact_start)::int AS age, left(query, 80) AS query
       FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
        AND xact_start < now() - make_interval(secs => $1) AND coalesce(application_name, '') NOT LIKE 'db-sync%'
      ORDER BY xact_start`,
    [seconds],
  );
  if (!r.rowCount) return;
  const t = r.rows[0];
  throw new MigrationError(
    `[freeze] a write transaction has been open on the source for ${t.age} s (more than ${seconds} s): pid ${t.pid} (${t.app || 'no application_name'}, user ${t.usename}), query: ${JSON.stringify(t.query)}${r.rowCount > 1 ? ` (+${r.rowCount - 1} more)` : ''}; let it commit (its changes must reach the target before the freeze) or end it (SELECT pg_terminate_backend(${t.pid})), then rerun finish`,
    { phase: 'freeze' },
  );
}

/** Waits for every table to be ready; returns the sequences to carry. */
async function prepare(ctx: SyncContext, readyTimeoutMs: number): Promise<string[]> {
  await waitFor(
    async () => ((await readStatus(ctx)).allReady ? true : undefined),
    readyTimeoutMs,
    () => `[replication] initial copy not finished within ${Math.round(readyTimeoutMs / 1000)} s: see db:sync status, then rerun finish`,
    500,
  );
  const model = await readSchema(ctx.source);
  const onTarget = new Set((await readSchema(ctx.target)).sequences.map((s) => s.qname));
  return selectedSequences(model, ctx.options.tables ?? {}).filter((s) => onTarget.has(s));
}

async function verify(ctx: SyncContext, options: FinishOptions, expectedSequences?: SequenceValue[]) {
  const v = await inPhase(ctx, 'verify', () =>
    verifyDatabases({ from: ctx.options.from, to: ctx.options.to, jobs: options.jobs ?? DEFAULT_JOBS, tables: ctx.options.tables, expectedSequences }),
  );
  const report = withoutToolkitAdditions(v.value, options.appRoles ?? DEFAULT_APP_ROLES);
  if (report.expected.length) ctx.emit({ type: 'step', step: 'verify', detail: `expected on the target only (db:sync app-role): ${report.expected.length} grants to ${(options.appRoles ?? DEFAULT_APP_ROLES).join(', ')}` });
  const { expected, ...rest } = report;
  return { ms: v.ms, report: rest as VerifyReport, expected };
}

/**
 * The app role's grants on every schema the target now holds. `db:sync app-role` runs before the
 * copy (the runbook's order), when the target has no tables: its grants cover nothing yet, so the
 * app, switched to RDS at stage rds, would be refused every table. Only a role app-role made for this
 * database (its explicit CONNECT grant) is granted.
 */
async function grantAppRoles(ctx: SyncContext, roles: readonly string[]): Promise<void> {
  for (const role of roles) {
    // Only where db:sync app-role ran for this database: it grants CONNECT on it explicitly (roles are cluster-wide).
    const granted = await ctx.target.query(
      `SELECT 1 FROM pg_database d, aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee
        WHERE d.datname = current_database() AND r.rolname = $1 AND a.privilege_type = 'CONNECT'`,
      [role],
    );
    if (!granted.rowCount) continue;
    const r = await ensureAppRole(ctx.target, { role });
    ctx.emit({ type: 'step', step: 'cleanup', detail: `app role ${role}: privileges on ${r.schemas.join(', ') || 'no schema'} (tables, sequences, routines, defaults)` });
  }
}

/** The target is now the database of record: drop the replication, grant the app role, lift a freeze a rollback left on it. */
async function complete(ctx: SyncContext, options: FinishOptions): Promise<void> {
  await inPhase(ctx, 'cleanup', async () => {
    await removeReplication(ctx);
    await grantAppRoles(ctx, options.appRoles ?? DEFAULT_APP_ROLES);
    if ((await freezeState(ctx.target)).frozen) {
      await liftFreeze(ctx.target, ctx.targetDb);
      ctx.emit({ type: 'step', step: 'cleanup', detail: `the target's freeze (left by db:rollback) was lifted: it is the database of record` });
    }
  });
}

/** No subscription and the source frozen: verify again and complete, or say what to do. */
async function resume(ctx: SyncContext, options: FinishOptions): Promise<FinishResult> {
  ctx.emit({ type: 'step', step: 'resume', detail: `no subscription ${ctx.names.subscription} and the source is frozen (an interrupted finish): verifying the frozen source against the target` });
  const v = await verify(ctx, options);
  const base = { frozen: true, resumed: true, terminatedSessions: 0, skippedSessions: [], freezeMs: 0, catchUpMs: 0, verifyMs: v.ms, lsn: '', sequences: [], verify: v.report, expected: v.expected };
  if (!v.report.ok) return { ...base, ok: false };
  await complete(ctx, options);
  return { ...base, ok: true };
}

async function finishLocked(ctx: SyncContext, options: FinishOptions, keepPids: number[]): Promise<FinishResult> {
  const first = await readStatus(ctx);
  if (!first.subscribed) {
    if ((await freezeState(ctx.source)).frozen) return resume(ctx, options);
    const left = [first.slot.exists && `slot ${ctx.names.slot}`, first.publication && `publication ${ctx.names.publication}`].filter(Boolean);
    throw new MigrationError(`[replication] no subscription ${ctx.names.subscription} on the target: ${left.length ? `${left.join(' and ')} left on the source: run db:sync cleanup, then db:sync start` : 'run db:sync start first'}`, { phase: 'replication' });
  }
  const sequenceNames = (await inPhase(ctx, 'replication', () => prepare(ctx, options.readyTimeoutMs ?? 600000))).value;
  let frozen = false;
  let verified = false;
  let dispose: () => void = () => undefined;
  const f = { terminated: [] as number[], skipped: [] as { pid: number; user: string }[], startedAt: Date.now() };
  try {
    if (options.freeze) {
      await inPhase(ctx, 'replication', () => waitSmallLag(ctx, options.maxLagBytes ?? 8 * 1048576, options.lagTimeoutMs ?? 600000));
      await inPhase(ctx, 'freeze', () => refuseLongTransactions(ctx, options.maxTransactionSeconds ?? 10));
      if (options.liftOnSignal) dispose = liftOnSignal(ctx.options.from, `the subscription is kept: rerun db:sync finish --freeze`);
      Object.assign(f, (await inPhase(ctx, 'freeze', () => freezeWrites(ctx.source, ctx.sourceDb, { filter: ctx.options.tables, keepPids, lockTimeoutMs: options.lockTimeoutMs }))).value);
      frozen = true;
      if (f.skipped.length) ctx.emit({ type: 'warning', message: `sessions not ended (the role may not signal them; the freeze triggers refuse their writes): ${f.skipped.map((s) => `pid ${s.pid} (${s.user})`).join(', ')}` });
    }
    const caught = await inPhase(ctx, 'replication', async () => {
      const lsn = await fence(ctx);
      await waitCaughtUp(ctx, lsn, options.catchUpTimeoutMs ?? 60000);
      return lsn;
    });
    const sequences = (await inPhase(ctx, 'sequences', () => carrySequenceValues(ctx.source, ctx.target, sequenceNames))).value;
    const freezeMs = Date.now() - f.startedAt;
    const v = await verify(ctx, options, sequences);
    const result = { resumed: false, terminatedSessions: f.terminated.length, skippedSessions: f.skipped, freezeMs, catchUpMs: caught.ms, verifyMs: v.ms, lsn: caught.value, sequences, verify: v.report, expected: v.expected };
    if (!v.report.ok) {
      if (frozen) await liftFreeze(ctx.source, ctx.sourceDb);
      return { ...result, ok: false, frozen: false };
    }
    // verified: an interrupt or failure from here on leaves the source frozen, and a rerun resumes
    verified = true;
    dispose();
    await complete(ctx, options);
    return { ...result, ok: true, frozen };
  } catch (err) {
    if (frozen && !verified) await liftFreeze(ctx.source, ctx.sourceDb).catch(() => undefined);
    if (verified && err instanceof Error) err.message += ' (the target was verified and the source stays frozen: rerun db:sync finish --freeze to complete)';
    throw err;
  } finally {
    dispose();
  }
}

/** Runs the cutover step; see the file comment for the order and guarantees. */
export async function finishSync(ctx: SyncContext, options: FinishOptions = {}): Promise<FinishResult> {
  if (options.lock === false) return finishLocked(ctx, options, []);
  return withPairLock(ctx.options.from, ctx.options.to, 'finish', (lock) => finishLocked(ctx, options, [lock.pid]));
}
