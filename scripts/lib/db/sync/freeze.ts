/**
 * The write freeze, as the database's owner (no superuser: Vercel's `default`, RDS's master).
 * On Vercel the app and the tool are the same role, so no revoke can tell them apart; the
 * freeze stands on what an owner may do:
 *
 *   1. refused while a prepared transaction is open in the database (its writes would commit
 *      after the freeze and never reach the target): each gid is named;
 *   2. `ALTER DATABASE ... SET default_transaction_read_only = on`: new sessions are read-only;
 *   3. the database's other client sessions are ended (only `client backend`s of this database,
 *      never the tool's own `db-sync ...` sessions, autovacuum, WAL senders or other databases;
 *      the candidates are chosen in a MATERIALIZED CTE so the planner cannot call
 *      pg_terminate_backend before the filters). A session the role may not signal (a
 *      superuser's) is named in `skipped` and left to step 4;
 *   4. in one transaction, with a lock_timeout: schema `vn_freeze`, its function `refuse()` and,
 *      on every frozen table (the selection's plain and partitioned tables), the statement-level
 *      trigger `vn_freeze` BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE, which raises
 *      "... is frozen for migration" (SQLSTATE 25006, read_only_sql_transaction). CREATE TRIGGER
 *      takes SHARE ROW EXCLUSIVE, so it waits out every transaction still writing a table;
 *      after the lock_timeout the blockers are named (pid, application, age, query). This is what
 *      holds against a session that runs `SET default_transaction_read_only = off`, and against
 *      sessions step 3 could not end. The triggers do not fire in the apply worker (replica
 *      mode), and the schema reader leaves `vn_freeze` and the triggers out (never compared,
 *      never copied);
 *   5. prepared transactions are checked again (one prepared in between is refused the same way).
 *
 * Everything is persistent (it survives reconnects and restarts) until {@link liftFreeze}:
 * one transaction that drops the schema (and with it every trigger) and resets the setting.
 * A failure in steps 4-5 lifts what steps 2-4 set before it throws.
 */
import type { Client } from 'pg';
import { MigrationError, quoteIdent } from '../connection';
import { readSchema } from '../schema/catalog';
import { selectTables, type TableFilter } from '../schema/selection';
import { SYNC_APP } from './context';

/** The schema holding the freeze's function; its triggers are all named {@link FREEZE_TRIGGER}. */
export const FREEZE_SCHEMA = 'vn_freeze';
export const FREEZE_TRIGGER = 'vn_freeze';

export interface FreezeOptions {
  /** Tables that get the trigger (quoted qnames). @default every plain and partitioned table of the selection */
  readonly tables?: readonly string[];
  /** Table selection when `tables` is not given. */
  readonly filter?: TableFilter;
  /** Longest wait for the tables' locks (transactions still writing). @default 10000 */
  readonly lockTimeoutMs?: number;
  /** Sessions never ended besides this one and `db-sync ...` ones (e.g. the pair lock's). */
  readonly keepPids?: readonly number[];
}

export interface FreezeResult {
  /** Sessions ended (pids). */
  readonly terminated: number[];
  /** Sessions the role may not end (e.g. a superuser's): their writes to frozen tables are refused by the triggers. */
  readonly skipped: { readonly pid: number; readonly user: string }[];
  /** When writes started to be refused (the read-only setting). */
  readonly startedAt: number;
  /** When every frozen table refused writes (the triggers committed). */
  readonly at: number;
  readonly tables: string[];
}

export interface FreezeState {
  readonly frozen: boolean;
  /** `default_transaction_read_only=on` is set on the database. */
  readonly readOnlyDefault: boolean;
  /** Tables carrying the freeze trigger. */
  readonly triggers: number;
}

const REFUSE_SQL = `CREATE OR REPLACE FUNCTION ${FREEZE_SCHEMA}.refuse() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'table %.% is frozen for migration (read-only): writes go to the new database of record', TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = '25006', HINT = 'npm run db:sync -- status names the state; db:sync unfreeze lifts the freeze';
  RETURN NULL;
END $f$`;

/** The plain and partitioned tables of the selection, quoted. */
export async function freezeTables(client: Client, filter: TableFilter = {}): Promise<string[]> {
  const model = await readSchema(client);
  return selectTables(model, filter).map((t) => t.qname).sort();
}

/** Refuses when a prepared transaction is open in the connected database, naming each. */
export async function refusePreparedTransactions(client: Client, where: string): Promise<void> {
  const r = await client.query<{ gid: string; owner: string; prepared: Date }>(
    `SELECT gid, owner, prepared FROM pg_prepared_xacts WHERE database = current_database() ORDER BY prepared`,
  );
  if (!r.rowCount) return;
  const list = r.rows.map((x) => `'${x.gid}' (owner ${x.owner}, prepared ${x.prepared.toISOString()})`).join(', ');
  const gid = r.rows[0].gid.replace(/'/g, "''");
  throw new MigrationError(
    `[freeze] prepared transaction ${list} is open on ${where}: its writes would commit after the freeze and never reach the other database; end it with COMMIT PREPARED '${gid}' or ROLLBACK PREPARED '${gid}', then rerun`,
    { phase: 'freeze' },
  );
}

/** Ends this database's other client sessions (never the tool's, autovacuum, WAL senders or other databases). */
async function endSessions(client: Client, keep: readonly number[]): Promise<{ terminated: number[]; skipped: { pid: number; user: string }[] }> {
  const r = await client.query<{ pid: number; user: string; may: boolean; ended: boolean | null }>(
    `WITH candidates AS MATERIALIZED (
       SELECT a.pid, a.usesysid, a.usename FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
          AND NOT (a.pid = ANY($2::int[])) AND coalesce(a.application_name, '') NOT LIKE $1
     ), allowed AS MATERIALIZED (
       SELECT c.pid, c.usename,
              (NOT coalesce(r.rolsuper, false) OR me.rolsuper)
              AND (me.rolsuper OR pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') OR pg_has_role(current_user, c.usesysid, 'MEMBER')) AS may
         FROM candidates c LEFT JOIN pg_roles r ON r.oid = c.usesysid CROSS JOIN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) me
     )
     SELECT pid, usename AS user, may, CASE WHEN may THEN pg_terminate_backend(pid) END AS ended FROM allowed ORDER BY pid`,
    [`${SYNC_APP}%`, [...keep]],
  );
  return {
    terminated: r.rows.filter((x) => x.ended).map((x) => x.pid),
    skipped: r.rows.filter((x) => !x.may).map((x) => ({ pid: x.pid, user: x.user })),
  };
}

/** Who holds a lock on `table` that keeps CREATE TRIGGER waiting. */
async function describeBlockers(client: Client, table: string): Promise<string> {
  const r = await client.query<{ pid: number | null; app: string | null; age: number | null; query: string | null; gid: string | null }>(
    `SELECT l.pid, a.application_name AS app, extract(epoch FROM now() - a.xact_start)::int AS age, left(a.query, 60) AS query,
            (SELECT p.gid FROM pg_prepared_xacts p WHERE l.virtualtransaction = '-1/' || p.transaction::text) AS gid
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.relation = $1::regclass AND l.granted AND l.pid IS DISTINCT FROM pg_backend_pid()
        AND l.mode NOT IN ('AccessShareLock', 'RowShareLock')`,
    [table],
  );
  if (!r.rowCount) return 'no blocker left';
  return r.rows
    .map((b) => (b.gid ? `prepared transaction '${b.gid}'` : `pid ${b.pid} (${b.app || 'no application_name'}, transaction open ${b.age ?? '?'} s, query: ${JSON.stringify(b.query ?? '')})`))
    .join('; ');
}

async function installTriggers(client: Client, tables: readonly string[], lockTimeoutMs: number): Promise<void> {
  let current = '';
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${FREEZE_SCHEMA}`);
    await client.query(REFUSE_SQL);
    for (const t of tables) {
      current = t;
      await client.query(`DROP TRIGGER IF EXISTS ${FREEZE_TRIGGER} ON ${t}`);
      await client.query(`CREATE TRIGGER ${FREEZE_TRIGGER} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${FREEZE_SCHEMA}.refuse()`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const code = (err as { code?: string }).code;
    if (code === '55P03' || code === '40P01') {
      const who = await describeBlockers(client, current).catch(() => 'unknown');
      throw new MigrationError(
        `[freeze] table ${current} is still being written after ${Math.round(lockTimeoutMs / 1000)} s (${code === '40P01' ? 'deadlock' : 'lock timeout'}): ${who}; let it finish or end it (SELECT pg_terminate_backend(<pid>)), then rerun`,
        { phase: 'freeze', table: current, code, cause: err },
      );
    }
    throw err;
  }
}

/** Freezes writes to the connected database; see the file comment for the steps. */
export async function freezeWrites(client: Client, database: string, options: FreezeOptions = {}): Promise<FreezeResult> {
  const tables = [...(options.tables ?? (await freezeTables(client, options.filter)))];
  await client.query('SET default_transaction_read_only = off');
  await refusePreparedTransactions(client, `database ${database}`);
  const startedAt = Date.now();
  await client.query(`ALTER DATABASE ${quoteIdent(database)} SET default_transaction_read_only = on`);
  try {
    const ended = await endSessions(client, options.keepPids ?? []);
    const lockTimeoutMs = options.lockTimeoutMs ?? 10000;
    for (let attempt = 1; ; attempt++) {
      try {
        await installTriggers(client, tables, lockTimeoutMs);
        break;
      } catch (err) {
        // a deadlock with a writer that turned read-only off: it is aborted or we are; try again
        if ((err as MigrationError).details?.code !== '40P01' || attempt >= 3) throw err;
      }
    }
    const at = Date.now();
    await refusePreparedTransactions(client, `database ${database}`);
    return { ...ended, startedAt, at, tables };
  } catch (err) {
    await liftFreeze(client, database).catch(() => undefined);
    throw err;
  }
}

/** Lifts the freeze: drops the triggers and the setting in one transaction. */
export async function liftFreeze(client: Client, database: string): Promise<void> {
  await client.query('SET default_transaction_read_only = off');
  for (let attempt = 1; ; attempt++) {
    await client.query('BEGIN');
    try {
      await client.query('SET LOCAL lock_timeout = 10000');
      await client.query(`DROP SCHEMA IF EXISTS ${FREEZE_SCHEMA} CASCADE`);
      await client.query(`ALTER DATABASE ${quoteIdent(database)} RESET default_transaction_read_only`);
      await client.query('COMMIT');
      return;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((err as { code?: string }).code !== '55P03' || attempt >= 3) {
        throw new MigrationError(`[freeze] could not lift the freeze on ${database}: ${(err as Error).message}; rerun npm run db:sync -- unfreeze`, { phase: 'freeze', cause: err });
      }
    }
  }
}

/** The freeze's parts present on the connected database. */
export async function freezeState(client: Client): Promise<FreezeState> {
  const r = await client.query<{ cfg: string[] | null; triggers: number }>(
    `SELECT (SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0) AS cfg,
            (SELECT count(*)::int FROM pg_trigger WHERE tgname = $1) AS triggers`,
    [FREEZE_TRIGGER],
  );
  const readOnlyDefault = (r.rows[0].cfg ?? []).includes('default_transaction_read_only=on');
  return { frozen: readOnlyDefault || r.rows[0].triggers > 0, readOnlyDefault, triggers: r.rows[0].triggers };
}

/** True when the database carries any part of the freeze. */
export async function isFrozen(client: Client): Promise<boolean> {
  return (await freezeState(client)).frozen;
}
