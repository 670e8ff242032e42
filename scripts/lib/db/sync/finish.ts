/**
 * db:sync finish, the cutover step:
 *
 *   1. waits until every table has finished its initial copy (before any freeze);
 *   2. freeze: with --freeze the source becomes read-only (default_transaction_read_only) and
 *      the app's sessions are ended; otherwise the operator has stopped writes (read-only mode);
 *   3. catch-up: a fence (a committed, flushed transaction on the source) marks the last WAL
 *      position; finish waits until the slot's confirmed position reaches it: zero lag;
 *   4. sequences: the source's values are set on the target (logical replication does not
 *      carry them);
 *   5. verify: counts and content hashes, schema and sequences, as db:verify does;
 *   6. the subscription (and with it the slot) and the publication are dropped.
 *
 * The freeze time runs from "writes stopped" to "target caught up with sequences set"; the
 * verify time is measured separately. Any failure, including a verification mismatch, lifts a
 * freeze this run set, keeps the subscription, and never reports success. After success a
 * freeze stays in place: the source must not take writes once the target is the database of
 * record (rollback lifts it).
 */
import { MigrationError } from '../connection';
import { readSchema } from '../schema/catalog';
import { carrySequenceValues, selectedSequences, type SequenceValue } from '../sequences';
import { verifyDatabases, type VerifyReport } from '../verify';
import { removeReplication } from './cleanup';
import { inPhase, waitFor, type SyncContext } from './context';
import { freezeWrites, liftFreeze } from './freeze';
import { readStatus } from './status';

export interface FinishOptions {
  /** Freeze the source here (read-only + end the app's sessions); otherwise writes are already stopped. @default false */
  readonly freeze?: boolean;
  /** Longest wait for the initial copy of every table to end. @default 600000 */
  readonly readyTimeoutMs?: number;
  /** Longest wait for zero lag once writes stopped. @default 60000 */
  readonly catchUpTimeoutMs?: number;
  /** Parallel tables during verification. @default 2 */
  readonly jobs?: number;
}

export interface FinishResult {
  readonly ok: boolean;
  /** This run froze the source (and, on success, left it frozen). */
  readonly frozen: boolean;
  /** Sessions ended by the freeze. */
  readonly terminatedSessions: number;
  /** Writes stopped -> target caught up with sequences set. */
  readonly freezeMs: number;
  readonly catchUpMs: number;
  readonly verifyMs: number;
  /** The fence position the target reached. */
  readonly lsn: string;
  readonly sequences: SequenceValue[];
  readonly verify: VerifyReport;
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
      if (!r.rowCount) throw new MigrationError(`[replication] slot ${ctx.names.slot} disappeared from the source: rerun start`, { phase: 'replication' });
      return r.rows[0].ok ? true : undefined;
    },
    timeoutMs,
    () => `[replication] the target did not catch up to ${lsn} within ${Math.round(timeoutMs / 1000)} s: check db:sync status and the target's server log (apply errors, conflicts)`,
    20,
  );
}

function setSequences(ctx: SyncContext, names: readonly string[]): Promise<SequenceValue[]> {
  return carrySequenceValues(ctx.source, ctx.target, names);
}

/** Waits for every table to be ready; returns the sequences to carry. */
async function prepare(ctx: SyncContext, readyTimeoutMs: number): Promise<string[]> {
  const first = await readStatus(ctx);
  if (!first.subscribed) throw new MigrationError(`[replication] no subscription ${ctx.names.subscription} on the target: run db:sync start first`, { phase: 'replication' });
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

/** Runs the cutover step; see the file comment for the order and guarantees. */
export async function finishSync(ctx: SyncContext, options: FinishOptions = {}): Promise<FinishResult> {
  const sequenceNames = (await inPhase(ctx, 'replication', () => prepare(ctx, options.readyTimeoutMs ?? 600000))).value;
  let frozen = false;
  let terminated = 0;
  let t0 = Date.now();
  if (options.freeze) {
    const f = (await inPhase(ctx, 'freeze', () => freezeWrites(ctx.source, ctx.sourceDb))).value;
    frozen = true;
    terminated = f.terminated.length;
    t0 = f.at;
  }
  try {
    const caught = await inPhase(ctx, 'replication', async () => {
      const lsn = await fence(ctx);
      await waitCaughtUp(ctx, lsn, options.catchUpTimeoutMs ?? 60000);
      return lsn;
    });
    const sequences = (await inPhase(ctx, 'sequences', () => setSequences(ctx, sequenceNames))).value;
    const freezeMs = Date.now() - t0;
    const v = await inPhase(ctx, 'verify', () =>
      verifyDatabases({ from: ctx.options.from, to: ctx.options.to, jobs: options.jobs ?? 2, tables: ctx.options.tables, expectedSequences: sequences }),
    );
    const result = { frozen, terminatedSessions: terminated, freezeMs, catchUpMs: caught.ms, verifyMs: v.ms, lsn: caught.value, sequences, verify: v.value };
    if (!v.value.ok) {
      if (frozen) await liftFreeze(ctx.source, ctx.sourceDb);
      return { ...result, ok: false, frozen: false };
    }
    await inPhase(ctx, 'cleanup', () => removeReplication(ctx));
    return { ...result, ok: true };
  } catch (err) {
    if (frozen) await liftFreeze(ctx.source, ctx.sourceDb).catch(() => undefined);
    throw err;
  }
}
