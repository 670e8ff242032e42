/**
 * How the app reaches its database at each stage (stacks/app-database.ts reads these):
 *
 * - `sourceParameters`: the source URL split into the SSM SecureStrings the task reads at web
 *   stages (SOURCE_DATABASE_URL, SOURCE_PGHOST, ...), written with the env-sync writer.
 * - `ensureAppRole`: the app's least-privilege role on RDS: LOGIN, no superuser, no CREATEDB,
 *   CREATEROLE or REPLICATION; CONNECT on the database; USAGE on the migrated schemas; DML on
 *   their tables, USAGE/SELECT/UPDATE on their sequences, EXECUTE on their functions; default
 *   privileges so tables the owner creates later are covered. Idempotent; an existing role keeps
 *   its password (it is never rotated under running tasks).
 * - `appSecretValue`: the JSON the app role's Secrets Manager secret holds (url, host, port,
 *   dbname, username, password), with sslmode=verify-full (the task trusts the RDS CA through
 *   NODE_EXTRA_CA_CERTS).
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { SOURCE_PARAMETERS } from '../../../../stacks/app-database';
import { parseUrl, quoteIdent, quoteLiteral } from '../connection';

/** The SSM entries (name -> value) for the source database at web stages. */
export function sourceParameters(url: string): Record<string, string> {
  const p = parseUrl(url, 'source');
  if (!p.password) throw new Error('the source URL has no password: the app needs one (use the non-pooled Vercel Postgres URL)');
  return {
    [SOURCE_PARAMETERS.url]: url,
    [SOURCE_PARAMETERS.PGHOST]: p.host,
    [SOURCE_PARAMETERS.PGPORT]: String(p.port),
    [SOURCE_PARAMETERS.PGDATABASE]: p.database,
    [SOURCE_PARAMETERS.PGUSER]: p.user,
    [SOURCE_PARAMETERS.PGPASSWORD]: p.password,
  };
}

export interface AppRoleOptions {
  /** @default 'venturenudge_app' */
  readonly role?: string;
  /** Used only when the role is created. @default 32 random bytes, base64url */
  readonly password?: string;
}

export interface AppRoleResult {
  readonly role: string;
  readonly created: boolean;
  /** The password set at creation (undefined when the role existed: keep the secret's). */
  readonly password?: string;
  readonly schemas: string[];
}

/** Schemas holding the app's tables (everything but system and extension-owned schemas). */
async function appSchemas(client: Client): Promise<string[]> {
  const r = await client.query<{ n: string }>(
    `SELECT nspname AS n FROM pg_namespace n
      WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
        AND EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid) ORDER BY 1`,
  );
  return r.rows.map((x) => x.n);
}

/** Creates (or completes the grants of) the app's least-privilege role on the connected database. */
export async function ensureAppRole(client: Client, options: AppRoleOptions = {}): Promise<AppRoleResult> {
  const role = options.role ?? 'venturenudge_app';
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(role)) throw new Error(`role "${role}" must be a lower-case identifier`);
  const r = quoteIdent(role);
  const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount;
  let password: string | undefined;
  if (!exists) {
    password = options.password ?? randomBytes(32).toString('base64url');
    await client.query(`CREATE ROLE ${r} LOGIN PASSWORD ${quoteLiteral(password)} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT`);
  }
  const db = (await client.query<{ d: string }>('SELECT current_database() AS d')).rows[0].d;
  await client.query(`GRANT CONNECT ON DATABASE ${quoteIdent(db)} TO ${r}`);
  const schemas = await appSchemas(client);
  for (const s of schemas.map(quoteIdent)) {
    await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
    await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
    await client.query(`GRANT EXECUTE ON ALL ROUTINES IN SCHEMA ${s} TO ${r}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${r}`);
  }
  return { role, created: !exists, password, schemas };
}

/** The app secret's JSON for a role on the database `targetUrl` names. */
export function appSecretValue(targetUrl: string, role: string, password: string): Record<string, string> {
  const p = parseUrl(targetUrl, 'target');
  const url = `postgres://${encodeURIComponent(role)}:${encodeURIComponent(password)}@${p.host}:${p.port}/${encodeURIComponent(p.database)}?sslmode=verify-full`;
  return { url, host: p.host, port: String(p.port), dbname: p.database, username: role, password };
}
