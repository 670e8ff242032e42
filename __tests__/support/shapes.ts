/**
 * Databases shaped the way the providers hand them out, on a throwaway cluster of ./postgres.ts.
 *
 *   const [src, dst] = useClusters(2, LOGICAL);
 *   const source = await shapeVercel(src());          // Vercel Postgres (Neon): "default" owns "verceldb"
 *   const target = await shapeRds(dst());             // RDS: venturenudge_admin owns "venturenudge"
 *   source.url  // what the user has: the app's user, a non-superuser that owns the tables
 *   target.url  // the RDS master user: not a superuser
 *
 * Vercel Postgres (Neon): the app's user owns the database and its tables, is not a superuser,
 * has CREATEDB, CREATEROLE, REPLICATION and BYPASSRLS, and belongs to `neon_superuser`
 * (NOLOGIN; member of pg_read_all_data, pg_write_all_data, pg_monitor and pg_signal_backend,
 * as Neon documents it). Vercel names the user `default` and the database `verceldb`.
 *
 * RDS: the master user is not a superuser: LOGIN, CREATEDB, CREATEROLE, member of
 * `rds_superuser` (NOLOGIN; member of pg_monitor, pg_signal_backend, pg_read_all_settings,
 * pg_read_all_stats, pg_stat_scan_tables, pg_checkpoint) and of `rds_replication`. No BYPASSRLS.
 * Emulated: on RDS, `rds_replication` is what lets the master open replication connections;
 * vanilla PostgreSQL has no such role, so the master gets the REPLICATION attribute instead.
 *
 * The one place these shapes are widened: PostgreSQL 15 reserves CREATE SUBSCRIPTION to
 * superusers, where RDS (rds_superuser) and Neon (neon_superuser) let their admin roles run it.
 * {@link asSubscriptionCreator} grants SUPERUSER to the role for exactly that step and takes it
 * back afterwards; nothing else in a test or the rehearsal runs as a superuser.
 */
import type { Cluster } from './postgres';
import { PASSWORD } from './postgres';

export interface ShapedDatabase {
  readonly cluster: Cluster;
  /** The database's name. */
  readonly database: string;
  /** The login role the user has (Vercel's app user; RDS's master user). */
  readonly user: string;
  /** URL of {@link database} as {@link user}, password included. */
  readonly url: string;
  /** URL of another database of the cluster as {@link user}. */
  urlOf(database: string, params?: string): string;
  /** Runs SQL in {@link database} as {@link user} (never as a superuser). */
  sql(text: string, values?: unknown[]): Promise<Record<string, any>[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ShapeOptions {
  /** Database name. @default "verceldb" (Vercel) / "venturenudge" (RDS) */
  readonly database?: string;
  /** Login role. @default "default" (Vercel) / "venturenudge_admin" (RDS) */
  readonly user?: string;
  /** Password of the login role. @default PASSWORD of ./postgres.ts */
  readonly password?: string;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function shaped(cluster: Cluster, database: string, user: string, password: string): ShapedDatabase {
  const urlOf = (db: string, params = '') =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${cluster.port}/${encodeURIComponent(db)}${params ? `?${params}` : ''}`;
  const url = urlOf(database);
  return {
    cluster,
    database,
    user,
    url,
    urlOf,
    async sql(text, values) {
      const { Client } = await import('pg');
      const client = new Client({ connectionString: url, ssl: false });
      await client.connect();
      try {
        return (await client.query(text, values as unknown[])).rows;
      } finally {
        await client.end();
      }
    },
  };
}

async function roleExists(cluster: Cluster, role: string): Promise<boolean> {
  return (await cluster.sql('postgres', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).length > 0;
}

/** Creates the database `verceldb` owned by the non-superuser app user `default`, as Vercel Postgres gives it. */
export async function shapeVercel(cluster: Cluster, options: ShapeOptions = {}): Promise<ShapedDatabase> {
  const database = options.database ?? 'verceldb';
  const user = options.user ?? 'default';
  const password = options.password ?? PASSWORD;
  if (!(await roleExists(cluster, 'neon_superuser'))) {
    await cluster.sql(
      'postgres',
      `CREATE ROLE neon_superuser NOLOGIN CREATEDB CREATEROLE REPLICATION BYPASSRLS;
       GRANT pg_read_all_data, pg_write_all_data, pg_monitor, pg_signal_backend TO neon_superuser WITH ADMIN OPTION;`,
    );
  }
  if (!(await roleExists(cluster, user))) {
    await cluster.sql('postgres', `CREATE ROLE ${ident(user)} LOGIN CREATEDB CREATEROLE REPLICATION BYPASSRLS IN ROLE neon_superuser PASSWORD ${literal(password)}`);
  }
  await cluster.sql('postgres', `CREATE DATABASE ${ident(database)} OWNER ${ident(user)}`);
  await cluster.sql(database, `ALTER SCHEMA public OWNER TO ${ident(user)}`);
  return shaped(cluster, database, user, password);
}

/** Creates the database `venturenudge` owned by the non-superuser master user `venturenudge_admin`, as RDS gives it. */
export async function shapeRds(cluster: Cluster, options: ShapeOptions = {}): Promise<ShapedDatabase> {
  const database = options.database ?? 'venturenudge';
  const user = options.user ?? 'venturenudge_admin';
  const password = options.password ?? PASSWORD;
  if (!(await roleExists(cluster, 'rds_superuser'))) {
    await cluster.sql(
      'postgres',
      `CREATE ROLE rds_superuser NOLOGIN;
       CREATE ROLE rds_replication NOLOGIN;
       GRANT pg_monitor, pg_signal_backend, pg_read_all_settings, pg_read_all_stats, pg_stat_scan_tables, pg_checkpoint TO rds_superuser WITH ADMIN OPTION;
       GRANT rds_replication TO rds_superuser WITH ADMIN OPTION;`,
    );
  }
  if (!(await roleExists(cluster, user))) {
    // REPLICATION stands in for RDS's rds_replication membership (see the file comment).
    await cluster.sql('postgres', `CREATE ROLE ${ident(user)} LOGIN CREATEDB CREATEROLE REPLICATION IN ROLE rds_superuser, rds_replication PASSWORD ${literal(password)}`);
  }
  await cluster.sql('postgres', `CREATE DATABASE ${ident(database)} OWNER ${ident(user)}`);
  await cluster.sql(database, `ALTER SCHEMA public OWNER TO ${ident(user)}`);
  return shaped(cluster, database, user, password);
}

/**
 * Runs `fn` with SUPERUSER granted to the shaped database's user, then takes it back (also when
 * `fn` throws): only for the step vanilla PostgreSQL 15 reserves to superusers and RDS and Neon
 * do not, CREATE SUBSCRIPTION (`db:sync start`, the reverse subscription of `db:rollback`).
 */
export async function asSubscriptionCreator<T>(db: ShapedDatabase, fn: () => Promise<T>): Promise<T> {
  await db.cluster.sql('postgres', `ALTER ROLE ${ident(db.user)} SUPERUSER`);
  try {
    return await fn();
  } finally {
    await db.cluster.sql('postgres', `ALTER ROLE ${ident(db.user)} NOSUPERUSER`);
  }
}

/** True when the role is a superuser now (tests assert the shapes hold). */
export async function isSuperuser(db: ShapedDatabase): Promise<boolean> {
  const r = await db.cluster.sql('postgres', 'SELECT rolsuper FROM pg_roles WHERE rolname = $1', [db.user]);
  return r[0]?.rolsuper === true;
}
