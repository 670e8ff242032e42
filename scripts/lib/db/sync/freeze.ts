/**
 * The write freeze: `default_transaction_read_only` on the database (every new session and
 * transaction is read-only), then the app's open sessions are ended so none keeps writing.
 * db:sync's own sessions (application_name `db-sync ...`) and WAL senders are left alone.
 *
 * The freeze is a database setting, so it survives reconnects and restarts until lifted.
 */
import type { Client } from 'pg';
import { quoteIdent } from '../connection';
import { SYNC_APP } from './context';

export interface FreezeResult {
  /** Sessions ended (pids). */
  readonly terminated: number[];
  /** When writes stopped (after the sessions ended). */
  readonly at: number;
}

/** Makes the database read-only for every session but ours and ends the app's sessions. */
export async function freezeWrites(client: Client, database: string): Promise<FreezeResult> {
  await client.query('SET default_transaction_read_only = off');
  await client.query(`ALTER DATABASE ${quoteIdent(database)} SET default_transaction_read_only = on`);
  const r = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        AND coalesce(application_name, '') NOT LIKE $1 AND pg_terminate_backend(pid)`,
    [`${SYNC_APP}%`],
  );
  return { terminated: r.rows.map((x) => x.pid), at: Date.now() };
}

/** Lifts the freeze (new sessions may write again). */
export async function liftFreeze(client: Client, database: string): Promise<void> {
  await client.query('SET default_transaction_read_only = off');
  await client.query(`ALTER DATABASE ${quoteIdent(database)} RESET default_transaction_read_only`);
}

/** True when the database is frozen by {@link freezeWrites}. */
export async function isFrozen(client: Client): Promise<boolean> {
  const r = await client.query<{ cfg: string[] | null }>(
    `SELECT setconfig AS cfg FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0`,
  );
  return (r.rows[0]?.cfg ?? []).includes('default_transaction_read_only=on');
}
