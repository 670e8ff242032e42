/**
 * Phase schema:post: keys and indexes not built during the data phase (in parallel per table),
 * partition index attachment, foreign keys, then triggers, row-level security, policies,
 * materialized view refresh and comments. In data-only mode: the foreign keys back.
 */
import type { Client } from 'pg';
import { connect } from '../connection';
import { closeQuietly, runPool } from '../pool';
import type { Statement } from '../schema/ddl';
import { errText, phaseError, runPhase, type RunContext } from './context';
import { restoreForeignKeys } from './foreign-keys';
import type { DataResult } from './table-data';

async function openPostSessions(ctx: RunContext, n: number, into: Client[]): Promise<void> {
  const mwm = (ctx.options.maintenanceWorkMem ?? '256MB').replace(/'/g, '');
  for (let i = 0; i < n; i++) {
    const c = await connect(ctx.options.to, { role: 'target', applicationName: `db-copy post ${i + 1}` });
    into.push(c);
    await c.query(`SET search_path = ''; SET maintenance_work_mem = '${mwm}'; SET synchronous_commit = off`);
  }
}

async function runStatements(ctx: RunContext, client: Client, statements: readonly Statement[]): Promise<void> {
  for (const s of statements) {
    const t0 = Date.now();
    try {
      await client.query(s.sql);
    } catch (err) {
      throw phaseError('schema:post', new Error(`${s.object}: ${errText(err)}`), s.table, ctx.mode);
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
  const n = Math.min(ctx.jobs, Math.max(1, groups.length));
  const conns: Client[] = [];
  try {
    await openPostSessions(ctx, n, conns);
    await runPool(groups, n, (group, w) => runStatements(ctx, conns[w], group));
    await runStatements(ctx, conns[0], [...ctx.plan.postAttach, ...ctx.plan.postForeignKeys, ...ctx.plan.postFinal]);
  } finally {
    await Promise.all(conns.map(closeQuietly));
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
    await runPostDdl(ctx, data.indexesDone);
    if (!ctx.reload.length) return;
    try {
      await restoreForeignKeys(ctx.target, [], ctx.model, ctx.selection.tables.map((t) => t.qname));
    } catch (err) {
      throw phaseError('schema:post', err, (err as { table?: string }).table, ctx.mode);
    }
  });
}
