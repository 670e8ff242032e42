/**
 * The copy engine behind db:copy and db:rollback. Phases, in order and named the same in
 * code, events, errors and timings, one file each:
 *
 *   connect      session.ts      both URLs, the same-database refusal, the snapshot transaction
 *   preflight    preflight.ts    both schemas read, the selection computed once, refusals
 *   schema:pre   pre-data.ts     schemas, extensions, types, sequences, functions, tables, views
 *                                (one transaction)
 *   data         table-data.ts   every table in parallel workers (`jobs`), all reading one
 *                                exported snapshot; a table's keys and indexes right after it
 *   sequences    set-sequences.ts target sequences set to the source's last_value / is_called
 *   schema:post  post-data.ts    remaining keys and indexes (parallel), partition index
 *                                attachment, foreign keys, triggers, row-level security,
 *                                policies, materialized view refresh, comments
 *   verify       verify-phase.ts row counts + content hashes against the same snapshot, schema
 *
 * All phases work on one {@link RunContext} (context.ts).
 *
 * A failed or interrupted run (options.signal: SIGINT/SIGTERM, interrupt.ts) leaves no half-made
 * target: schema:pre is one transaction; a --force run with something to drop or reload is ONE
 * target transaction from its drops to the end of schema:post (ctx.atomic), rolled back whole;
 * a data-only load is one transaction (atomic-load.ts); a full copy into a fresh target keeps a
 * resume record (resume.ts) and, when its data phase stops with tables done, leaves them for
 * `--resume`; otherwise the objects the run created are dropped again (undo.ts). The error says
 * which (MigrationError.details.target), and the rerun advice holds.
 */
import { connect, describeUrl, MigrationError } from '../connection';
import { closeQuietly } from '../pool';
import { renderDdl } from '../schema/ddl';
import { phaseError, targetSessionSql, type RunContext, type Session } from './context';
import { interruptedError, throwIfInterrupted, watchInterrupt } from './interrupt';
import { loadedCount, RECORD_SCHEMA } from './resume';
import { copyTableData } from './table-data';
import type { SequenceValue } from '../sequences';
import { undo } from './undo';
import { closeSession, openSession } from './session';
import { preflight } from './preflight';
import { runPreData } from './pre-data';
import { setSequences } from './set-sequences';
import { runPostData } from './post-data';
import { verify } from './verify-phase';
import type { CopyOptions, CopySummary, DataResult } from './types';

export type { CopyEvent, CopyFormat, CopyMode, CopyOptions, CopySummary, PlannedTable, TableResult } from './types';

/** The parts of the summary known once preflight has planned the run. */
function planned(ctx: RunContext) {
  const { plan, mode } = ctx;
  return {
    mode,
    source: describeUrl(ctx.options.from),
    target: describeUrl(ctx.options.to),
    sourceVersion: ctx.model.serverVersion,
    targetVersion: ctx.targetModel.serverVersion,
    snapshot: ctx.snapshot,
    skipped: plan.skipped,
    notCarried: ctx.notCarried,
    drops: ctx.drops,
    ddl: mode === 'data-only' ? '' : renderDdl(plan),
    plan: mode === 'schema-only' ? [] : ctx.dataPlan,
    resumed: ctx.kept,
    statements: mode === 'data-only' ? { pre: 0, post: 0 } : { pre: plan.pre.length, post: plan.postIndexes.length + plan.postAttach.length + plan.postForeignKeys.length + plan.postFinal.length },
  };
}

/**
 * What the target holds after a failure or an interrupt in schema:pre .. schema:post, and the
 * error saying so (with the advice for a rerun):
 * - schema:pre failed (not resuming): its transaction rolled back, the target is as it was;
 * - atomic run (--force): its one transaction is rolled back, the earlier copy is unchanged;
 * - the data phase of a run keeping a resume record, with tables done (or any resumed run):
 *   the record stays, for --resume;
 * - anything else: the undo drops what the run created (undo.ts).
 */
async function afterFailure(ctx: RunContext, err: unknown, created: boolean): Promise<MigrationError> {
  const phase = ctx.state.phase ?? 'data';
  const signal = ctx.state.interrupted;
  await ctx.state.stopping;
  const failure = signal ? interruptedError(signal, phase, 'the run was stopped', undefined) : phaseError(phase, err, undefined, ctx.mode);
  if (!created && !ctx.options.resume) {
    if (signal) return interruptedError(signal, phase, 'the schema:pre transaction was rolled back: nothing was written', 'as-before');
    return new MigrationError(failure.headline, { ...failure.details, target: 'as-before' });
  }
  if (ctx.atomic) {
    await ctx.target.query('ROLLBACK').catch(() => undefined);
    return annotate(failure, 'the --force run is one transaction and was rolled back: the target holds its earlier copy, unchanged', 'as-before');
  }
  if (ctx.record && (ctx.options.resume || phase === 'data')) {
    const done = await recordedCount(ctx);
    if (done > 0 || ctx.options.resume) {
      const advice = phase === 'data' ? 'rerun with --resume to continue (or with --force to start over)' : 'schema:post had begun, which a resume cannot continue: rerun with --force to start over';
      return annotate(failure, `kept for --resume: ${done} of ${ctx.selection.dataTables.length} table(s) loaded (record in schema ${RECORD_SCHEMA} on the target): ${advice}`, 'resumable');
    }
  }
  return undo(ctx, failure);
}

/** The failure with a note on what the target holds, appended to its headline. */
function annotate(failure: MigrationError, note: string, target: MigrationError['details']['target']): MigrationError {
  return new MigrationError(`${failure.headline}; ${note}`, { ...failure.details, target });
}

/** Tables the resume record holds, read on a fresh session (the run's may be gone). */
async function recordedCount(ctx: RunContext): Promise<number> {
  try {
    const client = await connect(ctx.options.to, { role: 'target', applicationName: 'db-copy record' });
    try {
      return await loadedCount(client);
    } finally {
      await closeQuietly(client);
    }
  } catch {
    return 0;
  }
}

/**
 * schema:pre, data, sequences, schema:post. A failure runs {@link afterFailure}, so the target
 * is never left with tables that lack their keys unless a resume record says so.
 */
async function writeTarget(ctx: RunContext): Promise<{ data: DataResult; sequences: SequenceValue[] }> {
  let created = false;
  try {
    if (ctx.mode !== 'data-only' && !ctx.options.resume) {
      await runPreData(ctx);
      created = true;
    }
    const data = ctx.mode === 'schema-only' ? { tables: [], indexesDone: new Set<string>(), droppedFks: [] } : await copyTableData(ctx);
    const sequences = ctx.mode === 'schema-only' ? [] : await setSequences(ctx);
    await runPostData(ctx, data);
    return { data, sequences };
  } catch (err) {
    if (ctx.mode === 'data-only') {
      const signal = ctx.state.interrupted;
      if (signal) throw interruptedError(signal, ctx.state.phase ?? 'data', 'the data-only load is one transaction and was rolled back: the target was left as it was', 'as-before');
      const failure = phaseError(ctx.state.phase ?? 'data', err, undefined, ctx.mode);
      // the load is one transaction: a failure in it left the target as it was
      throw ctx.state.phase === 'data' ? new MigrationError(failure.headline, { ...failure.details, target: 'as-before' }) : failure;
    }
    throw await afterFailure(ctx, err, created);
  }
}

/**
 * An interrupt during verify: the copy is committed. A run that created the target's objects
 * undoes them (a fresh target comes back empty); an atomic, resumed or data-only run keeps the
 * complete copy and says it is not verified.
 */
async function afterVerifyInterrupt(ctx: RunContext, signal: 'SIGINT' | 'SIGTERM'): Promise<MigrationError> {
  await ctx.state.stopping;
  if (ctx.atomic || ctx.options.resume || ctx.mode === 'data-only') {
    return interruptedError(signal, 'verify', 'the copy is complete and committed, but not verified: run npm run db:verify', 'copied-unverified');
  }
  return undo(ctx, interruptedError(signal, 'verify', 'the run was stopped', undefined));
}

/** Copies a database (schema, data, sequences) and verifies the result. */
export async function copyDatabase(options: CopyOptions): Promise<CopySummary> {
  const started = Date.now();
  const interrupt = watchInterrupt(options.signal);
  let session: Session | undefined;
  try {
    throwIfInterrupted(options.signal, 'connect');
    session = await openSession(options);
    interrupt.bind(session);
    const ctx = await preflight(session).catch(async (err: unknown) => {
      const signal = session!.state.interrupted;
      if (!signal) throw err;
      await session!.state.stopping;
      throw interruptedError(signal, 'preflight', 'nothing was written', 'as-before');
    });
    const base = planned(ctx);
    if (options.dryRun) {
      await ctx.source.query('COMMIT');
      return { ...base, ok: true, dryRun: true, timings: ctx.timings, tables: [], sequences: [], warnings: ctx.warnings, verify: null, totalMs: Date.now() - started };
    }
    throwIfInterrupted(options.signal, 'preflight');
    await ctx.target.query(targetSessionSql(ctx));
    const { data, sequences } = await writeTarget(ctx);
    // the writers' work is done: verify opens its own target sessions
    await Promise.all(ctx.writers.splice(0).map(closeQuietly));
    const report = await verify(ctx, sequences).catch(async (err: unknown) => {
      const signal = ctx.state.interrupted;
      throw signal ? await afterVerifyInterrupt(ctx, signal) : err;
    });
    await ctx.source.query('COMMIT').catch((err: unknown) => {
      if (!ctx.state.interrupted) throw err; // interrupted once everything was done: the copy stands
    });
    return {
      ...base,
      ok: report ? report.ok : true,
      dryRun: false,
      timings: ctx.timings,
      tables: data.tables,
      sequences,
      warnings: ctx.warnings,
      verify: report,
      totalMs: Date.now() - started,
    };
  } finally {
    interrupt.release();
    await closeSession(session);
  }
}
