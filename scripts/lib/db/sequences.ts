/** Sequence values: reading their positions and carrying them (which sequences a selection covers: schema/selection.ts). */
import type { Client } from 'pg';

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
