/** Row-level security policies. */
import type { Policy } from '../model';
import { quoteIdent } from '../../sql';
import { q, QN, SYSTEM_NS, type ReadContext } from './context';
import type { Kind } from './kind';

const COMMANDS: Record<string, string> = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };

export async function readPolicies(ctx: ReadContext): Promise<Policy[]> {
  const rows = await q(
    ctx.client,
    `SELECT p.polname, p.polrelid::int AS tableoid, ${QN('n.nspname', 'c.relname')} AS tablename, p.polcmd, p.polpermissive,
            (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END, ', ' ORDER BY 1) FROM unnest(p.polroles) r) AS roles,
            (SELECT array_agg(pg_get_userbyid(r)::text ORDER BY 1) FROM unnest(p.polroles) r WHERE r <> 0) AS role_names,
            pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS withcheck
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${SYSTEM_NS} ORDER BY c.oid, p.polname`,
  );
  return rows.map((r) => {
    const cmd = COMMANDS[r.polcmd as string] ?? 'ALL';
    let sql = `CREATE POLICY ${quoteIdent(r.polname)} ON ${r.tablename} AS ${r.polpermissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${cmd} TO ${r.roles}`;
    if (r.qual) sql += ` USING (${r.qual})`;
    if (r.withcheck) sql += ` WITH CHECK (${r.withcheck})`;
    return { name: r.polname, roles: r.role_names ?? [], tableOid: r.tableoid, table: r.tablename, sql };
  });
}

export const policies: Kind = {
  name: 'policies',
  fields: ['policies'],
  read: async (ctx) => ({ policies: await readPolicies(ctx) }),
  emit: [
    {
      phase: 'post:final',
      at: 350,
      statements: ({ model, sel }) => model.policies.filter((p) => sel.selected.has(p.tableOid)).map((p) => ({ object: `policy ${p.table}.${quoteIdent(p.name)}`, table: p.table, sql: p.sql })),
    },
  ],
  roles: (model) => model.policies.flatMap((p) => p.roles),
};
