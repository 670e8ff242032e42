/**
 * Constraints created after the data: primary/unique/exclusion keys and foreign keys. A key
 * on a partition whose index belongs to a partitioned parent's index also yields the index
 * attachment (as an {@link Index} without a definition).
 */
import type { Constraint, Index } from '../model';
import { quoteIdent } from '../../sql';
import { q, QN, type ReadContext } from './context';
import type { Kind } from './kind';

export async function readConstraints(
  ctx: ReadContext,
  tableOids: readonly number[],
  depthOf: ReadonlyMap<number, number>,
): Promise<{ constraints: Constraint[]; attachments: Index[] }> {
  const rows = await q(
    ctx.client,
    `SELECT k.conname, k.conrelid::int AS tableoid, ${QN('n.nspname', 'c.relname')} AS tablename, k.contype, pg_get_constraintdef(k.oid) AS def,
            nullif(k.confrelid, 0)::int AS reftable, k.convalidated,
            CASE WHEN k.contype IN ('p', 'u', 'x') THEN (SELECT ${QN('inn.nspname', 'ic.relname')} FROM pg_class ic JOIN pg_namespace inn ON inn.oid = ic.relnamespace WHERE ic.oid = k.conindid) END AS indexname,
            (SELECT ${QN('pn.nspname', 'pc.relname')} FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = k.conindid AND k.contype IN ('p', 'u', 'x')) AS parentindex
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.conrelid = ANY($1::oid[]) AND k.contype IN ('p', 'u', 'x', 'f')
        AND (k.contype <> 'f' OR k.conparentid = 0)
      ORDER BY k.contype = 'f', k.conrelid, k.conname`,
    [tableOids],
  );
  const constraints: Constraint[] = [];
  const attachments: Index[] = [];
  for (const r of rows) {
    constraints.push({ name: r.conname, tableOid: r.tableoid, table: r.tablename, type: r.contype, def: r.def, refTableOid: r.reftable, indexQname: r.indexname });
    if (r.parentindex) {
      attachments.push({ oid: 0, qname: r.indexname, tableOid: r.tableoid, table: r.tablename, def: '', parentIndex: r.parentindex, tableDepth: depthOf.get(r.tableoid) ?? 0 });
    }
  }
  return { constraints, attachments };
}

export const constraints: Kind = {
  name: 'constraints',
  fields: ['constraints', 'indexes'],
  // after the indexes: the attachments of keys on partitions join them
  read: async (ctx, model) => {
    const tables = model.tables ?? [];
    const read = await readConstraints(ctx, tables.map((t) => t.oid), new Map(tables.map((t) => [t.oid, t.partitionDepth])));
    return { constraints: read.constraints, indexes: [...(model.indexes ?? []), ...read.attachments] };
  },
  emit: [
    {
      phase: 'post:keys',
      at: 200,
      statements: ({ model, sel }) =>
        model.constraints
          .filter((c) => sel.selected.has(c.tableOid) && c.type !== 'f')
          .map((c) => ({ object: `constraint ${c.table}.${quoteIdent(c.name)}`, table: c.table, sql: `ALTER TABLE ONLY ${c.table} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` })),
    },
    {
      phase: 'post:foreign-keys',
      at: 210,
      statements: ({ model, sel, skipped }) => {
        const kindOf = new Map(model.tables.map((t) => [t.qname, t.kind]));
        return model.constraints
          .filter((c) => sel.selected.has(c.tableOid) && c.type === 'f')
          .flatMap((c) => {
            if (c.refTableOid !== null && !sel.selected.has(c.refTableOid)) {
              skipped.push(`foreign key ${c.name} on ${c.table} (references a table outside the selection)`);
              return [];
            }
            const only = kindOf.get(c.table) === 'p' ? '' : 'ONLY ';
            return [{ object: `constraint ${c.table}.${quoteIdent(c.name)}`, table: c.table, sql: `ALTER TABLE ${only}${c.table} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` }];
          });
      },
    },
  ],
  force: {
    // a foreign key to a table outside the selection stays where its table is reloaded in place
    stays(skipped, { reload, targetModel }) {
      const m = /^foreign key (.+) on (.+) \(references a table outside the selection\)$/.exec(skipped);
      return Boolean(m && reload.includes(m[2]) && targetModel.constraints.some((c) => c.type === 'f' && c.table === m[2] && c.name === m[1]));
    },
  },
};
