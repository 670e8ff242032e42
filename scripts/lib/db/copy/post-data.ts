/**
 * Phase schema:post: keys and indexes not built during the data phase (in parallel per table),
 * partition index attachment, foreign keys, then triggers, row-level security, policies,
 * materialized view refresh and comments. In data-only mode: the foreign keys back. An atomic
 * run (--force) commits its one transaction at the end of this phase.
 */
import type { Client } from 'pg';
import { closeQuietly, runPool, settleAll } from '../pool';
import type { Statement } from '../schema/kinds/kind';
import { phaseError, statementError, runPhase, type RunContext } from './context';
import { openWriter } from './session';
import { restoreForeignKeys } from './foreign-keys';
import { DROP_RECORD_SQL, markPostStarted } from './resume';
import type { DataResult } from './types';

async function openPostSessions(ctx: RunContext, n: number, into: Client[]): Promise<void> {
  await settleAll(n, async (i) => {
    into.push(await openWriter(ctx, `db-copy post ${i + 1}`));
  });
}

async function runStatements(ctx: RunContext, client: Client, statements: readonly Statement[]): Promise<void> {
  for (const s of statements) {
    const t0 = Date.now();
    try {
      await client.query(s.sql);
    } catch (err) {
      throw phaseError('schema:post', statementError(s.object, err), s.table, ctx.mode);
    }
    ctx.emit({ type: 'statement', phase: 'schema:post', object: s.object, ms: Date.now() - t0 });
  }
}

/** Keys and indexes in parallel per table (skipping tables done during data), then the rest in order. */
async function runPostDdl(ctx: RunContext, done: ReadonlySet<string>): Promise<void> {
  const byTable = new Map<string, Statement[]>();
  for (const s of ctx.plan.postIndexes) {
    if (s.table && done.has(s.table)) continue;
    const key = s.table ?? s.object;
    byTable.set(key, [...(byTable.get(key) ?? []), s]);
  }
  const groups = [...byTable.values()];
  // index builds left over run on the data phase's writers (schema-only: new sessions); the
  // rest on the run's DDL session
  // an atomic run builds everything on its one transaction's session
  const n = ctx.atomic ? 1 : Math.min(ctx.writers.length || ctx.jobs, groups.length);
  const opened: Client[] = [];
  try {
    if (!ctx.writers.length && !ctx.atomic) await openPostSessions(ctx, n, opened);
    const conns = ctx.atomic ? [ctx.target] : ctx.writers.length ? ctx.writers : opened;
    await runPool(groups, n, (group, w) => runStatements(ctx, conns[w], group));
    await runStatements(ctx, ctx.target, [...ctx.plan.postAttach, ...ctx.plan.postForeignKeys, ...ctx.plan.postFinal]);
  } finally {
    await Promise.all(opened.map(closeQuietly));
  }
}

/**
 * Phase schema:post (not in data-only mode: its foreign keys come back inside the load's
 * transaction). After tables were dropped and recreated next to tables reloaded in place, the
 * source's foreign keys the selection lacks (those the drop cascaded to) are re-added.
 */
export async function runPostData(ctx: RunContext, data: DataResult): Promise<void> {
  if (ctx.mode === 'data-only') return;
  await runPhase(ctx, 'schema:post', async () => {
    if (ctx.record) await markPostStarted(ctx.target);
    await runPostDdl(ctx, data.indexesDone);
    try {
      if (ctx.reload.length) await restoreForeignKeys(ctx.target, [], ctx.model, ctx.selection.tables.map((t) => t.qname));
    } catch (err) {
      throw phaseError('schema:post', err, (err as { table?: string }).table, ctx.mode);
    }
    // the run is complete: its resume record goes before verify (which must not see it)
    if (ctx.record || ctx.atomic) await ctx.target.query(DROP_RECORD_SQL);
    if (ctx.atomic) await ctx.target.query('COMMIT');
  });
}
