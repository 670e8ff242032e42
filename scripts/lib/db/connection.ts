/**
 * Database connections and the errors a user can act on (the URLs themselves: ./url, re-exported).
 *
 * - URLs come from flags or, preferably, from environment variables named by flags; they are
 *   never printed with their password (`maskUrl`, `redactSecrets`).
 * - `sslmode` follows libpq: disable, allow/prefer (TLS without verification, plain TCP when the
 *   server has no TLS), require (TLS without verification), verify-ca (CA checked, host name not),
 *   verify-full (CA and host name checked). `sslrootcert`, `sslcert`, `sslkey` name PEM files.
 * - Connection failures become one-line {@link MigrationError}s naming the problem and the fix.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, type ClientConfig } from 'pg';
import { MigrationError } from './errors';
import { parseUrl, redactSecrets, type ParsedUrl, type Role } from './url';

export { MigrationError, type Phase } from './errors';
export { qualified, quoteIdent, quoteLiteral } from './sql';

export { describeUrl, maskUrl, parseUrl, redactSecrets, resolveUrl, type ParsedUrl, type Role, type UrlSource } from './url';

function readPem(path: string, what: string, role: Role): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new MigrationError(`${role}: cannot read ${what} file ${path} (${(err as NodeJS.ErrnoException).code}): fix the path in the URL`);
  }
}

/** TLS options for a parsed URL, or false for plain TCP. */
export function sslOptions(p: ParsedUrl, role: Role = 'database'): false | ConnectionOptions {
  if (p.sslmode === 'disable') return false;
  const opts: ConnectionOptions = {};
  if (p.params.sslcert) opts.cert = readPem(p.params.sslcert, 'sslcert', role);
  if (p.params.sslkey) opts.key = readPem(p.params.sslkey, 'sslkey', role);
  if (p.sslmode === 'verify-ca' || p.sslmode === 'verify-full') {
    if (p.params.sslrootcert && p.params.sslrootcert !== 'system') opts.ca = readPem(p.params.sslrootcert, 'sslrootcert', role);
    opts.rejectUnauthorized = true;
    if (p.sslmode === 'verify-ca') opts.checkServerIdentity = () => undefined;
  } else {
    // libpq's require/prefer/allow: encrypted, but neither CA nor host name is checked.
    opts.rejectUnauthorized = false;
  }
  return opts;
}

export interface ConnectOptions {
  readonly role?: Role;
  /** Shown in pg_stat_activity. @default 'venture-nudge-migrate' */
  readonly applicationName?: string;
  /** @default 15000 */
  readonly connectTimeoutMs?: number;
  /** The URL already parsed (the session keeps its sides parsed): not parsed again. */
  readonly parsed?: ParsedUrl;
}

/** pg client configuration for a URL (TLS resolved as libpq would). */
export function clientConfig(url: string, opts: ConnectOptions = {}): ClientConfig {
  const role = opts.role ?? 'database';
  const p = opts.parsed ?? parseUrl(url, role);
  return {
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password ?? process.env.PGPASSWORD,
    database: p.database,
    ssl: sslOptions(p, role),
    application_name: opts.applicationName ?? p.params.application_name ?? 'venture-nudge-migrate',
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 15000,
    keepAlive: true,
  };
}

/** Turns a connection failure into one line naming the problem and the fix. */
export function connectionError(err: unknown, url: string, role: Role): MigrationError {
  const p = parseUrl(url, role);
  const where = `${p.host}:${p.port}`;
  const e = err as NodeJS.ErrnoException & { code?: string; message: string };
  const code = e?.code;
  const who = role === 'database' ? 'database' : `${role} database`;
  let msg: string;
  switch (code) {
    case '28P01':
      msg = `${who}: password authentication failed for user "${p.user}" at ${where}: check the password in the ${role} URL`;
      break;
    case '28000':
      msg = `${who}: server at ${where} rejected user "${p.user}" for database "${p.database}" (${e.message}): check the user name and the server's pg_hba.conf / sslmode`;
      break;
    case '3D000':
      msg = `${who}: database "${p.database}" does not exist on ${where}: create it (CREATE DATABASE "${p.database}") or fix the database name in the URL`;
      break;
    case '53300':
      msg = `${who}: too many connections at ${where}: lower --jobs or free connections`;
      break;
    case 'ECONNREFUSED':
      msg = `${who}: cannot reach ${where} (connection refused): check the host and port in the URL and that the server is running`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      msg = `${who}: cannot resolve host "${p.host}": check the host name in the URL`;
      break;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      msg = `${who}: cannot reach ${where} (${code}): check the host, port and network access (security group, firewall)`;
      break;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      msg = `${who}: TLS certificate of ${where} failed verification (${code}) under sslmode=${p.sslmode}: add sslrootcert=<CA file> to the URL, or use sslmode=require to encrypt without verification`;
      break;
    default:
      if (/does not support SSL/i.test(e?.message ?? '')) {
        msg = `${who}: server at ${where} does not support TLS but sslmode=${p.sslmode} requires it: enable TLS on the server or use sslmode=prefer`;
      } else if (/timeout/i.test(e?.message ?? '')) {
        msg = `${who}: connecting to ${where} timed out: check the host, port and network access`;
      } else {
        msg = `${who}: cannot connect to ${where}: ${(e?.message ?? String(err)).split('\n')[0]}`;
      }
  }
  return new MigrationError(redactSecrets(msg, [url]), { phase: 'connect', code, cause: err });
}

/** Opens a connection; failures become one-line {@link MigrationError}s. */
export async function connect(url: string, opts: ConnectOptions = {}): Promise<Client> {
  const role = opts.role ?? 'database';
  const parsed = opts.parsed ?? parseUrl(url, role);
  const config = clientConfig(url, { ...opts, parsed });
  const attempt = async (cfg: ClientConfig): Promise<Client> => {
    const client = new Client(cfg);
    client.on('error', () => undefined); // errors surface through the pending query instead
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  };
  const mode = parsed.sslmode;
  const server = `${config.host}:${config.port}`;
  const plain = async () => {
    try {
      return await attempt({ ...config, ssl: false });
    } catch (err2) {
      throw connectionError(err2, url, role);
    }
  };
  // prefer/allow: a server that refused TLS once is reached in plain TCP at once after that
  // (libpq falls back on the same connection; node-pg needs a second one)
  if (config.ssl && (mode === 'prefer' || mode === 'allow') && PLAIN_ONLY.has(server)) return plain();
  try {
    return await attempt(config);
  } catch (err) {
    if ((mode === 'prefer' || mode === 'allow') && /does not support SSL/i.test((err as Error).message ?? '')) {
      PLAIN_ONLY.add(server);
      return plain();
    }
    throw connectionError(err, url, role);
  }
}

/** Servers (host:port) that refused TLS to a prefer/allow URL in this process. */
const PLAIN_ONLY = new Set<string>();

/**
 * Session settings that make text output identical on both sides (used by verify and the
 * copy): time zone, date and interval styles, float digits and bytea format.
 */
export const STABLE_SESSION_SQL = [
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, MDY'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 1',
  "SET bytea_output = 'hex'",
  "SET client_encoding = 'UTF8'",
].join('; ');

// The same-database refusal (by URL and by server identity) lives in session.ts, with the two-database session.
