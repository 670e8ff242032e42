/**
 * Reloading tables that already exist on the target, in ONE target transaction, so a run that
 * fails part-way leaves the target exactly as it was (never without its foreign keys):
 *
 *   BEGIN; drop the foreign keys touching the tables; lift FORCE ROW LEVEL SECURITY (a table
 *   owner without BYPASSRLS, like the RDS master user, cannot COPY into a forced table);
 *   TRUNCATE them together; per table: disable user triggers, COPY ... FREEZE, enable them;
 *   re-add the foreign keys (and the source's missing ones); refresh the materialized views
 *   reading them; restore FORCE; COMMIT.
 *
 * Used by data-only mode for every table, and by full mode with --force --tables for selected
 * tables the target already holds with the same definition (reloaded in place, so nothing
 * outside the selection is dropped).
 */
import type { Client } from 'pg';
import type { Table } from '../schema/catalog';
import { ident, phaseError, type RunContext } from './context';
import { dropForeignKeys, restoreForeignKeys } from './foreign-keys';
import type { DataResult, TaskLoader } from './types';

async function forcedRls(target: Client, tables: readonly string[]): Promise<string[]> {
  if (!tables.length) return [];
  const r = await target.query<{ q: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::regclass[]) AND c.relforcerowsecurity`,
    [tables],
  );
  return r.rows.map((x) => x.q);
}

async function userTriggers(target: Client, qname: string): Promise<string[]> {
  const r = await target.query<{ name: string }>(`SELECT tgname AS name FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgenabled <> 'D'`, [qname]);
  return r.rows.map((x) => ident(x.name));
}

/** REFRESH statements (dependency order) of the plan's materialized views that exist on the target. */
function refreshes(ctx: RunContext): string[] {
  const onTarget = new Set(ctx.targetModel.views.filter((v) => v.kind === 'm').map((v) => v.qname));
  return ctx.plan.postFinal.filter((s) => s.object.startsWith('refresh ') && onTarget.has(s.object.slice('refresh '.length))).map((s) => s.sql);
}

/**
 * Loads `tables` (which exist on the target) in one transaction on the worker's target session.
 * `related` names every reloaded table, partitioned parents included, for the foreign keys.
 */
export async function loadAtomically(ctx: RunContext, tables: readonly Table[], related: readonly string[], load: TaskLoader, out: DataResult): Promise<void> {
  const target = load.target;
  const names = tables.map((t) => t.qname);
  // an atomic run (--force) is already inside its one transaction, which it commits itself
  const own = !ctx.atomic;
  let current: string | undefined;
  if (own) await target.query('BEGIN');
  try {
    const dropped = await dropForeignKeys(target, related);
    const forced = await forcedRls(target, names);
    for (const q of forced) await target.query(`ALTER TABLE ${q} NO FORCE ROW LEVEL SECURITY`);
    if (names.length) await target.query(`TRUNCATE ONLY ${names.join(', ')}`);
    for (const t of tables) {
      current = t.qname;
      const triggers = await userTriggers(target, t.qname);
      for (const tg of triggers) await target.query(`ALTER TABLE ${t.qname} DISABLE TRIGGER ${tg}`);
      await load.copy(t);
      for (const tg of triggers) await target.query(`ALTER TABLE ${t.qname} ENABLE TRIGGER ${tg}`);
    }
    current = undefined;
    await restoreForeignKeys(target, dropped, ctx.model, related);
    for (const sql of refreshes(ctx)) await target.query(sql);
    for (const q of forced) await target.query(`ALTER TABLE ${q} FORCE ROW LEVEL SECURITY`);
    if (own) await target.query('COMMIT');
  } catch (err) {
    if (own) await target.query('ROLLBACK').catch(() => undefined);
    out.tables.length = 0;
    throw phaseError('data', err, current ?? (err as { table?: string }).table, ctx.mode);
  }
}
