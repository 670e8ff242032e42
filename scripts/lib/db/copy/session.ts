/**
 * Phase connect: both URLs checked, the coordinating connections opened, the "same database"
 * refusal, and the snapshot transaction every worker and the verification read.
 */
import type { Client } from 'pg';
import { connect, MigrationError, parseUrl, refuseSameDatabaseSessions, refuseSameDatabaseUrls, STABLE_SESSION_SQL } from '../connection';
import { allSettledOrThrow, closeQuietly, DEFAULT_JOBS } from '../pool';
import { targetSessionSql, track, type Session } from './context';
import { checkMemorySize, DEFAULT_MAINTENANCE_WORK_MEM, type CopyEvent, type CopyOptions } from './types';

/** Opens the session; on failure every connection it opened is closed. */
export async function openSession(options: CopyOptions): Promise<Session> {
  parseUrl(options.from, 'source');
  parseUrl(options.to, 'target');
  const flush = options.walFlushIntervalMs;
  if (flush !== undefined && !(Number.isFinite(flush) && flush >= 0)) {
    throw new MigrationError(`walFlushIntervalMs must be a number of milliseconds >= 0 (0 turns the WAL flusher off), got ${flush}`, { phase: 'connect' });
  }
  const maintenanceWorkMem = checkMemorySize(options.maintenanceWorkMem ?? DEFAULT_MAINTENANCE_WORK_MEM, 'maintenance_work_mem (--maintenance-work-mem)');
  refuseSameDatabaseUrls(options.from, options.to, 'point --to at the new database');
  const warnings: string[] = [];
  const emit = (e: CopyEvent) => options.onEvent?.(e);
  let source: Client | undefined;
  let target: Client | undefined;
  const pids = { source: new Set<number>(), target: new Set<number>() };
  try {
    // both sides at once; each session is kept for the cleanup below as soon as it opens
    const [src, tgt] = await allSettledOrThrow([
      connect(options.from, { role: 'source', applicationName: 'db-copy snapshot' }).then((c) => (source = c)),
      connect(options.to, { role: 'target', applicationName: 'db-copy ddl' }).then((c) => (target = c)),
    ]);
    source = track({ pids }, 'source', src);
    target = track({ pids }, 'target', tgt);
    await refuseSameDatabaseSessions(src, tgt, options.from, 'point --to at the new database');
    // The snapshot every worker reads; held open (with its locks) until verification is done.
    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await source.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id;
    await source.query(`${STABLE_SESSION_SQL}; SET row_security = off`);
    emit({ type: 'snapshot', id: snapshot });
    return {
      options,
      mode: options.mode ?? 'full',
      jobs: Math.max(1, Math.floor(options.jobs ?? DEFAULT_JOBS)),
      filter: options.tables ?? {},
      maintenanceWorkMem,
      source,
      target,
      snapshot,
      readers: [],
      writers: [],
      emit,
      warn: (message: string) => {
        warnings.push(message);
        emit({ type: 'warning', message });
      },
      timings: [],
      warnings,
      pids,
      state: {},
    };
  } catch (err) {
    await Promise.all([closeQuietly(source), closeQuietly(target)]);
    throw err;
  }
}

/** Closes the session's coordinating connections. */
export async function closeSession(s: Session | undefined): Promise<void> {
  if (s) await Promise.all([s.source, s.target, ...s.readers.splice(0), ...s.writers.splice(0)].map(closeQuietly));
}

/** A target session that writes (data, keys, indexes): {@link targetSessionSql} set. */
export async function openWriter(s: Session, applicationName: string): Promise<Client> {
  const w = track(s, 'target', await connect(s.options.to, { role: 'target', applicationName }));
  try {
    await w.query(`${STABLE_SESSION_SQL}; ${targetSessionSql(s)}`);
    return w;
  } catch (err) {
    await closeQuietly(w);
    throw err;
  }
}
