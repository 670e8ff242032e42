/** Schemas (namespaces) outside the system ones and not created by an extension. */
import { notExtensionMember, q, SYSTEM_NS, type ReadContext } from './context';

export async function readSchemas(ctx: ReadContext): Promise<{ readonly name: string }[]> {
  const rows = await q(ctx.client, `SELECT n.nspname AS name FROM pg_namespace n WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_namespace', 'n.oid')} ORDER BY n.nspname`);
  return rows.map((r) => ({ name: r.name as string }));
}
