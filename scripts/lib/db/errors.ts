/** The data engine's named phases and the one error type a user can act on. */

/** Named steps of a copy, used in logs, errors and timings alike. */
export type Phase = 'connect' | 'preflight' | 'schema:pre' | 'data' | 'sequences' | 'schema:post' | 'verify' | 'freeze' | 'replication' | 'cleanup';

export interface MigrationErrorDetails {
  readonly phase?: Phase;
  readonly table?: string;
  readonly code?: string;
  readonly cause?: unknown;
  /** Lines after the headline: the server's DETAIL, HINT and CONTEXT, a list of objects. */
  readonly detail?: string;
  /** What the run left on the target after the failure (the undo's or the resume record's note). */
  readonly target?: 'as-before' | 'undo-incomplete' | 'resumable' | 'copied-unverified';
  /** Set when the run stopped because of SIGINT or SIGTERM. */
  readonly signal?: 'SIGINT' | 'SIGTERM';
}

/**
 * A failure the user can act on; `phase` and `table` say where it happened. The message is
 * the one-line headline, then `detail` on the following lines (whole: the CLIs print it all).
 */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  /** The first line of the message. */
  readonly headline: string;
  constructor(
    message: string,
    readonly details: MigrationErrorDetails = {},
  ) {
    super(details.detail ? `${message}\n${details.detail}` : message);
    this.headline = message;
  }
  get phase(): Phase | undefined {
    return this.details.phase;
  }
  get table(): string | undefined {
    return this.details.table;
  }
}

/** The headline of a driver error (its first line); a lost connection says so. */
export function errText(err: unknown): string {
  const msg = ((err as Error)?.message ?? String(err)).split('\n')[0];
  const code = (err as { code?: string })?.code;
  if (code === 'EPIPE' || code === 'ECONNRESET' || code === '57P01' || /Connection terminated|terminating connection|not queryable|connection error/i.test(msg)) {
    return `connection lost (${msg}): the server ended the session (terminated, restarted or network failure)`;
  }
  return msg;
}

/**
 * The rest of a driver error, kept whole: the lines of its message after the first, and the
 * server's DETAIL, HINT and CONTEXT fields (node-pg keeps them apart from the message).
 */
export function errDetail(err: unknown): string {
  const e = err as { message?: string; detail?: string; hint?: string; where?: string; details?: { detail?: string } };
  if (err instanceof MigrationError) return err.details.detail ?? '';
  const lines = (e?.message ?? '').split('\n').slice(1);
  if (e?.detail) lines.push(`DETAIL: ${e.detail}`);
  if (e?.hint) lines.push(`HINT: ${e.hint}`);
  if (e?.where) lines.push(`CONTEXT: ${e.where}`);
  return lines.filter((l) => l.trim() !== '').join('\n');
}
