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

