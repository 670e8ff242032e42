/** Phase verify: row counts and content hashes against the run's snapshot, and the schema. */
import type { SequenceValue } from '../sequences';
import { verifyDatabases, type VerifyReport } from '../verify';
import { runPhase, type RunContext } from './context';

export async function verify(ctx: RunContext, sequences: SequenceValue[]): Promise<VerifyReport | null> {
  if (ctx.options.verify === false) return null;
  const { from, to } = ctx.options;
  if (ctx.mode === 'schema-only') {
    return runPhase(ctx, 'verify', () => verifyDatabases({ from, to, jobs: ctx.jobs, tables: ctx.filter, sourceSnapshot: ctx.snapshot, data: false, skip: ctx.options.skip }));
  }
  return runPhase(ctx, 'verify', () =>
    verifyDatabases({
      from,
      to,
      jobs: ctx.jobs,
      tables: ctx.filter,
      schema: ctx.mode !== 'data-only',
      sourceSnapshot: ctx.snapshot,
      sourceSessions: ctx.readers,
      expectedSequences: sequences,
      onEvent: ctx.emit,
      skip: ctx.options.skip,
    }),
  );
}
