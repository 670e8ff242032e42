/**
 * Phase schema:pre: with force, drop what the copy is about to create; then schemas,
 * extensions, types, sequences, functions, tables and views, all in one transaction (a failure
 * leaves the target as it was).
 */
import type { Client } from 'pg';
import type { SchemaModel } from '../schema/catalog';
import type { Statement } from '../schema/ddl';
import { runPhase, statementError, type RunContext, type Selection } from './context';
import { DROP_RECORD_SQL, RECORD_SCHEMA, recordStatements } from './resume';
import type { CopyEvent } from './types';

/** Errors of a statement whose dependency is created later: retried after the others. */
const RETRYABLE_DDL = new Set(['42P01', '42704', '42883', '3F000', '42P07']);

/**
 * Drops, on the target, every object of the model the copy is about to create that the target
 * holds (force without a table filter: the selection is the whole database).
 */
export function dropStatements(model: SchemaModel, selection: Selection, targetModel: SchemaModel): string[] {
  const has = new Set([...targetModel.tables, ...targetModel.views, ...targetModel.sequences, ...targetModel.types].map((x) => x.qname));
  const hasFn = new Set(targetModel.functions.map((f) => f.identity));
  const hasOp = new Set(targetModel.operators.map((o) => o.identity));
  const hasColl = new Set(targetModel.collations.map((c) => c.identity));
  const out: string[] = [];
  for (const v of [...model.views].reverse()) if (has.has(v.qname)) out.push(`DROP ${v.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW'} IF EXISTS ${v.qname} CASCADE`);
  for (const t of selection.tables.filter((x) => !x.parent && has.has(x.qname))) out.push(`DROP TABLE IF EXISTS ${t.qname} CASCADE`);
  for (const t of selection.tables.filter((x) => x.parent && has.has(x.qname))) out.push(`DROP TABLE IF EXISTS ${t.qname} CASCADE`);
  for (const s of model.sequences.filter((x) => !x.identity && has.has(x.qname))) out.push(`DROP SEQUENCE IF EXISTS ${s.qname} CASCADE`);
  for (const o of model.operators.filter((x) => hasOp.has(x.identity))) out.push(dropOperator(o.identity));
  for (const f of model.functions.filter((x) => hasFn.has(x.identity))) out.push(dropRoutine(f));
  for (const t of [...model.types].reverse()) if (has.has(t.qname)) out.push(`DROP ${t.kind === 'domain' ? 'DOMAIN' : 'TYPE'} IF EXISTS ${t.qname} CASCADE`);
  for (const c of model.collations.filter((x) => hasColl.has(x.identity))) out.push(`DROP COLLATION IF EXISTS ${c.identity} CASCADE`);
  return out;
}

/**
 * DROP for a function, procedure or aggregate of the model. DROP ROUTINE takes no ORDER BY in
 * its argument list, so an ordered-set or hypothetical-set aggregate (`pct(float8 ORDER BY
 * anyelement)`) is dropped with DROP AGGREGATE, which also needs `(*)` for a zero-argument
 * aggregate; functions and procedures (VARIADIC, IN/OUT/INOUT modes included) with DROP ROUTINE.
 */
export function dropRoutine(f: { readonly identity: string; readonly sql: string }): string {
  if (!f.sql.startsWith('CREATE AGGREGATE')) return `DROP ROUTINE IF EXISTS ${f.identity} CASCADE`;
  return `DROP AGGREGATE IF EXISTS ${f.identity.replace(/\(\)$/, '(*)')} CASCADE`;
}

/** DROP OPERATOR for an operator identity `schema.op(left,right)` (NONE for a missing side). */
function dropOperator(identity: string): string {
  return `DROP OPERATOR IF EXISTS ${identity.replace(/\(([^()]*)\)$/, ' ($1)')} CASCADE`;
}

/**
 * The recorded undo of a full or schema-only run that failed after schema:pre: drop what the
 * run created (tables it did not reload in place, and the views, sequences, operators, functions,
 * types, collations, schemas and extensions the target did not hold before), so no table is left
 * without its keys and a rerun does not meet "already exists".
 */
export function undoStatements(ctx: RunContext): string[] {
  const t = ctx.targetModel;
  const fns = new Set(t.functions.map((f) => f.identity));
  const schemas = new Set(t.schemas.map((s) => s.name));
  const exts = new Set(t.extensions.map((x) => x.name));
  const domains = new Set(ctx.model.types.filter((x) => x.kind === 'domain').map((x) => x.qname));
  const out: string[] = [DROP_RECORD_SQL];
  const created = ctx.plan.pre.map((s) => s.object);
  const routines = new Map(ctx.model.functions.map((f) => [f.identity, f]));
  const name = (o: string, prefix: string) => o.slice(prefix.length);
  for (const o of [...created].reverse()) {
    if (o.startsWith('materialized view ')) out.push(`DROP MATERIALIZED VIEW IF EXISTS ${name(o, 'materialized view ')} CASCADE`);
    else if (o.startsWith('view ')) out.push(`DROP VIEW IF EXISTS ${name(o, 'view ')} CASCADE`);
  }
  for (const tb of ctx.selection.tables.filter((x) => !x.parent && !ctx.reload.includes(x.qname))) out.push(`DROP TABLE IF EXISTS ${tb.qname} CASCADE`);
  const ops = new Set(t.operators.map((o) => o.identity));
  const colls = new Set(t.collations.map((c) => c.identity));
  for (const o of [...created].reverse()) {
    if (o.startsWith('sequence ')) out.push(`DROP SEQUENCE IF EXISTS ${name(o, 'sequence ')} CASCADE`);
    else if (o.startsWith('operator ') && !ops.has(name(o, 'operator '))) out.push(dropOperator(name(o, 'operator ')));
    else if (o.startsWith('function ') && !fns.has(name(o, 'function '))) out.push(dropRoutine(routines.get(name(o, 'function ')) ?? { identity: name(o, 'function '), sql: '' }));
    else if (o.startsWith('type ')) out.push(`DROP ${domains.has(name(o, 'type ')) ? 'DOMAIN' : 'TYPE'} IF EXISTS ${name(o, 'type ')} CASCADE`);
    else if (o.startsWith('collation ') && !colls.has(name(o, 'collation '))) out.push(`DROP COLLATION IF EXISTS ${name(o, 'collation ')} CASCADE`);
  }
  for (const o of [...created].reverse()) {
    if (o.startsWith('extension ') && !exts.has(name(o, 'extension ').replace(/^"|"$/g, ''))) out.push(`DROP EXTENSION IF EXISTS ${name(o, 'extension ')}`);
    else if (o.startsWith('schema ') && !schemas.has(name(o, 'schema ').replace(/^"|"$/g, '').replace(/""/g, '"'))) out.push(`DROP SCHEMA IF EXISTS ${name(o, 'schema ')}`);
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
