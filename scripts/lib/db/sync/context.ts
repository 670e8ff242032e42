/**
 * The shared context of the db:sync steps (preflight, start, status, finish, cleanup,
 * rollback): the two URLs, the one name prefix every replication object carries, the
 * table selection and the event sink. Each step is one file over this context.
 *
 *   publication  <prefix>_pub   on the source
 *   slot         <prefix>_slot  on the source (created by `start`, dropped with the subscription)
 *   subscription <prefix>_sub   on the target
 *
 * The subscription is created by the target server, so the target must reach the source:
 * `sourceConninfo` is the source as the target sees it (defaults to the source URL).
 */
import type { Client } from 'pg';
import { MigrationError, type Phase } from '../connection';
import type { PhaseTiming } from '../phase';
import { readSchema, type SchemaModel } from '../schema/catalog';
import { closePair, openPair, parsePair, type Pair } from '../session';
import { selectTables, type TableFilter } from '../schema/selection';
import { DEFAULT_PREFIX } from './prefix';

export { DEFAULT_PREFIX };
const PREFIX = /^[a-z][a-z0-9_]{0,39}$/;

export type SyncEvent =
  | { readonly type: 'step'; readonly step: string; readonly detail?: string }
  | { readonly type: 'phase'; readonly phase: Phase; readonly status: 'start' | 'end'; readonly ms?: number }
  | { readonly type: 'warning'; readonly message: string };

export interface SyncOptions {
  /** Source (publisher) URL. */
  readonly from: string;
  /** Target (subscriber) URL. */
  readonly to: string;
  /** Name prefix of the publication, slot and subscription. @default 'vn_sync' */
  readonly prefix?: string;
  /** The source as the target server reaches it (libpq URL or conninfo). @default from */
  readonly sourceConninfo?: string;
  /** Tables to replicate. @default every table */
  readonly tables?: TableFilter;
  readonly onEvent?: (event: SyncEvent) => void;
}

export interface SyncNames {
  readonly prefix: string;
  readonly publication: string;
  readonly slot: string;
  readonly subscription: string;
}

/** The object names for a prefix; throws on a prefix that is not a plain identifier. */
export function syncNames(prefix: string = DEFAULT_PREFIX): SyncNames {
  if (!PREFIX.test(prefix)) throw new MigrationError(`--prefix "${prefix}" must be a lower-case identifier of at most 40 characters (letters, digits, _)`);
  return { prefix, publication: `${prefix}_pub`, slot: `${prefix}_slot`, subscription: `${prefix}_sub` };
}

export interface SyncContext {
  readonly options: SyncOptions;
  /** The two-database session: both URLs parsed once, the refusals passed (../session.ts). */
  readonly pair: Pair;
  readonly names: SyncNames;
  readonly source: Client;
  readonly target: Client;
  /** Database name on the source (for ALTER DATABASE). */
  readonly sourceDb: string;
  readonly targetDb: string;
  /** Every phase the steps ran (phase.ts runPhase). */
  readonly timings: PhaseTiming[];
  emit(event: SyncEvent): void;
}

/** Application name of every session db:sync opens (never terminated by a freeze). */
export const SYNC_APP = 'db-sync';

/** Opens the two-database session (one coordinating connection per side), runs `fn`, always closes it. */
export async function withSync<T>(options: SyncOptions, fn: (ctx: SyncContext) => Promise<T>): Promise<T> {
  const names = syncNames(options.prefix);
  const urls = parsePair(options.from, options.to);
  let pair: Pair | undefined;
  try {
    pair = await openPair(urls, { applicationNames: { source: `${SYNC_APP} source`, target: `${SYNC_APP} target` } });
    const { source, target } = pair;
    // our own sessions keep writing (fence, sequences) while the app's are frozen
    await source.query('SET default_transaction_read_only = off');
    await target.query('SET default_transaction_read_only = off');
    const ctx: SyncContext = {
      options,
      pair,
      names,
      source,
      target,
      sourceDb: urls.from.parsed.database,
      targetDb: urls.to.parsed.database,
      timings: [],
      emit: (e) => options.onEvent?.(e),
    };
    return await fn(ctx);
  } finally {
    await closePair(pair);
  }
}

/** Polls `check` every `intervalMs` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, onTimeout: () => string, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new MigrationError(onTimeout());
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The selected plain tables of the source, schema-qualified and quoted, sorted (from `sourceModel` when the caller read it already). */
export async function publishedTables(ctx: SyncContext, sourceModel?: SchemaModel): Promise<string[]> {
  const model = sourceModel ?? (await readSchema(ctx.source));
  return selectTables(model, ctx.options.tables ?? {})
    .filter((t) => t.kind === 'r')
    .map((t) => t.qname)
    .sort();
}

/** Whether the subscription `name` exists in the database `client` is connected to, and is enabled. */
export async function subscriptionOn(client: Pick<Client, 'query'>, name: string): Promise<{ exists: boolean; enabled: boolean }> {
  const r = await client.query<{ enabled: boolean }>(
    `SELECT subenabled AS enabled FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [name],
  );
  return { exists: Boolean(r.rowCount), enabled: Boolean(r.rows[0]?.enabled) };
}
