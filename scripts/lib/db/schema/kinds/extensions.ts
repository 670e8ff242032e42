/** Installed extensions (plpgsql comes with every database). */
import { q, type ReadContext } from './context';

export async function readExtensions(ctx: ReadContext): Promise<{ readonly name: string; readonly schema: string; readonly version: string }[]> {
  const rows = await q(
    ctx.client,
    `SELECT x.extname AS name, n.nspname AS schema, x.extversion AS version FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
     WHERE x.extname <> 'plpgsql' ORDER BY x.oid`,
  );
  return rows.map((r) => ({ name: r.name as string, schema: r.schema as string, version: r.version as string }));
}
