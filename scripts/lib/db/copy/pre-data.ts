/**
 * Phase schema:pre: with force, drop what the copy is about to create; then schemas,
 * extensions, types, sequences, functions, tables and views, all in one transaction (a failure
 * leaves the target as it was).
 */
import type { Client } from 'pg';
import type { SchemaModel } from '../schema/catalog';
import type { Statement } from '../schema/ddl';
import { errText, runPhase, type RunContext, type Selection } from './context';
import type { CopyEvent } from './types';

/** Errors of a statement whose dependency is created later: retried after the others. */
const RETRYABLE_DDL = new Set(['42P01', '42704', '42883', '3F000', '42P07']);

/** Drops, on the target, every object the copy is about to create (used with force). */
export function dropStatements(model: SchemaModel, selection: Selection): string[] {
  const out: string[] = [];
  for (const v of [...model.views].reverse()) out.push(`DROP ${v.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW'} IF EXISTS ${v.qname} CASCADE`);
  for (const t of selection.tables.filter((x) => !x.parent)) out.push(`DROP TABLE IF EXISTS ${t.qname} CASCADE`);
  for (const t of selection.tables.filter((x) => x.parent)) out.push(`DROP TABLE IF EXISTS ${t.qname} CASCADE`);
  for (const s of model.sequences.filter((x) => !x.identity)) out.push(`DROP SEQUENCE IF EXISTS ${s.qname} CASCADE`);
  for (const f of model.functions) out.push(`DROP ROUTINE IF EXISTS ${f.identity} CASCADE`);
  for (const t of [...model.types].reverse()) out.push(`DROP ${t.kind === 'domain' ? 'DOMAIN' : 'TYPE'} IF EXISTS ${t.qname} CASCADE`);
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
        if (!RETRYABLE_DDL.has((err as { code?: string }).code ?? '')) throw Object.assign(new Error(`${s.object}: ${errText(err)}`), { code: (err as { code?: string }).code });
        deferred.push({ s, err });
      }
    }
    if (!deferred.length) return;
    if (deferred.length === pending.length) throw Object.assign(new Error(`${deferred[0].s.object}: ${errText(deferred[0].err)}`), { code: (deferred[0].err as { code?: string }).code });
    pending = deferred.map((d) => d.s);
  }
}

/** Phase schema:pre: the drops (force) and the pre-data DDL in one transaction. */
export async function runPreData(ctx: RunContext): Promise<void> {
  await runPhase(ctx, 'schema:pre', async () => {
    const client = ctx.target;
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL check_function_bodies = off; SET LOCAL search_path = ''`);
      for (const sql of ctx.drops) await client.query(sql);
      await runInOrder(client, ctx.plan.pre, ctx.emit);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}
