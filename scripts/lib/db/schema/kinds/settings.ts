/** `ALTER DATABASE ... SET` settings of the connected database (for every role). */
import { q, type ReadContext } from './context';

export async function readSettings(ctx: ReadContext): Promise<string[]> {
  const rows = await q(
    ctx.client,
    `SELECT unnest(setconfig) AS s FROM pg_db_role_setting
      WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0`,
  );
  return rows.map((r) => r.s as string).sort();
}
