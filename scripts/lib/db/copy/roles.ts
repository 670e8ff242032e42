/**
 * Roles the target must have before any data moves: those named by the row-level security
 * policies of the selected tables (a missing one would otherwise fail only in schema:post,
 * after all data was copied).
 *
 * Read from the source's catalogs here; the schema model's requiredRoles (which adds grants and
 * default privileges) replaces this once it is on main.
 */
import type { Client } from 'pg';

/** role -> the policies naming it (`policy on table`), for the selected tables. */
export async function policyRoles(source: Client, tables: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!tables.length) return out;
  const r = await source.query<{ role: string; policy: string }>(
    `SELECT pg_get_userbyid(x.r) AS role, format('%I on %I.%I', p.polname, n.nspname, c.relname) AS policy
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace, unnest(p.polroles) AS x(r)
      WHERE x.r <> 0 AND p.polrelid = ANY($1::regclass[]) ORDER BY 1, 2`,
    [tables],
  );
  for (const row of r.rows) out.set(row.role, [...(out.get(row.role) ?? []), row.policy]);
  return out;
}

/** The required roles the target lacks, each with the objects naming it. */
export async function missingRoles(target: Client, required: ReadonlyMap<string, string[]>): Promise<{ role: string; usedBy: string[] }[]> {
  if (!required.size) return [];
  const r = await target.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])`, [[...required.keys()]]);
  const have = new Set(r.rows.map((x) => x.rolname));
  return [...required].filter(([role]) => !have.has(role)).map(([role, usedBy]) => ({ role, usedBy }));
}
