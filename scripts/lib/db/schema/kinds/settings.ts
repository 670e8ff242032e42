/**
 * `ALTER DATABASE ... SET` settings of the connected database (for every role).
 *
 * `default_transaction_read_only` is left out: it is the write freeze db:sync puts on the
 * source at cutover, not part of the database's schema. Carrying it would make the new
 * primary read-only, and comparing it would fail every verify after a freeze.
 */
import { quoteIdent, quoteLiteral } from '../../sql';
import { q, type ReadContext } from './context';
import type { Kind } from './kind';

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

/** `ALTER DATABASE <the target database> SET ...`, whatever the target database is called. */
export function databaseSettingSql(setting: string): string {
  const eq = setting.indexOf('=');
  const name = setting.slice(0, eq);
  const value = setting.slice(eq + 1);
  // List settings are stored as a list of (possibly double-quoted) names: set them as a list.
  const LIST = new Set(['search_path', 'temp_tablespaces', 'session_preload_libraries', 'shared_preload_libraries', 'local_preload_libraries']);
  const items = LIST.has(name.toLowerCase())
    ? (value.match(/"(?:[^"]|"")*"|[^,\s][^,]*/g) ?? []).map((v) => v.trim()).map((v) => (v.startsWith('"') ? v.slice(1, -1).replace(/""/g, '"') : v))
    : [value];
  const set = `SET ${quoteIdent(name)} TO ${items.map(quoteLiteral).join(', ')}`;
  return `DO $vn$BEGIN EXECUTE format('ALTER DATABASE %I ', current_database()) || ${quoteLiteral(set)}; END$vn$`;
}

export const settings: Kind = {
  name: 'settings',
  fields: ['settings'],
  read: async (ctx) => ({ settings: await readSettings(ctx) }),
  emit: [{ phase: 'post:final', at: 410, statements: ({ model }) => model.settings.map((s) => ({ object: `database-setting ${s.slice(0, s.indexOf('='))}`, sql: databaseSettingSql(s) })) }],
};
