/** The data engine's named phases and the one error type a user can act on. */

/** Named steps of a copy, used in logs, errors and timings alike. */
export type Phase = 'connect' | 'preflight' | 'schema:pre' | 'data' | 'sequences' | 'schema:post' | 'verify' | 'freeze' | 'replication' | 'cleanup';

/** A failure the user can act on; `phase` and `table` say where it happened. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    message: string,
    readonly details: { readonly phase?: Phase; readonly table?: string; readonly code?: string; readonly cause?: unknown } = {},
  ) {
    super(message);
  }
  get phase(): Phase | undefined {
    return this.details.phase;
  }
  get table(): string | undefined {
    return this.details.table;
  }
}

