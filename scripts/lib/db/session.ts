/**
 * The two-database session every data command opens (copy, verify, sync start/status/finish/
 * unfreeze/cleanup, rollback; audit uses its one-side part):
 *
 * - each URL parsed once ({@link parsePair}); the parsed sides stay on the session and every
 *   connection it opens reuses them;
 * - the one "same database" refusal: by URL before anything connects, then by server identity
 *   once both sides are open (another host name, an IP, a pooler, a tunnel or a Unix socket in
 *   front of the same database);
 * - the coordinating connections, opened at once and closed together on failure.
 *
 * The phase wrapper and the error mapper the commands share are in phase.ts.
 */
import type { Client } from 'pg';
import { connect, describeUrl, MigrationError, parseUrl, type ParsedUrl } from './connection';
import { allSettledOrThrow, closeQuietly } from './pool';

/** One side of a session: its URL, parsed once. */
export interface Side {
  readonly url: string;
  readonly role: 'source' | 'target' | 'database';
  readonly parsed: ParsedUrl;
}

/** The two sides of a two-database command, parsed and refused as the same database by URL. */
export interface PairUrls {
  readonly from: Side;
  readonly to: Side;
  /** Where --to should point, in the refusal. */
  readonly hint: string;
}

/** A session: both sides parsed, both coordinating connections open, refusals passed. */
export interface Pair extends PairUrls {
  readonly source: Client;
  readonly target: Client;
}

export const DEFAULT_HINT = 'point --to at the other database';

function canonicalHost(h: string): string {
  const lower = h.toLowerCase();
  return lower === 'localhost' || lower === '::1' || lower === '127.0.0.1' || lower === '[::1]' ? 'loopback' : lower;
}

const where = (p: ParsedUrl) => `${p.host}:${p.port}/${p.database}`;

/** True when two parsed URLs name the same host (loopback spellings alike), port and database. */
function sameDatabase(a: ParsedUrl, b: ParsedUrl): boolean {
  return canonicalHost(a.host) === canonicalHost(b.host) && a.port === b.port && a.database === b.database;
}

/** Parses one side's URL (its errors name the role). */
export function side(url: string, role: Side['role']): Side {
  return { url, role, parsed: parseUrl(url, role) };
}

/**
 * Both URLs parsed once, and the refusal by URL: same host, port and database, before anything
 * connects.
 */
export function parsePair(from: string, to: string, hint = DEFAULT_HINT): PairUrls {
  const pair = { from: side(from, 'source'), to: side(to, 'target'), hint };
  if (sameDatabase(pair.from.parsed, pair.to.parsed)) throw new MigrationError(`--from and --to name the same database (${where(pair.from.parsed)}): ${hint}`, { phase: 'connect' });
  return pair;
}

/** The URL refusal alone (a CLI refusing before it does anything else). */
export function refuseSameDatabaseUrls(from: string, to: string, hint = DEFAULT_HINT): void {
  parsePair(from, to, hint);
}

/**
 * Identity of the database a client is connected to, whatever the URL form (TCP, host alias,
 * Unix socket): the cluster (system identifier where pg_control_system() may be called, else
 * the data directory where visible, else the port), the postmaster start time and the
 * database OID.
 */
export interface ServerIdentity {
  readonly systemIdentifier: string | null;
  readonly dataDirectory: string | null;
  readonly port: string;
  readonly startedAt: string;
  readonly databaseOid: string;
}

export async function serverIdentity(client: Client): Promise<ServerIdentity> {
  const r = await client.query<ServerIdentity>(
    `SELECT CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
                 THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END AS "systemIdentifier",
            (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'data_directory') AS "dataDirectory",
            current_setting('port') AS port, pg_postmaster_start_time()::text AS "startedAt",
            (SELECT oid::text FROM pg_catalog.pg_database WHERE datname = current_database()) AS "databaseOid"`,
  );
  return r.rows[0];
}

/** True when two identities are the same database of the same running server. */
export function sameServerDatabase(a: ServerIdentity, b: ServerIdentity): boolean {
  if (a.databaseOid !== b.databaseOid || a.startedAt !== b.startedAt) return false;
  if (a.systemIdentifier && b.systemIdentifier) return a.systemIdentifier === b.systemIdentifier;
  if (a.dataDirectory && b.dataDirectory) return a.dataDirectory === b.dataDirectory;
  return a.port === b.port;
}

/** The refusal by server identity, once both sides are open. */
export async function refuseSameDatabaseSessions(source: Client, target: Client, from: string, hint = DEFAULT_HINT): Promise<void> {
  const [a, b] = await Promise.all([serverIdentity(source), serverIdentity(target)]);
  if (sameServerDatabase(a, b)) throw new MigrationError(`--from and --to reach the same database (${describeUrl(from)}): ${hint}`, { phase: 'connect' });
}

export interface OpenPairOptions {
  /** application_name of the two coordinating sessions. */
  readonly applicationNames: { readonly source: string; readonly target: string };
}

/** A connection to one side, reusing its parsed URL. */
export function connectSide(s: Side, applicationName: string): Promise<Client> {
  return connect(s.url, { role: s.role, applicationName, parsed: s.parsed });
}

/**
 * Opens the session: both URLs parsed and refused by URL, both sides connected at once, then
 * refused by server identity. On failure every connection it opened is closed.
 */
export async function openPair(urls: PairUrls, options: OpenPairOptions): Promise<Pair> {
  let source: Client | undefined;
  let target: Client | undefined;
  try {
    // each session is kept for the cleanup below as soon as it opens
    await allSettledOrThrow([
      connectSide(urls.from, options.applicationNames.source).then((c) => (source = c)),
      connectSide(urls.to, options.applicationNames.target).then((c) => (target = c)),
    ]);
    await refuseSameDatabaseSessions(source!, target!, urls.from.url, urls.hint);
    return { ...urls, source: source!, target: target! };
  } catch (err) {
    await Promise.all([closeQuietly(source), closeQuietly(target)]);
    throw err;
  }
}

/** Closes the session's coordinating connections. */
export async function closePair(pair: Pick<Pair, 'source' | 'target'> | undefined): Promise<void> {
  if (pair) await Promise.all([closeQuietly(pair.source), closeQuietly(pair.target)]);
}

/** Opens a session, runs `fn`, always closes it. */
export async function withPair<T>(urls: PairUrls, options: OpenPairOptions, fn: (pair: Pair) => Promise<T>): Promise<T> {
  const pair = await openPair(urls, options);
  try {
    return await fn(pair);
  } finally {
    await closePair(pair);
  }
}

/**
 * The refusals alone, on sessions opened for them and closed again: for a command whose first
 * step works on one side only (db:rollback lifts the old database's freeze and takes the pair
 * lock before its engine opens the session).
 */
export async function refusePair(urls: PairUrls, options: OpenPairOptions): Promise<void> {
  await withPair(urls, options, async () => undefined);
}

/** The one-side part (db:audit): the URL parsed once and one connection on it. */
export async function openOne(url: string, role: Side['role'], applicationName: string): Promise<{ side: Side; client: Client }> {
  const s = side(url, role);
  return { side: s, client: await connectSide(s, applicationName) };
}
