/**
 * One finish or rollback at a time per database pair: a session-level advisory lock on the old
 * database (the Vercel source: `--from` of finish, `--to` of db:rollback), keyed on the new
 * database (host:port/db), held by a session of its own (application_name
 * `db-sync lock: <command>`) for the whole run. A second run is refused naming the holder
 * (pid, application_name, since when). A killed run's session ends with its process, and the
 * lock with it; `status` shows a lock that is held.
 */
import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { connect, describeUrl, MigrationError } from '../connection';
import { closeQuietly } from '../pool';
import { SYNC_APP } from './context';

/** First key of every db:sync pair lock ('vnSY'). */
export const LOCK_CLASS = 0x766e5359;

/** The second key: a stable 31-bit hash of the new database's host:port/db. */
export function pairKey(newUrl: string): number {
  return createHash('sha256').update(describeUrl(newUrl)).digest().readUInt32BE(0) & 0x7fffffff;
}

export interface LockHolder {
  readonly pid: number;
  readonly applicationName: string;
  /** When the holder's session started (it is opened to take the lock). */
  readonly since: string;
  readonly clientAddr: string | null;
}

export interface PairLock {
  /** The lock session's pid (never ended by a freeze). */
  readonly pid: number;
  release(): Promise<void>;
}

/** The session holding the pair lock on the connected (old) database, if any. */
export async function pairLockHolder(client: Client, newUrl: string): Promise<LockHolder | undefined> {
  const r = await client.query<{ pid: number; app: string; since: Date; addr: string | null }>(
    `SELECT l.pid, a.application_name AS app, a.backend_start AS since, a.client_addr::text AS addr
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2`,
    [LOCK_CLASS, pairKey(newUrl)],
  );
  const h = r.rows[0];
  return h ? { pid: h.pid, applicationName: h.app, since: h.since.toISOString(), clientAddr: h.addr } : undefined;
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} (${h.applicationName || 'no application_name'}${h.clientAddr ? ` from ${h.clientAddr}` : ''}, since ${h.since})`;
}

/** Takes the pair lock or refuses naming who holds it. */
export async function acquirePairLock(oldUrl: string, newUrl: string, command: 'finish' | 'rollback' | 'unfreeze'): Promise<PairLock> {
  const client = await connect(oldUrl, { role: 'source', applicationName: `${SYNC_APP} lock: ${command}` });
  try {
    const r = await client.query<{ ok: boolean; pid: number }>('SELECT pg_try_advisory_lock($1, $2) AS ok, pg_backend_pid() AS pid', [LOCK_CLASS, pairKey(newUrl)]);
    if (!r.rows[0].ok) {
      const holder = await pairLockHolder(client, newUrl);
      throw new MigrationError(
        `[lock] another finish or rollback of ${describeUrl(oldUrl)} <-> ${describeUrl(newUrl)} is running: ${holder ? describeHolder(holder) : 'its holder just ended'}; wait for it to end (if its process is gone: SELECT pg_terminate_backend(${holder?.pid ?? '<pid>'}) on ${describeUrl(oldUrl)}), then rerun`,
        { phase: 'connect' },
      );
    }
    return { pid: r.rows[0].pid, release: () => closeQuietly(client) };
  } catch (err) {
    await closeQuietly(client);
    throw err;
  }
}

/** Runs `fn` holding the pair lock; always releases it. */
export async function withPairLock<T>(oldUrl: string, newUrl: string, command: 'finish' | 'rollback' | 'unfreeze', fn: (lock: PairLock) => Promise<T>): Promise<T> {
  const lock = await acquirePairLock(oldUrl, newUrl, command);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
