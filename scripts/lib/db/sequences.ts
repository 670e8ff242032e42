/** Sequence values: which sequences a selection covers, and reading their positions. */
import type { Client } from 'pg';
import type { SchemaModel } from './schema/catalog';
import { selectTables, type TableFilter } from './schema/ddl';

export interface SequenceValue {
  readonly sequence: string;
  readonly lastValue: string;
  readonly isCalled: boolean;
}

/** Reads `last_value` and `is_called` of sequences (schema-qualified, quoted names). */
export async function readSequenceValues(client: Client, sequences: readonly string[]): Promise<SequenceValue[]> {
  if (!sequences.length) return [];
  const sql = sequences.map((s, i) => `SELECT ${i} AS i, last_value::text AS v, is_called AS c FROM ${s}`).join(' UNION ALL ');
  const rows = (await client.query<{ i: number; v: string; c: boolean }>(sql)).rows.sort((a, b) => a.i - b.i);
  return rows.map((r) => ({ sequence: sequences[r.i], lastValue: r.v, isCalled: r.c }));
}

/** Sequences a column default names with `nextval('schema.seq'::regclass)` (as read with an empty search_path). */
export function sequencesInDefault(expr: string | null): string[] {
  if (!expr) return [];
  return [...expr.matchAll(/nextval\('((?:[^']|'')+)'::regclass\)/g)].map((m) => m[1].replace(/''/g, "'"));
}

/**
 * Sequences that belong to the selection: owned by a selected table, used by a column default
 * of a selected table, or (without a table filter) free-standing.
 */
export function selectedSequences(model: SchemaModel, filter: TableFilter = {}): string[] {
  const tables = selectTables(model, filter);
  const selected = new Set(tables.map((t) => t.oid));
  const usedByDefaults = new Set(tables.flatMap((t) => t.columns.flatMap((c) => sequencesInDefault(c.defaultExpr))));
  const filtered = Boolean(filter.include?.length || filter.exclude?.length);
  return model.sequences
    .filter((s) => (s.ownedBy ? selected.has(s.ownedBy.tableOid) : !filtered) || usedByDefaults.has(s.qname))
    .map((s) => s.qname);
}


/** Reads the given sequences on the source and sets them on the target (one statement); returns the values. */
export async function carrySequenceValues(source: Client, target: Client, sequences: readonly string[]): Promise<SequenceValue[]> {
  const values = await readSequenceValues(source, sequences);
  if (values.length) {
    await target.query(`SELECT setval(s::regclass, v, c) FROM unnest($1::text[], $2::bigint[], $3::bool[]) AS x(s, v, c)`, [
      values.map((v) => v.sequence),
      values.map((v) => v.lastValue),
      values.map((v) => v.isCalled),
    ]);
  }
  return values;
}
