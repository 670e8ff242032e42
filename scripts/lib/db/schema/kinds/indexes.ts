/** Indexes that no constraint creates, on tables and materialized views. */
import type { Index } from '../model';
import { q, QN, type ReadContext } from './context';
import type { Kind } from './kind';

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

export const indexes: Kind = {
  name: 'indexes',
  fields: ['indexes'],
  read: async (ctx, model) => {
    const tables = model.tables ?? [];
    const matviews = (model.views ?? []).filter((w) => w.kind === 'm').map((w) => w.oid);
    return { indexes: await readIndexes(ctx, [...tables.map((t) => t.oid), ...matviews], new Map(tables.map((t) => [t.oid, t.partitionDepth]))) };
  },
  emit: [
    {
      phase: 'post:keys',
      at: 240,
      statements: ({ model, sel, skipped }) =>
        model.indexes
          .filter((i) => sel.keptRel.has(i.tableOid) && !sel.afterKeys.has(i.tableOid))
          .flatMap((i) => {
            if (i.valid === false) skipped.push(`index ${i.qname} on ${i.table} (invalid on the source, as a failed CREATE INDEX CONCURRENTLY leaves it; pg_dump skips it too): rebuild it after the copy`);
            return i.valid !== false && i.def ? [{ object: `index ${i.qname}`, table: i.table, sql: i.def }] : [];
          }),
    },
    // partition index attachment, deepest first
    {
      phase: 'post:attach',
      at: 250,
      statements: ({ model, sel }) =>
        model.indexes
          .filter((i) => sel.keptRel.has(i.tableOid) && !sel.afterKeys.has(i.tableOid) && i.parentIndex && i.valid !== false)
          .sort((a, b) => b.tableDepth - a.tableDepth)
          .map((i) => ({ object: `attach ${i.qname}`, table: i.table, sql: `ALTER INDEX ${i.parentIndex} ATTACH PARTITION ${i.qname}` })),
    },
    // the indexes of views created after the keys
    {
      phase: 'post:final',
      at: 310,
      statements: ({ model, sel }) => model.indexes.filter((x) => sel.afterKeys.has(x.tableOid) && x.def && x.valid !== false).map((i) => ({ object: `index ${i.qname}`, table: i.table, sql: i.def })),
    },
  ],
};
