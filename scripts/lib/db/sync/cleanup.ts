/**
 * db:sync cleanup: removes what `start` created on both sides: the subscription on the
 * target, the slots on the source (ours, and the table-sync slots of our subscription,
 * which a killed run can leave behind: an orphaned slot keeps WAL and fills the source's
 * disk) and the publication. Safe to run at any point and more than once.
 */
import { quoteIdent } from '../connection';
import { waitFor, type SyncContext } from './context';
import { runPhase } from '../phase';

export interface CleanupResult {
  /** What was removed, e.g. `subscription vn_sync_sub (target)`. */
  readonly removed: string[];
}

/** Drops our subscription; falls back to detaching it from its slot when the source is unreachable. */
async function dropSubscription(ctx: SyncContext, removed: string[]): Promise<number | undefined> {
  const name = quoteIdent(ctx.names.subscription);
  const r = await ctx.target.query<{ oid: number }>(
    `SELECT oid FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [ctx.names.subscription],
  );
  if (!r.rowCount) return undefined;
  const oid = r.rows[0].oid;
  try {
    await ctx.target.query(`DROP SUBSCRIPTION ${name}`);
  } catch {
    // the source could not be reached to drop the slot: detach, drop, and clean the source below
    await ctx.target.query(`ALTER SUBSCRIPTION ${name} DISABLE`);
    await ctx.target.query(`ALTER SUBSCRIPTION ${name} SET (slot_name = NONE)`);
    await ctx.target.query(`DROP SUBSCRIPTION ${name}`);
  }
  removed.push(`subscription ${ctx.names.subscription} (target)`);
  return oid;
}

/** Drops our slot and the table-sync slots of subscription `oid` on the source. */
async function dropSlots(ctx: SyncContext, oid: number | undefined, removed: string[]): Promise<void> {
  const pattern = oid === undefined ? null : `pg\\_${oid}\\_sync\\_%`;
  const find = () =>
    ctx.source.query<{ slot_name: string; active_pid: number | null }>(
      `SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = current_database() AND (slot_name = $1 OR slot_name LIKE $2)`,
      [ctx.names.slot, pattern],
    );
  const slots = (await find()).rows;
  for (const s of slots) {
    if (s.active_pid) await ctx.source.query('SELECT pg_terminate_backend($1)', [s.active_pid]);
  }
  for (const s of slots) {
    await waitFor(
      async () => ((await ctx.source.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [s.slot_name])).rowCount ? undefined : true),
      10000,
      () => `[cleanup] slot ${s.slot_name} is still in use on the source: end its WAL sender (pg_terminate_backend) and rerun cleanup`,
    );
    await ctx.source.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s.slot_name]);
    removed.push(`slot ${s.slot_name} (source)`);
  }
}

/** Removes the publication, slots and subscription of the prefix. */
export async function removeReplication(ctx: SyncContext): Promise<CleanupResult> {
  const removed: string[] = [];
  const oid = await dropSubscription(ctx, removed);
  await dropSlots(ctx, oid, removed);
  const pub = await ctx.source.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [ctx.names.publication]);
  if (pub.rowCount) {
    await ctx.source.query(`DROP PUBLICATION ${quoteIdent(ctx.names.publication)}`);
    removed.push(`publication ${ctx.names.publication} (source)`);
  }
  return { removed };
}

/** The `cleanup` command. */
export async function cleanupSync(ctx: SyncContext): Promise<CleanupResult> {
  return await runPhase(ctx, 'cleanup', () => removeReplication(ctx));
}
