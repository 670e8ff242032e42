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
 *      carry them) and, by default, read back at once (they are not transactional: a snapshot
 *      taken later could not show them);
 *   5. by default (verify after the open), inside the freeze still:
 *      a. the reverse replication is armed (reverse.ts: publication and a fresh slot on the
 *         target, a disabled subscription on the source, db:rollback's names): from here every
 *         change on the target is kept for a rollback;
 *      b. a session on the target exports its snapshot (REPEATABLE READ, held open);
 *      c. the open: the subscription and publication are dropped, the app role granted, a freeze a
 *         rollback left on the target lifted; `onOpen` is told (the record: "open, verifying");
 *      then, writes open on the target, the verification (counts and content hashes, schema, as
 *      db:verify does; the toolkit's own grants to the app role expected, expected.ts) compares
 *      the still-frozen source with the target's snapshot. Verified: the armed reverse
 *      replication is removed. Failed: the source stays frozen and the reverse replication armed,
 *      so that db:rollback carries every write made on the target since the open back;
 *      with `verifyInFreeze` (or when the reverse replication cannot be armed, which is said):
 *      the verification (against the live target) runs before the open, and a mismatch
 *      lifts the freeze and keeps the subscription;
 *   6. after the verdict the source stays frozen: it must not take writes once the target is the
 *      database of record (db:rollback lifts it).
 *
 * The freeze time runs from "writes refused" to the open (or, verifying in the freeze, to the
 * sequences set); the verify time and the time from the start to the verdict are measured apart.
 * Before the open any failure, SIGINT or SIGTERM (with `liftOnSignal`) lifts a freeze this run
 * set, removes a reverse replication it armed, keeps the subscription, and never reports
 * success. After the open nothing is undone: an error (or a death) leaves the source frozen
 * and the reverse replication armed, and the next command is named (rerun finish, or db:rollback).
 *
 * Resuming: with no subscription and the source frozen (a run killed after the open, or after
 * verification, e.g. between DROP SUBSCRIPTION and DROP PUBLICATION), finish verifies the frozen
 * source against the target again and, when they are equal, completes (and removes an armed
 * reverse replication); when they differ (the target took writes since the open) it keeps the
 * freeze and the armed replication and says what to do.
 */
import type { Client } from 'pg';
import { connect, MigrationError } from '../connection';
import { closeQuietly, DEFAULT_JOBS } from '../pool';
import { readSchema } from '../schema/catalog';
import { carrySequenceValues, readSequenceValues, type SequenceValue } from '../sequences';
import { selectedSequences } from '../schema/selection';
import { verifyDatabases, type VerifyReport } from '../verify';
import { ensureAppRole } from './app-access';
import { removeReplication } from './cleanup';
import { SYNC_APP, waitFor, type SyncContext } from './context';
import { lastPhaseMs, runPhase } from '../phase';
import { DEFAULT_APP_ROLES, withoutToolkitAdditions } from './expected';
import { freezeState, freezeWrites, liftFreeze } from './freeze';
import { liftOnSignal } from './interrupt';
import { withPairLock } from './lock';
import { armReverse, disarmReverse, reverseArmed } from './reverse';
import { readStatus, ROLLBACK_PREFIX } from './status';

export interface FinishOptions {
  /** Freeze the source here (see freeze.ts); otherwise writes are already stopped. @default false */
  readonly freeze?: boolean;
  /** Longest wait for the initial copy of every table to end. @default 600000 */
  readonly readyTimeoutMs?: number;
  /** Longest wait for zero lag once writes stopped. @default 60000 */
  readonly catchUpTimeoutMs?: number;
  /** Parallel tables during verification. @default DEFAULT_JOBS */
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
  /**
   * Verify while writes are still stopped, before the target opens (the behaviour before verify
   * moved after the open). @default false: arm the reverse replication, open, verify the frozen
   * source against the target's snapshot at the open
   */
  readonly verifyInFreeze?: boolean;
  /** The target as the source's server reaches it, for the armed reverse subscription. @default the target URL */
  readonly reverseConninfo?: string;
  /** Name prefix of the armed reverse replication: db:rollback's `--prefix`. @default 'vn_back' */
  readonly reversePrefix?: string;
  /** Called once writes opened on the target, before the verdict (the CLI records "open, verifying"). */
  readonly onOpen?: (open: OpenInfo) => Promise<void>;
}

export interface OpenInfo {
  readonly freezeMs: number;
  readonly catchUpMs: number;
  readonly armMs: number;
  readonly lsn: string;
}

export interface FinishResult {
  readonly ok: boolean;
  /**
   * verify-after-open: the reverse replication was armed, writes opened on the target, then the
   * frozen source was verified against the target's snapshot at the open. verify-in-freeze: the
   * verification ran before the open (--verify-in-freeze, a resumed run, or a fallback).
   */
  readonly mode: 'verify-after-open' | 'verify-in-freeze';
  /** Why the default path verified inside the freeze (e.g. the reverse replication could not be armed). */
  readonly fallbackReason?: string;
  /** Writes opened on the target before the verdict. */
  readonly opened: boolean;
  /** The reverse replication (target -> source) is armed at the end: after a failed verify, db:rollback uses it. */
  readonly armed: boolean;
  readonly armMs: number;
  /** From the start of finish to the verdict. */
  readonly toVerifiedMs: number;
  /** The source is frozen at the end (this run froze it, or a resumed run kept it). */
  readonly frozen: boolean;
  /** Completed a run that had been interrupted after its subscription was dropped. */
  readonly resumed: boolean;
  /** Sessions ended by the freeze. */
  readonly terminatedSessions: number;
  /** Sessions the freeze could not end (their writes to the tables are refused by the triggers). */
  readonly skippedSessions: { readonly pid: number; readonly user: string }[];
  /** Writes refused -> target caught up with sequences set (and, after open, the reverse replication armed and writes open). */
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

const reverseNames = (o: FinishOptions) => ({ conninfo: o.reverseConninfo, prefix: o.reversePrefix });

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

async function verify(ctx: SyncContext, options: FinishOptions, expectedSequences?: SequenceValue[], targetSnapshot?: string) {
  const value = await runPhase(ctx, 'verify', () =>
    verifyDatabases({
      from: ctx.options.from, to: ctx.options.to, jobs: options.jobs ?? DEFAULT_JOBS, tables: ctx.options.tables, expectedSequences,
      // in the target's snapshot sequences would read as they are now: checked before the open
      targetSnapshot, sequences: targetSnapshot === undefined,
    }),
  );
  const report = withoutToolkitAdditions(value, options.appRoles ?? DEFAULT_APP_ROLES);
  if (report.expected.length) ctx.emit({ type: 'step', step: 'verify', detail: `expected on the target only (db:sync app-role): ${report.expected.length} grants to ${(options.appRoles ?? DEFAULT_APP_ROLES).join(', ')}` });
  const { expected, ...rest } = report;
  return { ms: lastPhaseMs(ctx, 'verify'), report: rest as VerifyReport, expected };
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
  await runPhase(ctx, 'cleanup', async () => {
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
  const t0 = Date.now();
  const armed = await reverseArmed(ctx.options, reverseNames(options)).catch(() => false);
  ctx.emit({ type: 'step', step: 'resume', detail: `no subscription ${ctx.names.subscription} and the source is frozen (an interrupted finish${armed ? ', reverse replication armed' : ''}): verifying the frozen source against the target` });
  const v = await verify(ctx, options);
  const base = {
    mode: 'verify-in-freeze' as const, opened: false, armed, armMs: 0, frozen: true, resumed: true, terminatedSessions: 0, skippedSessions: [],
    freezeMs: 0, catchUpMs: 0, verifyMs: v.ms, toVerifiedMs: Date.now() - t0, lsn: '', sequences: [], verify: v.report, expected: v.expected,
  };
  if (!v.report.ok) return { ...base, ok: false };
  await complete(ctx, options);
  if (armed) await disarm(ctx, options);
  return { ...base, armed: false, ok: true, toVerifiedMs: Date.now() - t0 };
}

/** Removes the armed reverse replication after a verified finish; a failure is a warning naming the way out. */
async function disarm(ctx: SyncContext, options: FinishOptions): Promise<boolean> {
  try {
    // removeReplication names the sides of the reverse pair: its target is our source
    const removed = (await disarmReverse(ctx.options, reverseNames(options))).map((x) => x.replace(/\((source|target)\)$/, (_m, side: string) => (side === 'target' ? '(on the source)' : '(on the target)')));
    ctx.emit({ type: 'step', step: 'reverse', detail: `verified: the armed reverse replication was removed (${removed.join(', ') || 'nothing left'})` });
    return true;
  } catch (err) {
    ctx.emit({ type: 'warning', message: `verified, but the armed reverse replication could not be removed (${(err as Error).message.split('\n')[0]}): its slot on the target keeps WAL; remove it with npm run db:sync -- cleanup --prefix ${options.reversePrefix ?? ROLLBACK_PREFIX} --from-env TARGET_DATABASE_URL --to-env SOURCE_DATABASE_URL (the reverse pair)` });
    return false;
  }
}

/** The target's sequences hold the values just set (sequences are not transactional: checked before writes open, not in the snapshot). */
async function sequenceMismatches(ctx: SyncContext, expected: readonly SequenceValue[]): Promise<string[]> {
  const actual = new Map((await readSequenceValues(ctx.target, expected.map((s) => s.sequence))).map((s) => [s.sequence, s]));
  const fmt = (s: SequenceValue) => `${s.lastValue}${s.isCalled ? '' : ' (not called)'}`;
  return expected
    .filter((s) => { const t = actual.get(s.sequence); return !t || t.lastValue !== s.lastValue || t.isCalled !== s.isCalled; })
    .map((s) => `sequence ${s.sequence}: ${fmt(s)} on source, ${actual.get(s.sequence) ? fmt(actual.get(s.sequence)!) : 'missing'} on target`);
}

/** A session holding the target's snapshot open (REPEATABLE READ) and the snapshot's name. */
async function holdTargetSnapshot(url: string): Promise<{ client: Client; snapshot: string }> {
  const client = await connect(url, { role: 'target', applicationName: `${SYNC_APP} snapshot` });
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0].s;
    return { client, snapshot };
  } catch (err) {
    await closeQuietly(client);
    throw err;
  }
}

interface Frozen {
  terminated: number[];
  skipped: { pid: number; user: string }[];
  startedAt: number;
}

async function finishLocked(ctx: SyncContext, options: FinishOptions, keepPids: number[]): Promise<FinishResult> {
  const started = Date.now();
  const first = await readStatus(ctx);
  if (!first.subscribed) {
    if ((await freezeState(ctx.source)).frozen) return resume(ctx, options);
    const left = [first.slot.exists && `slot ${ctx.names.slot}`, first.publication && `publication ${ctx.names.publication}`].filter(Boolean);
    throw new MigrationError(`[replication] no subscription ${ctx.names.subscription} on the target: ${left.length ? `${left.join(' and ')} left on the source: run db:sync cleanup, then db:sync start` : 'run db:sync start first'}`, { phase: 'replication' });
  }
  const sequenceNames = await runPhase(ctx, 'replication', () => prepare(ctx, options.readyTimeoutMs ?? 600000));
  let frozen = false;
  let armed = false;
  let opened = false;
  let verified = false;
  let dispose: () => void = () => undefined;
  const f: Frozen = { terminated: [], skipped: [], startedAt: Date.now() };
  try {
    if (options.freeze) {
      await runPhase(ctx, 'replication', () => waitSmallLag(ctx, options.maxLagBytes ?? 8 * 1048576, options.lagTimeoutMs ?? 600000));
      await runPhase(ctx, 'freeze', () => refuseLongTransactions(ctx, options.maxTransactionSeconds ?? 10));
      if (options.liftOnSignal) dispose = liftOnSignal(ctx.options.from, `the subscription is kept: rerun db:sync finish --freeze`);
      Object.assign(f, await runPhase(ctx, 'freeze', () => freezeWrites(ctx.source, ctx.sourceDb, { filter: ctx.options.tables, keepPids, lockTimeoutMs: options.lockTimeoutMs })));
      frozen = true;
      if (f.skipped.length) ctx.emit({ type: 'warning', message: `sessions not ended (the role may not signal them; the freeze triggers refuse their writes): ${f.skipped.map((s) => `pid ${s.pid} (${s.user})`).join(', ')}` });
    }
    const lsn = await runPhase(ctx, 'replication', async () => {
      const mark = await fence(ctx);
      await waitCaughtUp(ctx, mark, options.catchUpTimeoutMs ?? 60000);
      return mark;
    });
    const sequences = await runPhase(ctx, 'sequences', () => carrySequenceValues(ctx.source, ctx.target, sequenceNames));
    const base = { resumed: false, terminatedSessions: f.terminated.length, skippedSessions: f.skipped, catchUpMs: lastPhaseMs(ctx, 'replication'), lsn, sequences };
    let fallbackReason: string | undefined;
    if (!options.verifyInFreeze) {
      const bad = await sequenceMismatches(ctx, sequences);
      if (bad.length) fallbackReason = `the target's sequences differ right after they were set (${bad[0]}): verifying inside the freeze`;
      else {
        try {
          await runPhase(ctx, 'replication', () => armReverse(ctx.options, reverseNames(options)));
          armed = true;
          return await afterOpen(ctx, options, { ...base, started, f, armMs: lastPhaseMs(ctx, 'replication') }, () => { opened = true; dispose(); }, () => { verified = true; });
        } catch (err) {
          if (opened || armed) throw err;
          fallbackReason = `${(err as Error).message.replace(/^\[replication\] /, '')}: verifying inside the freeze instead (as --verify-in-freeze)`;
        }
      }
      ctx.emit({ type: 'warning', message: fallbackReason });
    }
    const freezeMs = Date.now() - f.startedAt;
    const v = await verify(ctx, options, sequences);
    const result = { ...base, mode: 'verify-in-freeze' as const, fallbackReason, opened: false, armed: false, armMs: 0, freezeMs, verifyMs: v.ms, toVerifiedMs: Date.now() - started, verify: v.report, expected: v.expected };
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
    if (frozen && !verified && !opened) await liftFreeze(ctx.source, ctx.sourceDb).catch(() => undefined);
    if (armed && !opened) await disarmReverse(ctx.options, reverseNames(options)).catch(() => undefined);
    if (err instanceof Error) {
      if (opened && !verified) err.message += ` (writes were open on the target before a verdict; the source stays frozen and the reverse replication stays armed: rerun npm run db:sync -- finish --freeze to verify again, or npm run db:rollback to carry the target's writes back)`;
      else if (verified) err.message += ' (the target was verified and the source stays frozen: rerun db:sync finish --freeze to complete)';
    }
    throw err;
  } finally {
    dispose();
  }
}

/**
 * The default path once the reverse replication is armed: the target's snapshot is taken, writes
 * open on it (the forward replication dropped, the app role granted, a rollback's freeze lifted),
 * then the still-frozen source is verified against that snapshot. Verified: the reverse
 * replication is removed. Failed: the source stays frozen and the reverse replication armed.
 */
async function afterOpen(
  ctx: SyncContext,
  options: FinishOptions,
  run: { resumed: boolean; terminatedSessions: number; skippedSessions: { pid: number; user: string }[]; catchUpMs: number; lsn: string; sequences: SequenceValue[]; started: number; f: Frozen; armMs: number },
  markOpened: () => void,
  markVerified: () => void,
): Promise<FinishResult> {
  const { started, f, ...base } = run;
  const held = await holdTargetSnapshot(ctx.options.to);
  try {
    markOpened();
    await complete(ctx, options);
    const freezeMs = Date.now() - f.startedAt;
    ctx.emit({ type: 'step', step: 'open', detail: `writes open on the target after a ${(freezeMs / 1000).toFixed(1)} s freeze; verifying the frozen source against the target's snapshot at the open` });
    await options.onOpen?.({ freezeMs, catchUpMs: base.catchUpMs, armMs: base.armMs, lsn: base.lsn });
    const v = await verify(ctx, options, undefined, held.snapshot);
    await closeQuietly(held.client);
    const result = { ...base, mode: 'verify-after-open' as const, opened: true, freezeMs, verifyMs: v.ms, toVerifiedMs: Date.now() - started, verify: v.report, expected: v.expected };
    if (!v.report.ok) return { ...result, ok: false, frozen: true, armed: true };
    markVerified();
    const disarmed = await disarm(ctx, options);
    return { ...result, ok: true, frozen: true, armed: !disarmed };
  } finally {
    await closeQuietly(held.client);
  }
}

/** Runs the cutover step; see the file comment for the order and guarantees. */
export async function finishSync(ctx: SyncContext, options: FinishOptions = {}): Promise<FinishResult> {
  if (options.lock === false) return finishLocked(ctx, options, []);
  return withPairLock(ctx.options.from, ctx.options.to, 'finish', (lock) => finishLocked(ctx, options, [lock.pid]));
}
