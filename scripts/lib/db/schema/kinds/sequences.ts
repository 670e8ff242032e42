/** Sequences: free-standing, owned by a column (serial), or behind an identity column. */
import type { Sequence } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';

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
