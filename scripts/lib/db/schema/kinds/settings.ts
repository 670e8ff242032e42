/**
 * `ALTER DATABASE ... SET` settings of the connected database (for every role).
 *
 * `default_transaction_read_only` is left out: it is the write freeze db:sync puts on the
 * source at cutover, not part of the database's schema. Carrying it would make the new
 * primary read-only, and comparing it would fail every verify after a freeze.
 */
import { q, type ReadContext } from './context';

const OPERATIONAL = new Set(['default_transaction_read_only']);

export async function readSettings(ctx: ReadContext): Promise<string[]> {
  const rows = await q(
    ctx.client,
    `SELECT unnest(setconfig) AS s FROM pg_db_role_setting
      WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0`,
  );
  return rows
    .map((r) => r.s as string)
    .filter((s) => !OPERATIONAL.has(s.slice(0, s.indexOf('=')).toLowerCase()))
    .sort();
}
