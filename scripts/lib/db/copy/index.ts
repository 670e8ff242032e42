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
 * A failed run leaves the target as it was where PostgreSQL allows it: schema:pre is one
 * transaction; tables the target already holds (data-only mode, or --force --tables with an
 * equal definition) are reloaded in one transaction with their foreign keys (atomic-load.ts);
 * otherwise the objects the run created are dropped again (undo.ts). `force` touches only the
 * selection and what depends on it (force.ts). Nothing is resumed, so a rerun converges.
 */
import { describeUrl } from '../connection';
import { closeQuietly } from '../pool';
import { renderDdl } from '../schema/ddl';
import { targetSessionSql, type RunContext, type Session } from './context';
import { copyTableData, type DataResult } from './table-data';
import type { SequenceValue } from '../sequences';
import { undo } from './undo';
import { closeSession, openSession } from './session';
import { preflight } from './preflight';
import { runPreData } from './pre-data';
import { setSequences } from './set-sequences';
import { runPostData } from './post-data';
import { verify } from './verify-phase';
import type { CopyOptions, CopySummary } from './types';

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
    statements: mode === 'data-only' ? { pre: 0, post: 0 } : { pre: plan.pre.length, post: plan.postIndexes.length + plan.postAttach.length + plan.postForeignKeys.length + plan.postFinal.length },
  };
}

/**
 * schema:pre, data, sequences, schema:post. A failure after schema:pre runs the recorded undo
 * (undo.ts), so the target is not left with tables that lack their keys.
 */
async function writeTarget(ctx: RunContext): Promise<{ data: DataResult; sequences: SequenceValue[] }> {
  let created = false;
  try {
    if (ctx.mode !== 'data-only') {
      await runPreData(ctx);
      created = true;
    }
    const data = ctx.mode === 'schema-only' ? { tables: [], indexesDone: new Set<string>(), droppedFks: [] } : await copyTableData(ctx);
    const sequences = ctx.mode === 'schema-only' ? [] : await setSequences(ctx);
    await runPostData(ctx, data);
    return { data, sequences };
  } catch (err) {
    throw created ? await undo(ctx, err) : err;
  }
}

/** Copies a database (schema, data, sequences) and verifies the result. */
export async function copyDatabase(options: CopyOptions): Promise<CopySummary> {
  const started = Date.now();
  let session: Session | undefined;
  try {
    session = await openSession(options);
    const ctx = await preflight(session);
    const base = planned(ctx);
    if (options.dryRun) {
      await ctx.source.query('COMMIT');
      return { ...base, ok: true, dryRun: true, timings: ctx.timings, tables: [], sequences: [], warnings: ctx.warnings, verify: null, totalMs: Date.now() - started };
    }
    await ctx.target.query(targetSessionSql(ctx));
    const { data, sequences } = await writeTarget(ctx);
    // the writers' work is done: verify opens its own target sessions
    await Promise.all(ctx.writers.splice(0).map(closeQuietly));
    const report = await verify(ctx, sequences);
    await ctx.source.query('COMMIT');
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
    await closeSession(session);
  }
}
