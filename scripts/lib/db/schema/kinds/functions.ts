/**
 * Functions, procedures, window functions and aggregates (normal, moving-aggregate and
 * ordered-set). A routine in an untrusted language (C, internal, plpython3u...) needs a
 * superuser to create: listed as not carried.
 */
import type { FunctionDef } from '../model';
import { notExtensionMember, notInternal, overRowType, q, SYSTEM_NS, type ReadContext } from './context';
import { aggregateSql, readAggregateRows } from './aggregates';

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
