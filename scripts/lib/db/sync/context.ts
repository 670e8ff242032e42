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
import { connect, MigrationError, parseUrl, refuseSameDatabaseSessions, refuseSameDatabaseUrls, type Phase } from '../connection';
import { errDetail, errText } from '../errors';
import { closeQuietly } from '../pool';
import { readSchema } from '../schema/catalog';
import { selectTables, type TableFilter } from '../schema/selection';

export const DEFAULT_PREFIX = 'vn_sync';
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
  readonly names: SyncNames;
  readonly source: Client;
  readonly target: Client;
  /** Database name on the source (for ALTER DATABASE). */
  readonly sourceDb: string;
  readonly targetDb: string;
  emit(event: SyncEvent): void;
}

/** Application name of every session db:sync opens (never terminated by a freeze). */
export const SYNC_APP = 'db-sync';

/** Opens one session on each side, runs `fn`, always closes them. */
export async function withSync<T>(options: SyncOptions, fn: (ctx: SyncContext) => Promise<T>): Promise<T> {
  const names = syncNames(options.prefix);
  parseUrl(options.from, 'source');
  parseUrl(options.to, 'target');
  refuseSameDatabaseUrls(options.from, options.to);
  let source: Client | undefined;
  let target: Client | undefined;
  try {
    source = await connect(options.from, { role: 'source', applicationName: `${SYNC_APP} source` });
    target = await connect(options.to, { role: 'target', applicationName: `${SYNC_APP} target` });
    await refuseSameDatabaseSessions(source, target, options.from);
    // our own sessions keep writing (fence, sequences) while the app's are frozen
    await source.query('SET default_transaction_read_only = off');
    await target.query('SET default_transaction_read_only = off');
    const ctx: SyncContext = {
      options,
      names,
      source,
      target,
      sourceDb: parseUrl(options.from).database,
      targetDb: parseUrl(options.to).database,
      emit: (e) => options.onEvent?.(e),
    };
    return await fn(ctx);
  } finally {
    await Promise.all([closeQuietly(source), closeQuietly(target)]);
  }
}

/** Runs a named phase, emitting start/end and wrapping unexpected errors with the phase. */
export async function inPhase<T>(ctx: SyncContext, phase: Phase, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  ctx.emit({ type: 'phase', phase, status: 'start' });
  try {
    const value = await fn();
    const ms = Date.now() - t0;
    ctx.emit({ type: 'phase', phase, status: 'end', ms });
    return { value, ms };
  } catch (err) {
    if (err instanceof MigrationError) throw err.phase ? err : new MigrationError(`[${phase}] ${err.message}`, { ...err.details, phase });
    // As the copy's phases: a lost connection says so, and the server's DETAIL/HINT/CONTEXT follow whole.
    throw new MigrationError(`[${phase}] ${errText(err)}`, { phase, code: (err as { code?: string })?.code, cause: err, detail: errDetail(err) || undefined });
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

/** The selected plain tables of the source, schema-qualified and quoted, sorted. */
export async function publishedTables(ctx: SyncContext): Promise<string[]> {
  const model = await readSchema(ctx.source);
  return selectTables(model, ctx.options.tables ?? {})
    .filter((t) => t.kind === 'r')
    .map((t) => t.qname)
    .sort();
}
