/**
 * The recorded undo of a full or schema-only run that failed after schema:pre committed: the
 * objects the run created are dropped again on a fresh connection (the run's own may be the
 * one that died), so the target keeps no table without its keys. When the undo itself cannot
 * finish, the error says so and a rerun with --force completes it.
 */
import { connect, MigrationError } from '../connection';
import { closeQuietly } from '../pool';
import { errText, phaseError, type RunContext } from './context';
import { undoStatements } from './pre-data';

/** Runs the undo and returns the original failure, its message saying what the undo did. */
export async function undo(ctx: RunContext, err: unknown): Promise<MigrationError> {
  const failure = phaseError('data', err, undefined, ctx.mode);
  const statements = undoStatements(ctx);
  let note: string;
  try {
    const client = await connect(ctx.options.to, { role: 'target', applicationName: 'db-copy undo' });
    try {
      await client.query(`SET search_path = ''; SET lock_timeout = '30s'`);
      for (const sql of statements) await client.query(sql);
      note = `; undo: the ${statements.length} object(s) this run created were dropped again`;
    } finally {
      await closeQuietly(client);
    }
  } catch (undoErr) {
    note = `; undo incomplete (${errText(undoErr)}): rerun with --force to finish it`;
  }
  ctx.warn(note.slice(2));
  return new MigrationError(failure.message + note, failure.details);
}
