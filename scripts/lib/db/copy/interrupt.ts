/**
 * Interrupts (SIGINT/SIGTERM, passed in as `CopyOptions.signal`): every session the run opened
 * is ended on the server (pg_terminate_backend by pid, from one fresh session per side), so
 * whatever query a phase awaits fails at once and the run unwinds through its usual failure
 * path: schema:pre and atomic (--force) runs roll back, a data phase with loaded tables keeps its
 * resume record, anything else runs the undo. The error then names the signal, the phase, and
 * what the target holds (index.ts).
 *
 * Ending the backends (not just the client sockets) matters: a backend busy in COPY or CREATE
 * INDEX would otherwise go on holding its locks, and the undo's DROP would wait behind it.
 */
import { connect, MigrationError } from '../connection';
import { closeQuietly } from '../pool';
import type { Phase } from '../errors';
import type { Session } from './context';

type Signal = 'SIGINT' | 'SIGTERM';

/** The signal name an abort carries (db:copy passes it as the reason), SIGINT by default. */
function signalOf(signal: AbortSignal): Signal {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

/** Ends the given backends of one side and waits (up to 10 s) until they are gone. */
async function terminate(url: string, role: 'source' | 'target', pids: readonly number[]): Promise<void> {
  if (!pids.length) return;
  const client = await connect(url, { role, applicationName: 'db-copy interrupt' });
  try {
    // by pid and name: a pid of a session the run already closed may have been reused
    const mine = `pid = ANY($1::int[]) AND application_name LIKE 'db-copy %' AND pid <> pg_backend_pid()`;
    await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${mine}`, [pids]);
    for (let i = 0; i < 100; i++) {
      const r = await client.query(`SELECT 1 FROM pg_stat_activity WHERE ${mine}`, [pids]);
      if (!r.rowCount) return;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    await closeQuietly(client);
  }
}

/** Ends every session the run opened (both sides at once); errors are swallowed (best effort). */
function stopSessions(s: Session): Promise<void> {
  const { from, to } = s.options;
  return Promise.all([
    terminate(from, 'source', [...s.pids.source]).catch(() => undefined),
    terminate(to, 'target', [...s.pids.target]).catch(() => undefined),
  ]).then(() => undefined);
}

/** Watches `signal` for one run; `bind` attaches the session once it is open. */
export function watchInterrupt(signal: AbortSignal | undefined): { bind(s: Session): void; release(): void } {
  let session: Session | undefined;
  const onAbort = () => {
    if (!session || session.state.interrupted) return;
    session.state.interrupted = signalOf(signal!);
    session.state.stopping = stopSessions(session);
  };
  signal?.addEventListener('abort', onAbort);
  return {
    bind(s) {
      session = s;
      if (signal?.aborted) onAbort();
    },
    release() {
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Throws when the run was interrupted before `s` was opened or between two steps. */
export function throwIfInterrupted(signal: AbortSignal | undefined, phase: Phase): void {
  if (signal?.aborted) throw interruptedError(signalOf(signal), phase, 'nothing was written', 'as-before');
}

/** The error of an interrupted run: signal, phase, and what the target holds now. */
export function interruptedError(signal: Signal, phase: Phase, outcome: string, target: MigrationError['details']['target']): MigrationError {
  return new MigrationError(`[${phase}] interrupted by ${signal}: ${outcome}`, { phase, signal, target });
}
