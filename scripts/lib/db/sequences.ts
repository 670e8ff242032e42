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

/** Sequences that belong to the selection: owned by a selected table, or free-standing. */
export function selectedSequences(model: SchemaModel, filter: TableFilter = {}): string[] {
  const selected = new Set(selectTables(model, filter).map((t) => t.oid));
  const filtered = Boolean(filter.include?.length || filter.exclude?.length);
  return model.sequences.filter((s) => (s.ownedBy ? selected.has(s.ownedBy.tableOid) : !filtered)).map((s) => s.qname);
}

