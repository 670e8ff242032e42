/**
 * Functions, procedures, window functions and aggregates (normal, moving-aggregate and
 * ordered-set). A routine in an untrusted language (C, internal, plpython3u...) needs a
 * superuser to create: listed as not carried.
 */
import type { FunctionDef } from '../model';
import { notExtensionMember, notInternal, overRowType, q, SYSTEM_NS, type ReadContext } from './context';
import { aggregateSql, readAggregateRows } from './aggregates';
import { keptWhenEqual, undoCreated, type Kind } from './kind';

const FUNCTIONS_SQL = `
SELECT p.oid, format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS identity, p.prokind,
       l.lanname, l.lanpltrusted OR l.lanname = 'sql' AS trusted,
       CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) END AS sql, ${overRowType('p.oid')} AS late
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
 WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_proc', 'p.oid')} AND ${notInternal('pg_proc', 'p.oid')} ORDER BY p.oid`;

export async function readFunctions(ctx: ReadContext): Promise<FunctionDef[]> {
  const rows = await q(ctx.client, FUNCTIONS_SQL);
  const aggregates = new Map((await readAggregateRows(ctx)).map((a) => [Number(a.oid), a]));
  const out: FunctionDef[] = [];
  for (const r of rows) {
    const oid = Number(r.oid);
    if (r.prokind === 'a') {
      const agg = aggregates.get(oid);
      if (agg) out.push({ oid, identity: r.identity, sql: aggregateSql(agg), ...(r.late ? { late: true } : {}) });
      continue;
    }
    if (!r.trusted) {
      ctx.unsupported.push({
        kind: 'untrusted-functions',
        object: `${r.prokind === 'p' ? 'procedure' : 'function'} ${r.identity} (LANGUAGE ${r.lanname})`,
        reason: `${r.lanname} is an untrusted language: only a superuser can create it, which RDS does not grant; install the extension that provides it, or skip`,
        superuser: true,
      });
      continue;
    }
    out.push({ oid, identity: r.identity as string, sql: (r.sql as string).trim(), ...(r.late ? { late: true } : {}) });
  }
  return out;
}

/**
 * DROP for a function, procedure or aggregate of the model. DROP ROUTINE takes no ORDER BY in
 * its argument list, so an ordered-set or hypothetical-set aggregate (`pct(float8 ORDER BY
 * anyelement)`) is dropped with DROP AGGREGATE, which also needs `(*)` for a zero-argument
 * aggregate; functions and procedures (VARIADIC, IN/OUT/INOUT modes included) with DROP ROUTINE.
 */
export function dropRoutine(f: { readonly identity: string; readonly sql: string }): string {
  if (!f.sql.startsWith('CREATE AGGREGATE')) return `DROP ROUTINE IF EXISTS ${f.identity} CASCADE`;
  return `DROP AGGREGATE IF EXISTS ${f.identity.replace(/\(\)$/, '(*)')} CASCADE`;
}

const routine = (f: FunctionDef) => ({ object: `function ${f.identity}`, sql: f.sql });

export const functions: Kind = {
  name: 'functions',
  fields: ['functions'],
  read: async (ctx) => ({ functions: await readFunctions(ctx) }),
  // Routines over a table's row type come after the tables (pg_depend), the rest before them.
  emit: [
    { phase: 'pre', at: 60, statements: ({ model }) => model.functions.filter((x) => !x.late).map(routine) },
    { phase: 'pre', at: 110, statements: ({ model }) => model.functions.filter((x) => x.late).map(routine) },
  ],
  undo: {
    pass: 2,
    statement: (o, { model, targetModel }) =>
      undoCreated(o, 'function', targetModel.functions.map((f) => f.identity), (identity) => dropRoutine(model.functions.find((f) => f.identity === identity) ?? { identity, sql: '' })),
  },
  force: {
    drop: { at: 40, statements: ({ model, targetModel }) => model.functions.filter((x) => targetModel.functions.some((f) => f.identity === x.identity)).map(dropRoutine) },
    // aggregates have no CREATE OR REPLACE: the target's are kept when equal (functions are replaced)
    kept: ({ model, targetModel }) => keptWhenEqual('aggregate', 'function', model.functions.filter((f) => f.sql.startsWith('CREATE AGGREGATE')), targetModel.functions),
    cascade: {
      catalog: 'pg_proc',
      from: 'pg_proc x JOIN pg_namespace n ON n.oid = x.pronamespace',
      name: `format('%I.%I(%s)', n.nspname, x.proname, pg_get_function_identity_arguments(x.oid))`,
      names: (model) => model.functions.map((f) => f.identity),
    },
  },
};
