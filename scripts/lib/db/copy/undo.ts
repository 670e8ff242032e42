/**
 * The recorded undo of a full or schema-only run that failed after schema:pre committed: the
 * objects the run created are dropped again on a fresh connection (the run's own may be the
 * one that died), so the target keeps no table without its keys. When the undo itself cannot
 * finish, the error says so and a rerun with --force completes it.
 */
import { connect, MigrationError } from '../connection';
import { closeQuietly } from '../pool';
import { errText } from '../errors';
import { phaseError, rerunAdvice, type RunContext } from './context';
import { undoStatements } from './pre-data';

/** Runs the undo and returns the original failure, its headline saying what the undo did. */
export async function undo(ctx: RunContext, err: unknown): Promise<MigrationError> {
  const failure = phaseError(ctx.state.phase ?? 'data', err, undefined, ctx.mode);
  const statements = undoStatements(ctx);
  let note: string;
  let target: MigrationError['details']['target'];
  try {
    const client = await connect(ctx.options.to, { role: 'target', applicationName: 'db-copy undo' });
    try {
      await client.query(`SET search_path = ''; SET lock_timeout = '30s'`);
      for (const sql of statements) await client.query(sql);
      const code = failure.details.code;
      // after a transient failure a plain rerun starts clean; after a deterministic one it meets the same error
      const advice = failure.details.signal ? 'a plain rerun starts clean' : code && rerunAdvice(code) !== rerunAdvice(undefined) ? rerunAdvice(code) : 'a plain rerun starts clean (no need to rerun with --force)';
      note = `undo: the ${statements.length} object(s) this run created were dropped again, the target is as it was before the run: ${advice}`;
      target = 'as-before';
    } finally {
      await closeQuietly(client);
    }
  } catch (undoErr) {
    note = `undo incomplete (${errText(undoErr)}): rerun with --force to finish it`;
    target = 'undo-incomplete';
  }
  ctx.warn(note);
  return new MigrationError(`${failure.headline}; ${note}`, { ...failure.details, target });
}
