/**
 * Phase connect: the two-database session (../session.ts: both URLs parsed once, the "same
 * database" refusal, the coordinating connections), and the snapshot transaction every worker
 * and the verification read.
 */
import type { Client } from 'pg';
import { MigrationError, STABLE_SESSION_SQL } from '../connection';
import { closeQuietly, DEFAULT_JOBS } from '../pool';
import { closePair, connectSide, openPair, parsePair, type Pair } from '../session';
import { targetSessionSql, track, type Session } from './context';
import { checkMemorySize, DEFAULT_MAINTENANCE_WORK_MEM, type CopyEvent, type CopyOptions } from './types';

const HINT = 'point --to at the new database';

/** Opens the session; on failure every connection it opened is closed. */
export async function openSession(options: CopyOptions): Promise<Session> {
  const urls = parsePair(options.from, options.to, HINT); // each URL parsed once; the same database refused by URL
  const flush = options.walFlushIntervalMs;
  if (flush !== undefined && !(Number.isFinite(flush) && flush >= 0)) {
    throw new MigrationError(`walFlushIntervalMs must be a number of milliseconds >= 0 (0 turns the WAL flusher off), got ${flush}`, { phase: 'connect' });
  }
  const maintenanceWorkMem = checkMemorySize(options.maintenanceWorkMem ?? DEFAULT_MAINTENANCE_WORK_MEM, 'maintenance_work_mem (--maintenance-work-mem)');
  const warnings: string[] = [];
  const emit = (e: CopyEvent) => options.onEvent?.(e);
  const pids = { source: new Set<number>(), target: new Set<number>() };
  const pair: Pair = await openPair(urls, { applicationNames: { source: 'db-copy snapshot', target: 'db-copy ddl' } });
  const { source, target } = pair;
  track({ pids }, 'source', source);
  track({ pids }, 'target', target);
  try {
    // The snapshot every worker reads; held open (with its locks) until verification is done.
    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await source.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id;
    await source.query(`${STABLE_SESSION_SQL}; SET row_security = off`);
    emit({ type: 'snapshot', id: snapshot });
    return {
      options,
      pair,
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
    await closePair(pair);
    throw err;
  }
}

/** Closes the session's coordinating connections. */
export async function closeSession(s: Session | undefined): Promise<void> {
  if (s) await Promise.all([s.source, s.target, ...s.readers.splice(0), ...s.writers.splice(0)].map(closeQuietly));
}

/** A target session that writes (data, keys, indexes): {@link targetSessionSql} set. */
export async function openWriter(s: Session, applicationName: string): Promise<Client> {
  const w = track(s, 'target', await connectSide(s.pair.to, applicationName));
  try {
    await w.query(`${STABLE_SESSION_SQL}; ${targetSessionSql(s)}`);
    return w;
  } catch (err) {
    await closeQuietly(w);
    throw err;
  }
}
