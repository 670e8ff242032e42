/** Indexes that no constraint creates, on tables and materialized views. */
import type { Index } from '../model';
import { q, QN, type ReadContext } from './context';

export async function readIndexes(ctx: ReadContext, relOids: readonly number[], depthOf: ReadonlyMap<number, number>): Promise<Index[]> {
  const rows = await q(
    ctx.client,
    `SELECT i.indexrelid::int AS oid, ${QN('n.nspname', 'ic.relname')} AS qname, i.indrelid::int AS tableoid, ${QN('tn.nspname', 'tc.relname')} AS tablename,
            pg_get_indexdef(i.indexrelid) AS def, i.indisvalid OR tc.relkind = 'p' AS valid,
            (SELECT ${QN('pn.nspname', 'pc.relname')} FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = i.indexrelid) AS parent
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
       JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
      WHERE i.indrelid = ANY($1::oid[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
      ORDER BY i.indexrelid`,
    [relOids],
  );
  return rows.map((r) => ({
    oid: r.oid,
    qname: r.qname,
    tableOid: r.tableoid,
    table: r.tablename,
    def: r.def,
    parentIndex: r.parent,
    tableDepth: depthOf.get(r.tableoid) ?? 0,
    valid: r.valid,
  }));
}
