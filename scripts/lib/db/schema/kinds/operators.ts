/**
 * User-defined operators (CREATE OPERATOR needs no superuser). Operator classes and
 * families do need one: see not-carried.ts.
 */
import type { NamedDef } from '../model';
import { notExtensionMember, q, SYSTEM_NS, type ReadContext, type Row } from './context';

const OPREF = (col: string) =>
  `(SELECT format('OPERATOR(%I.%s)', rn.nspname, ro.oprname) FROM pg_operator ro JOIN pg_namespace rn ON rn.oid = ro.oprnamespace WHERE ro.oid = o.${col})`;

const OPERATORS_SQL = `
SELECT o.oid, format('%I.%s', n.nspname, o.oprname) AS qname,
       format('%I.%s(%s,%s)', n.nspname, o.oprname, coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE'), coalesce(format_type(nullif(o.oprright, 0), NULL), 'NONE')) AS identity,
       o.oprcode::regproc::text AS fn, format_type(nullif(o.oprleft, 0), NULL) AS leftarg, format_type(nullif(o.oprright, 0), NULL) AS rightarg,
       ${OPREF('oprcom')} AS commutator, ${OPREF('oprnegate')} AS negator,
       CASE WHEN o.oprrest::oid <> 0 THEN o.oprrest::regproc::text END AS restrict,
       CASE WHEN o.oprjoin::oid <> 0 THEN o.oprjoin::regproc::text END AS "join", o.oprcanhash, o.oprcanmerge
  FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
 WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_operator', 'o.oid')} AND o.oprcode::oid <> 0
 ORDER BY o.oid`;

function operatorSql(r: Row): string {
  const opts = [`FUNCTION = ${r.fn}`];
  if (r.leftarg) opts.push(`LEFTARG = ${r.leftarg}`);
  if (r.rightarg) opts.push(`RIGHTARG = ${r.rightarg}`);
  if (r.commutator) opts.push(`COMMUTATOR = ${r.commutator}`);
  if (r.negator) opts.push(`NEGATOR = ${r.negator}`);
  if (r.restrict) opts.push(`RESTRICT = ${r.restrict}`);
  if (r.join) opts.push(`JOIN = ${r.join}`);
  if (r.oprcanhash) opts.push('HASHES');
  if (r.oprcanmerge) opts.push('MERGES');
  return `CREATE OPERATOR ${r.qname} (${opts.join(', ')})`;
}

export async function readOperators(ctx: ReadContext): Promise<NamedDef[]> {
  return (await q(ctx.client, OPERATORS_SQL)).map((r) => ({ oid: Number(r.oid), identity: r.identity, sql: operatorSql(r) }));
}
