/**
 * Phase schema:pre: with force, drop what the copy is about to create; then schemas,
 * extensions, types, sequences, functions, tables and views, all in one transaction (a failure
 * leaves the target as it was).
 */
import type { Client } from 'pg';
import type { SchemaModel } from '../schema/catalog';
import type { Statement } from '../schema/kinds/kind';
import { KINDS } from '../schema/kinds/index';
import type { Selection } from '../schema/selection';
import { runPhase, statementError, type RunContext } from './context';
import { DROP_RECORD_SQL, RECORD_SCHEMA, recordStatements } from './resume';
import type { CopyEvent } from './types';

/** Errors of a statement whose dependency is created later: retried after the others. */
const RETRYABLE_DDL = new Set(['42P01', '42704', '42883', '3F000', '42P07']);

/**
 * Drops, on the target, every object of the model the copy is about to create that the target
 * holds (force without a table filter: the selection is the whole database), each kind's in
 * its place (ForcePolicy.drop).
 */
export function dropStatements(model: SchemaModel, selection: Selection, targetModel: SchemaModel): string[] {
  const drops = KINDS.flatMap((k) => (k.force?.drop ? [k.force.drop] : [])).sort((a, b) => a.at - b.at);
  return drops.flatMap((d) => d.statements({ model, sel: selection, targetModel }));
}

/**
 * The recorded undo of a full or schema-only run that failed after schema:pre: drop what the
 * run created (tables it did not reload in place, and the views, sequences, operators, functions,
 * types, collations, schemas and extensions the target did not hold before), so no table is left
 * without its keys and a rerun does not meet "already exists". Each kind drops its own objects
 * (Kind.undo), pass by pass, newest first within a pass.
 */
export function undoStatements(ctx: RunContext): string[] {
  const c = { model: ctx.model, targetModel: ctx.targetModel, reload: ctx.reload };
  const created = ctx.plan.pre.map((s) => s.object).reverse();
  const undoers = KINDS.flatMap((k) => (k.undo ? [k.undo] : []));
  const passes = [...new Set(undoers.map((u) => u.pass))].sort((a, b) => a - b);
  const out: string[] = [DROP_RECORD_SQL];
  for (const pass of passes) {
    for (const o of created) for (const u of undoers.filter((x) => x.pass === pass)) out.push(...[u.statement(o, c)].filter((x): x is string => Boolean(x)));
  }
  return out;
}

/** Runs statements inside the open transaction, retrying ones whose dependency came later. */
async function runInOrder(client: Client, statements: readonly Statement[], emit: (e: CopyEvent) => void): Promise<void> {
  let pending = statements;
  for (;;) {
    const deferred: { s: Statement; err: unknown }[] = [];
    for (const s of pending) {
      await client.query('SAVEPOINT ddl');
      try {
        await client.query(s.sql);
        await client.query('RELEASE SAVEPOINT ddl');
        emit({ type: 'statement', phase: 'schema:pre', object: s.object });
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT ddl');
        if (!RETRYABLE_DDL.has((err as { code?: string }).code ?? '')) throw statementError(s.object, err);
        deferred.push({ s, err });
      }
    }
    if (!deferred.length) return;
    if (deferred.length === pending.length) throw statementError(deferred[0].s.object, deferred[0].err);
    pending = deferred.map((d) => d.s);
  }
}

/** Creates the resume record (resume.ts); a target user that may not create a schema copies without one. */
async function createRecord(ctx: RunContext): Promise<void> {
  await ctx.target.query('SAVEPOINT record');
  try {
    for (const sql of recordStatements(ctx.model, ctx.filter)) await ctx.target.query(sql);
    await ctx.target.query('RELEASE SAVEPOINT record');
  } catch (err) {
    if ((err as { code?: string }).code !== '42501') throw err;
    await ctx.target.query('ROLLBACK TO SAVEPOINT record');
    ctx.warn(`no resume record: the target user may not create the schema ${RECORD_SCHEMA} (${(err as Error).message}); an interrupted run will be undone, not resumable`);
  }
}

/**
 * Phase schema:pre: the drops (force) and the pre-data DDL in one transaction, with the resume
 * record when the run keeps one. An atomic run (ctx.atomic) leaves the transaction open: it is
 * committed at the end of schema:post (post-data.ts).
 */
export async function runPreData(ctx: RunContext): Promise<void> {
  await runPhase(ctx, 'schema:pre', async () => {
    const client = ctx.target;
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL check_function_bodies = off; SET LOCAL search_path = ''`);
      for (const sql of ctx.drops) await client.query(sql);
      await runInOrder(client, ctx.plan.pre, ctx.emit);
      if (ctx.record) await createRecord(ctx);
      if (!ctx.atomic) await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}
