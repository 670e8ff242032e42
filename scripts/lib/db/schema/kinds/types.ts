/** User-defined types: enums, domains and composite types. */
import type { TypeDef } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext, type Row } from './context';

const TYPES_SQL = `
SELECT t.oid, ${QN('n.nspname', 't.typname')} AS qname, t.typtype, t.typrelid,
       format_type(t.typbasetype, t.typtypmod) AS basetype, t.typnotnull, t.typdefault,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
            THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END AS coll,
       (SELECT array_agg(quote_literal(e.enumlabel) ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
       (SELECT array_agg(format('CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)) ORDER BY c.conname)
          FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c') AS checks,
       (SELECT array_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attrs
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
  LEFT JOIN pg_class tc ON tc.oid = t.typrelid
 WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_type', 't.oid')}
   AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND tc.relkind = 'c') OR (t.typtype = 'b' AND t.typelem = 0))
 ORDER BY t.oid`;

function domainSql(r: Row): string {
  const parts = [`CREATE DOMAIN ${r.qname} AS ${r.basetype}`];
  if (r.coll) parts.push(`COLLATE ${r.coll}`);
  if (r.typdefault !== null) parts.push(`DEFAULT ${r.typdefault}`);
  if (r.typnotnull) parts.push('NOT NULL');
  for (const c of r.checks ?? []) parts.push(c);
  return parts.join(' ');
}

export async function readTypes(ctx: ReadContext): Promise<TypeDef[]> {
  const types: TypeDef[] = [];
  for (const r of await q(ctx.client, TYPES_SQL)) {
    if (r.typtype === 'e') {
      types.push({ oid: r.oid, qname: r.qname, kind: 'enum', sql: `CREATE TYPE ${r.qname} AS ENUM (${(r.labels ?? []).join(', ')})` });
    } else if (r.typtype === 'd') {
      types.push({ oid: r.oid, qname: r.qname, kind: 'domain', sql: domainSql(r) });
    } else if (r.typtype === 'c') {
      types.push({ oid: r.oid, qname: r.qname, kind: 'composite', sql: `CREATE TYPE ${r.qname} AS (${(r.attrs ?? []).join(', ')})` });
    } else {
      ctx.unsupported.push({ kind: r.typtype === 'r' || r.typtype === 'm' ? 'range-types' : 'base-types', object: `type ${r.qname}`, reason: 'not carried: create it on the target first' });
    }
  }
  return types;
}
