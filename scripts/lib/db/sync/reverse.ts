/**
 * The reverse replication finish arms before it opens writes on the target (RDS), so that a
 * verification that fails after the open rolls back without losing a write made since:
 *
 * The prefix is db:rollback's (`vn_back`, status.ts ROLLBACK_PREFIX), not the forward one's:
 *
 *   on the target   publication `<prefix>_pub` (the selected tables) and slot `<prefix>_slot`,
 *                   created once the target caught up with the frozen source: every change made
 *                   on the target from then on is kept in the slot's WAL;
 *   on the source   subscription `<prefix>_sub` to it, created `enabled = false, copy_data = false`
 *                   (the two sides are equal at that moment; nothing is applied until db:rollback
 *                   enables it). Creating it proves the source's server reaches the target.
 *
 * The names are the ones db:rollback's reverse `start` makes,
 * so db:rollback finds the armed subscription, enables it and catches up (rollback.ts). After
 * a verified finish the armed objects are removed: a slot nobody reads keeps the target's WAL.
 */
import { maskUrl, MigrationError, quoteIdent, quoteLiteral } from '../connection';
import { removeReplication } from './cleanup';
import { publishedTables, subscriptionOn, withSync, type SyncContext, type SyncOptions } from './context';
import { ensurePublication } from './start';
import { ROLLBACK_PREFIX } from './status';

/** The reverse pair of a forward run: from the target (RDS) to the source. */
export function reverseOptions(forward: SyncOptions, reverse: ReverseNames = {}): SyncOptions {
  return { from: forward.to, to: forward.from, prefix: reverse.prefix ?? ROLLBACK_PREFIX, tables: forward.tables, sourceConninfo: reverse.conninfo ?? forward.to, onEvent: forward.onEvent };
}

/** How the reverse replication is reached and named. */
export interface ReverseNames {
  /** The target as the source's server reaches it. @default the target URL */
  readonly conninfo?: string;
  /** Its name prefix: db:rollback's. @default 'vn_back' */
  readonly prefix?: string;
}

/** Whether the subscription of `ctx` (on its target) exists, and is enabled. */
export function subscriptionState(ctx: SyncContext): Promise<{ exists: boolean; enabled: boolean }> {
  return subscriptionOn(ctx.target, ctx.names.subscription);
}

/**
 * Arms the reverse replication of `forward` (see the file comment); anything a killed earlier
 * run left of it is removed first (its slot would start before the last forward changes). On
 * failure nothing of it is left and the error says why.
 */
export async function armReverse(forward: SyncOptions, reverse: ReverseNames = {}): Promise<void> {
  await withSync(reverseOptions(forward, reverse), async (ctx) => {
    await removeReplication(ctx);
    try {
      const tables = await publishedTables(ctx);
      await ensurePublication(ctx, tables);
      // a fresh slot (slots are per cluster: one of that name for another database is refused, not reused)
      await ctx.source.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [ctx.names.slot]);
      await ctx.target.query(
        `CREATE SUBSCRIPTION ${quoteIdent(ctx.names.subscription)} CONNECTION ${quoteLiteral(ctx.options.sourceConninfo ?? ctx.options.from)} PUBLICATION ${quoteIdent(ctx.names.publication)}
           WITH (create_slot = false, slot_name = ${quoteLiteral(ctx.names.slot)}, copy_data = false, enabled = false)`,
      );
      ctx.emit({ type: 'step', step: 'reverse', detail: `armed: publication and slot ${ctx.names.slot} on the target, subscription ${ctx.names.subscription} (disabled) on the source, ${tables.length} tables` });
    } catch (err) {
      await removeReplication(ctx).catch(() => undefined);
      const msg = maskUrl(((err as Error).message ?? '').split('\n')[0]);
      throw new MigrationError(`[replication] the reverse replication (target -> source) could not be armed: ${msg}`, { phase: 'replication', cause: err });
    }
  });
}

/** Removes the armed reverse replication (a verified finish). */
export async function disarmReverse(forward: SyncOptions, reverse: ReverseNames = {}): Promise<string[]> {
  return withSync(reverseOptions(forward, reverse), async (ctx) => (await removeReplication(ctx)).removed);
}

/** True when the source holds the reverse subscription of `forward` (armed by finish, or a rollback's). */
export async function reverseArmed(forward: SyncOptions, reverse: ReverseNames = {}): Promise<boolean> {
  return withSync(reverseOptions(forward, reverse), async (ctx) => (await subscriptionState(ctx)).exists);
}
