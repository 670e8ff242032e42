/**
 * The resume record: what a full copy into a fresh target keeps there so that `--resume`
 * continues it after an interrupted or failed data phase, as pgcopydb's per-table "done" marks.
 *
 * Kept in the schema `_db_copy` of the target, created inside the schema:pre transaction (so
 * it exists exactly when the copied schema does):
 *   _db_copy.run     the source's schema signature (object -> DDL, schema/ddl.ts) and the
 *                    table filter of the run, and whether schema:post had begun
 *   _db_copy.loaded  one row per table whose data AND keys/indexes were done (written by the
 *                    worker right after the table's index builds)
 * A run that succeeds drops the schema at the end of schema:post, before verify, so neither the
 * engine's verify nor an outside judge ever sees it; the undo drops it too.
 *
 * --resume refuses when:
 * - there is no record (nothing to resume), or the record says schema:post had begun (its
 *   statements are not rerunnable one by one: --force starts over);
 * - the source's schema changed: the signature read now differs from the recorded one (an
 *   object added, dropped or altered, named in the refusal), or the table filter differs.
 * Rows may change on a live source between the runs: every recorded table is hashed again on
 * both sides (the new snapshot against the target); one that differs is loaded again.
 */
import type { Client } from 'pg';
import { MigrationError } from '../errors';
import type { SchemaModel, Table } from '../schema/catalog';
import { schemaSignature } from '../schema/ddl';
import type { TableFilter } from '../schema/selection';
import { quoteLiteral } from '../sql';
import { tableHashSql } from '../verify';
import { ident } from './context';
import { copyColumns } from './columns';

export const RECORD_SCHEMA = '_db_copy';
export const DROP_RECORD_SQL = `DROP SCHEMA IF EXISTS ${RECORD_SCHEMA} CASCADE`;

export interface ResumeRecord {
  readonly signature: Record<string, string>;
  readonly filter: TableFilter;
  readonly postStarted: boolean;
  /** Tables recorded done, with their row counts. */
  readonly loaded: Map<string, number>;
}

function signatureOf(model: SchemaModel, filter: TableFilter): Record<string, string> {
  return Object.fromEntries(schemaSignature(model, filter));
}

/** The statements creating the record (run inside the schema:pre transaction). */
export function recordStatements(model: SchemaModel, filter: TableFilter): string[] {
  const sig = JSON.stringify(signatureOf(model, filter));
  const f = JSON.stringify({ include: filter.include ?? [], exclude: filter.exclude ?? [] });
  return [
    `CREATE SCHEMA ${RECORD_SCHEMA}`,
    `COMMENT ON SCHEMA ${RECORD_SCHEMA} IS 'db:copy resume record: continue with npm run db:copy -- --resume, or start over with --force'`,
    `CREATE TABLE ${RECORD_SCHEMA}.run (signature jsonb NOT NULL, filter jsonb NOT NULL, post_started boolean NOT NULL DEFAULT false, started timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE ${RECORD_SCHEMA}.loaded (tbl text PRIMARY KEY, rows bigint NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    `INSERT INTO ${RECORD_SCHEMA}.run (signature, filter) VALUES (${quoteLiteral(sig)}::jsonb, ${quoteLiteral(f)}::jsonb)`,
  ];
}

/** Marks a table done (its data and keys/indexes are committed). */
export async function markLoaded(client: Client, table: string, rows: number): Promise<void> {
  await client.query(`INSERT INTO ${RECORD_SCHEMA}.loaded (tbl, rows) VALUES ($1, $2) ON CONFLICT (tbl) DO UPDATE SET rows = EXCLUDED.rows, at = now()`, [table, rows]);
}

/** Marks that schema:post began (a resume can no longer continue). */
export async function markPostStarted(client: Client): Promise<void> {
  await client.query(`UPDATE ${RECORD_SCHEMA}.run SET post_started = true`);
}

/** The record on the target, or null when there is none. */
export async function readRecord(client: Client): Promise<ResumeRecord | null> {
  const exists = await client.query<{ ok: boolean }>(`SELECT to_regclass('${RECORD_SCHEMA}.run') IS NOT NULL AND to_regclass('${RECORD_SCHEMA}.loaded') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return null;
  const run = await client.query<{ signature: Record<string, string>; filter: TableFilter; post_started: boolean }>(`SELECT signature, filter, post_started FROM ${RECORD_SCHEMA}.run LIMIT 1`);
  if (!run.rows.length) return null;
  const loaded = await client.query<{ tbl: string; rows: string }>(`SELECT tbl, rows::text AS rows FROM ${RECORD_SCHEMA}.loaded`);
  return { ...run.rows[0], postStarted: run.rows[0].post_started, loaded: new Map(loaded.rows.map((r) => [r.tbl, Number(r.rows)])) };
}

/** Tables recorded done (0 when there is no record); never throws. */
export async function loadedCount(client: Client): Promise<number> {
  try {
    return (await readRecord(client))?.loaded.size ?? 0;
  } catch {
    return 0;
  }
}

function refuse(message: string): never {
  throw new MigrationError(`[preflight] --resume: ${message}`, { phase: 'preflight' });
}

const sameFilter = (a: TableFilter, b: TableFilter) =>
  JSON.stringify([[...(a.include ?? [])].sort(), [...(a.exclude ?? [])].sort()]) === JSON.stringify([[...(b.include ?? [])].sort(), [...(b.exclude ?? [])].sort()]);

/** Refuses a resume the record does not allow (see the file comment). */
export function checkResumable(record: ResumeRecord | null, model: SchemaModel, filter: TableFilter, target: string): ResumeRecord {
  if (!record) refuse(`the target ${target} holds no record of an interrupted copy (schema ${RECORD_SCHEMA}): nothing to resume; copy without --resume`);
  if (record.postStarted) {
    refuse(`the interrupted run had begun schema:post, which a resume cannot continue: rerun with --force to start over`);
  }
  if (!sameFilter(record.filter, filter)) {
    refuse(`the interrupted run copied --tables ${JSON.stringify(record.filter.include ?? [])} --exclude-tables ${JSON.stringify(record.filter.exclude ?? [])}: resume with the same selection`);
  }
  const now = signatureOf(model, filter);
  const changed: string[] = [];
  for (const [object, sql] of Object.entries(now)) if (record.signature[object] !== sql) changed.push(`${object} (${record.signature[object] === undefined ? 'added' : 'altered'})`);
  for (const object of Object.keys(record.signature)) if (!(object in now)) changed.push(`${object} (dropped)`);
  if (changed.length) {
    refuse(
      `the source's schema changed since the interrupted run: ${changed.slice(0, 5).join('; ')}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}. ` +
        'A resume cannot carry a schema change into tables already loaded: rerun with --force to start over',
    );
  }
  return record;
}

/**
 * Of the recorded tables, those whose rows still equal the source's (count and content hash,
 * the source read in the run's snapshot by `source`): these are kept; the others are loaded again.
 */
export async function stillEqual(source: Client, target: Client, tables: readonly Table[], record: ResumeRecord): Promise<string[]> {
  const kept: string[] = [];
  for (const t of tables.filter((x) => record.loaded.has(x.qname))) {
    const sql = tableHashSql(t.qname, copyColumns(t), 'text');
    const [a, b] = await Promise.all([source.query(sql), target.query(sql)]);
    if (a.rows[0].n === b.rows[0].n && a.rows[0].h === b.rows[0].h) kept.push(t.qname);
  }
  return kept;
}

/**
 * Before tables are loaded again by a resume: their record rows go, and so do any keys and
 * indexes an interrupted index build left (schema:post had not begun, so nothing references them).
 */
export async function prepareReload(client: Client, tables: readonly string[]): Promise<void> {
  if (!tables.length) return;
  await client.query(`DELETE FROM ${RECORD_SCHEMA}.loaded WHERE tbl = ANY($1::text[])`, [tables]);
  const r = await client.query<{ t: string; con: string | null; idx: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t, k.conname AS con, format('%I.%I', n.nspname, i.relname) AS idx
       FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class i ON i.oid = x.indexrelid
       LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')
      WHERE x.indrelid = ANY($1::regclass[])`,
    [tables],
  );
  for (const row of r.rows) {
    await client.query(row.con ? `ALTER TABLE ${row.t} DROP CONSTRAINT IF EXISTS ${ident(row.con)}` : `DROP INDEX IF EXISTS ${row.idx}`);
  }
}
