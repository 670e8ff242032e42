/**
 * Database URLs: parsing (libpq's rules), masking and the flag/variable that names one. No
 * driver is loaded here: a script's `--help` and its option checks import this, not
 * ./connection (which re-exports it beside the connections themselves).
 */
import { MigrationError } from './errors';
import { maskOne } from '../proc/mask';

export type Role = 'source' | 'target' | 'database';

export interface ParsedUrl {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password?: string;
  readonly sslmode: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  readonly params: Readonly<Record<string, string>>;
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/**
 * The characters of a URL's user:password part (up to its last `@`) that a URL reserves and
 * that must be percent-encoded there (`#` starts a fragment, `/` a path, `?` a query, `%` an
 * escape). Listed without the text around them, which may be a password.
 */
function reservedInUserinfo(url: string): string[] {
  const m = /^postgres(?:ql)?:\/\/(.*)@/is.exec(url);
  if (!m) return [];
  const found = new Set<string>();
  for (const ch of m[1]) if ('#/?'.includes(ch) || /\s/.test(ch)) found.add(/\s/.test(ch) ? 'a space' : ch);
  if (/%(?![0-9A-Fa-f]{2})/.test(m[1])) found.add('%');
  return [...found];
}

function unencodedUserinfo(role: Role, chars: string[]): MigrationError {
  return new MigrationError(
    `${role} URL: the user or password holds ${chars.map((c) => (c.length === 1 ? `"${c}"` : c)).join(', ')}, which a URL reserves: percent-encode the password (e.g. node -p 'encodeURIComponent(require("fs").readFileSync(0, "utf8").trim())' < password-file) and put the result between "user:" and "@"`,
  );
}

/** Parses a libpq-style URL (postgres:// or postgresql://). */
export function parseUrl(url: string, role: Role = 'database'): ParsedUrl {
  let u: URL;
  try {
    // libpq allows an empty host (postgres://u:p@/db?host=/socket/dir); WHATWG URL does not.
    u = new URL(url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*@)(?=[/?#]|$)/i, '$1localhost'));
  } catch {
    const reserved = reservedInUserinfo(url);
    if (reserved.length) throw unencodedUserinfo(role, reserved);
    throw new MigrationError(`${role} URL is not a valid postgres:// URL: use postgres://user:password@host:5432/dbname`);
  }
  // A "/" or "?" in an unencoded password can still parse, as a wrong host and a database named "...@host/db".
  if (/@/.test(decodeURIComponent(u.pathname.replace(/%(?![0-9A-Fa-f]{2})/g, '%25')))) {
    const reserved = reservedInUserinfo(url);
    if (reserved.length) throw unencodedUserinfo(role, reserved);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new MigrationError(`${role} URL must start with postgres:// or postgresql:// (got ${u.protocol}//)`);
  }
  const params: Record<string, string> = {};
  u.searchParams.forEach((v, k) => (params[k] = v));
  const sslmode = (params.sslmode ?? 'prefer') as ParsedUrl['sslmode'];
  if (!SSL_MODES.includes(sslmode)) {
    throw new MigrationError(`${role} URL has sslmode=${sslmode}: use one of ${SSL_MODES.join(', ')}`);
  }
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const host = params.host ?? (dec(u.hostname).replace(/^\[(.*)\]$/, '$1') || 'localhost');
  const user = params.user ?? (dec(u.username) || process.env.PGUSER || 'postgres');
  const password = params.password ?? (u.password ? dec(u.password) : undefined);
  const database = params.dbname ?? (dec(u.pathname.replace(/^\//, '')) || user);
  const port = Number(params.port ?? (u.port || 5432));
  return { host, port, database, user, password, sslmode, params };
}

/** The URL with its password replaced by `***`; safe to print. */
export function maskUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/?#@]*:)[^@/?#]*@/i, '$1***@').replace(/([?&]password=)[^&]*/gi, '$1***');
}

/** Short description for messages: `host:port/db`. */
export function describeUrl(url: string): string {
  const p = parseUrl(url);
  return `${p.host}:${p.port}/${p.database}`;
}

/**
 * Removes every password of the given URLs (and any postgres URL's password) from a text.
 * Applied to every log line and error message the scripts print.
 */
export function redactSecrets(text: string, urls: readonly (string | undefined)[] = []): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)[^@/?#\s]*@/gi, '$1***@');
  for (const url of urls) {
    if (!url) continue;
    let pw: string | undefined;
    try {
      pw = parseUrl(url).password;
    } catch {
      pw = undefined;
    }
    if (pw && pw.length >= 3) out = maskOne(out, pw);
  }
  return out;
}

export interface UrlSource {
  /** URL given directly on the command line. */
  readonly url?: string;
  /** Name of an environment variable holding the URL. */
  readonly env?: string;
  /** Variable read when neither is given, e.g. SOURCE_DATABASE_URL. */
  readonly defaultEnv: string;
  readonly role: Role;
  /** Flags that set url and env, for the error message, e.g. ['--from', '--from-env']. */
  readonly flags: readonly [string, string];
}

/** Picks the URL from the flag, the named environment variable or the default one. */
export function resolveUrl(src: UrlSource, env: NodeJS.ProcessEnv = process.env): string {
  if (src.url) return src.url;
  const name = src.env ?? src.defaultEnv;
  const value = env[name];
  if (!value) {
    const how = src.env ? `environment variable ${name} is empty or unset` : `no ${src.role} database URL`;
    throw new MigrationError(`${how}: set ${name}, name another variable with ${src.flags[1]} NAME, or pass ${src.flags[0]} <url>`);
  }
  return value;
}
