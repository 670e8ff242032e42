/** Sequences: free-standing, owned by a column (serial), or behind an identity column. */
import type { Sequence, SequenceOptions } from '../model';
import type { SchemaModel } from '../model';
import type { Selection } from '../selection';
import { quoteIdent } from '../../sql';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';
import { heldNames, type Kind } from './kind';

export async function readSequences(ctx: ReadContext): Promise<Sequence[]> {
  const rows = await q(
    ctx.client,
    `SELECT n.nspname AS schema, c.relname AS name, ${QN('n.nspname', 'c.relname')} AS qname, c.relpersistence,
            format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS inc, s.seqmin::text AS min,
            s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
            d.deptype, d.refobjid AS tableoid, CASE WHEN tc.oid IS NOT NULL THEN ${QN('tn.nspname', 'tc.relname')} END AS tablename, a.attname AS colname
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
       LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       LEFT JOIN pg_class tc ON tc.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE c.relkind = 'S' AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY c.oid`,
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    qname: r.qname,
    unlogged: r.relpersistence === 'u',
    dataType: r.type,
    start: r.start,
    increment: r.inc,
    min: r.min,
    max: r.max,
    cache: r.cache,
    cycle: r.cycle,
    identity: r.deptype === 'i',
    ownedBy: r.deptype ? { table: r.tablename, tableOid: Number(r.tableoid), column: r.colname } : null,
  }));
}

export function seqOptions(s: Omit<SequenceOptions, 'qname' | 'dataType'>): string {
  return `START WITH ${s.start} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} CACHE ${s.cache} ${s.cycle ? 'CYCLE' : 'NO CYCLE'}`;
}

/** Sequences the copy creates: not an identity's, owned by a selected table or by none. */
const created = (model: SchemaModel, sel: Selection) =>
  model.sequences.filter((s) => !s.identity && (!s.ownedBy || sel.selected.has(s.ownedBy.tableOid) || !sel.allTables.has(s.ownedBy.tableOid)));

export const sequences: Kind = {
  name: 'sequences',
  fields: ['sequences'],
  read: async (ctx) => ({ sequences: await readSequences(ctx) }),
  emit: [
    {
      phase: 'pre',
      at: 50,
      statements: ({ model, sel }) =>
        created(model, sel).map((s) => ({ object: `sequence ${s.qname}`, sql: `CREATE ${s.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${s.qname} AS ${s.dataType} ${seqOptions(s)}` })),
    },
    {
      phase: 'pre',
      at: 90,
      statements: ({ model, sel }) =>
        created(model, sel)
          .filter((s) => s.ownedBy && sel.selected.has(s.ownedBy.tableOid))
          .map((s) => ({ object: `sequence-owner ${s.qname}`, table: s.ownedBy!.table, sql: `ALTER SEQUENCE ${s.qname} OWNED BY ${s.ownedBy!.table}.${quoteIdent(s.ownedBy!.column)}` })),
    },
  ],
  undo: { pass: 2, statement: (o) => (o.startsWith('sequence ') ? `DROP SEQUENCE IF EXISTS ${o.slice('sequence '.length)} CASCADE` : undefined) },
  force: {
    drop: {
      at: 20,
      statements: ({ model, targetModel }) => {
        const has = heldNames(targetModel);
        return model.sequences.filter((x) => !x.identity && has.has(x.qname)).map((s) => `DROP SEQUENCE IF EXISTS ${s.qname} CASCADE`);
      },
    },
    // the target's sequences stay, unless they belong to a dropped table
    kept: ({ targetModel, dropped }) => targetModel.sequences.filter((s) => !s.ownedBy || !dropped.has(s.ownedBy.table)).map((s) => `sequence ${s.qname}`),
    inside: ({ model, sel }) => {
      const selected = new Set(sel.tables.map((t) => t.qname));
      return model.sequences.filter((q) => q.ownedBy && selected.has(q.ownedBy.table)).map((q) => q.qname);
    },
    cascade: { catalog: 'pg_class', from: 'pg_class x JOIN pg_namespace n ON n.oid = x.relnamespace', name: `format('%I.%I', n.nspname, x.relname)`, names: (model) => model.sequences.map((s) => s.qname) },
  },
};
