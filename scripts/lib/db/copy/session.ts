/**
 * Phase connect: both URLs checked, the coordinating connections opened, the "same database"
 * refusal, and the snapshot transaction every worker and the verification read.
 */
import type { Client } from 'pg';
import { connect, describeUrl, MigrationError, parseUrl, sameDatabase, sameServerDatabase, serverIdentity, STABLE_SESSION_SQL } from '../connection';
import { closeQuietly } from '../pool';
import type { Session } from './context';
import type { CopyEvent, CopyOptions } from './types';

/** Opens the session; on failure every connection it opened is closed. */
export async function openSession(options: CopyOptions): Promise<Session> {
  parseUrl(options.from, 'source');
  parseUrl(options.to, 'target');
  if (sameDatabase(options.from, options.to)) {
    throw new MigrationError(`--from and --to name the same database (${describeUrl(options.from)}): point --to at the new database`, { phase: 'connect' });
  }
  const warnings: string[] = [];
  const emit = (e: CopyEvent) => options.onEvent?.(e);
  let source: Client | undefined;
  let target: Client | undefined;
  try {
    source = await connect(options.from, { role: 'source', applicationName: 'db-copy snapshot' });
    target = await connect(options.to, { role: 'target', applicationName: 'db-copy ddl' });
    if (sameServerDatabase(await serverIdentity(source), await serverIdentity(target))) {
      throw new MigrationError(`--from and --to reach the same database (${describeUrl(options.from)}): point --to at the new database`, { phase: 'connect' });
    }
    // The snapshot every worker reads; held open (with its locks) until verification is done.
    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await source.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id;
    await source.query(`${STABLE_SESSION_SQL}; SET row_security = off`);
    emit({ type: 'snapshot', id: snapshot });
    return {
      options,
      mode: options.mode ?? 'full',
      jobs: Math.max(1, Math.floor(options.jobs ?? 2)),
      filter: options.tables ?? {},
      source,
      target,
      snapshot,
      readers: [],
      emit,
      warn: (message: string) => {
        warnings.push(message);
        emit({ type: 'warning', message });
      },
      timings: [],
      warnings,
    };
  } catch (err) {
    await Promise.all([closeQuietly(source), closeQuietly(target)]);
    throw err;
  }
}

/** Closes the session's coordinating connections. */
export async function closeSession(s: Session | undefined): Promise<void> {
  if (s) await Promise.all([s.source, s.target, ...s.readers.splice(0)].map(closeQuietly));
}
