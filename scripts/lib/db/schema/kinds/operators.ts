/**
 * User-defined operators (CREATE OPERATOR needs no superuser). Operator classes and
 * families do need one: see not-carried.ts.
 */
import type { NamedDef } from '../model';
import { notExtensionMember, q, SYSTEM_NS, type ReadContext, type Row } from './context';
import { keptWhenEqual, undoCreated, type Kind } from './kind';

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

/** DROP OPERATOR for an operator identity `schema.op(left,right)` (NONE for a missing side). */
function dropOperator(identity: string): string {
  return `DROP OPERATOR IF EXISTS ${identity.replace(/\(([^()]*)\)$/, ' ($1)')} CASCADE`;
}

export const operators: Kind = {
  name: 'operators',
  fields: ['operators'],
  read: async (ctx) => ({ operators: await readOperators(ctx) }),
  emit: [{ phase: 'pre', at: 70, statements: ({ model }) => model.operators.map((o) => ({ object: `operator ${o.identity}`, sql: o.sql })) }],
  undo: { pass: 2, statement: (o, { targetModel }) => undoCreated(o, 'operator', targetModel.operators.map((x) => x.identity), dropOperator) },
  force: {
    drop: {
      at: 30,
      statements: ({ model, targetModel }) => model.operators.filter((x) => targetModel.operators.some((o) => o.identity === x.identity)).map((o) => dropOperator(o.identity)),
    },
    // no CREATE OR REPLACE OPERATOR: the target's is kept when equal
    kept: ({ model, targetModel }) => keptWhenEqual('operator', 'operator', model.operators, targetModel.operators),
    cascade: {
      catalog: 'pg_operator',
      from: 'pg_operator x JOIN pg_namespace n ON n.oid = x.oprnamespace',
      name: `format('%I.%s(%s,%s)', n.nspname, x.oprname, coalesce(format_type(nullif(x.oprleft, 0), NULL), 'NONE'), coalesce(format_type(nullif(x.oprright, 0), NULL), 'NONE'))`,
      names: (model) => model.operators.map((o) => o.identity),
    },
  },
};
