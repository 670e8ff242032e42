/** Functions and procedures (aggregates and window functions are not carried yet). */
import type { FunctionDef } from '../model';
import { notExtensionMember, q, SYSTEM_NS, type ReadContext } from './context';

export async function readFunctions(ctx: ReadContext): Promise<FunctionDef[]> {
  const rows = await q(
    ctx.client,
    `SELECT p.oid, format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS identity, p.prokind,
            CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END AS sql
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_proc', 'p.oid')} ORDER BY p.oid`,
  );
  return rows.flatMap((r) => {
    if (!r.sql) {
      ctx.unsupported.push({
        kind: r.prokind === 'a' ? 'aggregates' : 'window-functions',
        object: `${r.prokind === 'a' ? 'aggregate' : 'window function'} ${r.identity}`,
        reason: 'not carried: create it on the target first',
      });
      return [];
    }
    return [{ oid: r.oid as number, identity: r.identity as string, sql: (r.sql as string).trim() }];
  });
}
