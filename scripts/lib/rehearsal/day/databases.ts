/**
 * The two databases of the migration-day rehearsal, shaped as the providers give them
 * (__tests__/support/shapes.ts): a Vercel-shaped source (non-superuser `default` owns
 * `verceldb`) and an RDS-shaped target (non-superuser master `venturenudge_admin` owns
 * `venturenudge`), on two throwaway local clusters with TLS (a self-signed certificate for
 * 127.0.0.1 stands in for each provider's CA) and wal_level=logical.
 */
import { join } from 'node:path';
import { mkdirSync, copyFileSync } from 'node:fs';
import { runProcess } from '../../proc/run';
import { ROLLBACK_PREFIX } from '../../db/sync/status';
import { APP_SCHEMA, APP_TABLES, type AppTable } from './app';
import { PASSWORD, PG_BIN, startCluster, type Cluster } from '../../../../__tests__/support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../../../../__tests__/support/shapes';
import { compareBesideFreeze, holdSnapshot, type DatabaseDifference, type HeldSnapshot } from '../../../../__tests__/support/compare';

export interface DayDatabases {
  readonly source: ShapedDatabase;
  readonly target: ShapedDatabase;
  /** The URL the user has for each (TLS verified against the cluster's certificate). */
  readonly sourceUrl: string;
  readonly targetUrl: string;
  /** The RDS CA bundle as the image holds it (RDS_CA_BUNDLE_PATH), here the target's certificate. */
  readonly rdsCaBundle: string;
  /**
   * The source URL as the target *server* uses it (--source-conninfo-env of db:sync start), and
   * RDS as the source server uses it (db:rollback): the clusters run as the `postgres` OS user
   * with this process's HOME, where libpq looks for a client certificate it may not read
   * (EACCES is fatal, a missing file is not), so these name a client certificate that does not exist.
   */
  readonly sourceForTarget: string;
  readonly targetForSource: string;
  stop(): void;
}

const SETTINGS = { wal_level: 'logical', max_replication_slots: '10', max_wal_senders: '10', max_worker_processes: '16', max_connections: '120' };

const verified = (db: ShapedDatabase, cert: string) => `${db.url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(cert)}`;

/** Starts both clusters and shapes them; `certDir` receives the stand-in RDS CA bundle. */
export async function startDatabases(certDir: string): Promise<DayDatabases> {
  const clusters: Cluster[] = [];
  const stop = () => clusters.forEach((c) => c.stop());
  try {
    clusters.push(await startCluster({ ssl: true, settings: SETTINGS }));
    clusters.push(await startCluster({ ssl: true, settings: SETTINGS }));
    const source = await shapeVercel(clusters[0]);
    const target = await shapeRds(clusters[1]);
    mkdirSync(certDir, { recursive: true });
    const rdsCaBundle = join(certDir, 'rds-global-bundle.pem');
    copyFileSync(clusters[1].certFile!, rdsCaBundle);
    const noClientCert = (c: Cluster) => `&sslcert=${encodeURIComponent(join(c.dir, 'no-client.crt'))}&sslkey=${encodeURIComponent(join(c.dir, 'no-client.key'))}`;
    const sourceUrl = verified(source, clusters[0].certFile!);
    const targetUrl = verified(target, clusters[1].certFile!);
    return { source, target, sourceUrl, targetUrl, sourceForTarget: sourceUrl + noClientCert(clusters[1]), targetForSource: targetUrl + noClientCert(clusters[0]), rdsCaBundle, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

/**
 * The app's tables (as its own migrations create them, owned by the app's user) and, beside
 * them, pgbench's tables at `scale` (pgbench -i -s N as the app's user), with the primary key
 * `db:sync preflight` asks pgbench_history for.
 */
export async function fillSource(db: DayDatabases, scale: number, logFile: string): Promise<void> {
  await db.source.sql(APP_SCHEMA);
  const env = { ...process.env, PGPASSWORD: PASSWORD, PGSSLMODE: 'disable' };
  await runProcess(join(PG_BIN, 'pgbench'), ['-i', '-q', '-s', String(scale), '-h', '127.0.0.1', '-p', String(db.source.cluster.port), '-U', db.source.user, db.source.database], { env, logFile, check: true });
  await db.source.sql('ALTER TABLE pgbench_history ADD COLUMN id bigserial PRIMARY KEY; ANALYZE');
}

/** Database size in bytes (the figure --scale sizes). */
export async function databaseBytes(db: ShapedDatabase): Promise<number> {
  return Number((await db.sql('SELECT pg_database_size(current_database()) AS b'))[0].b);
}

/**
 * The armed reverse replication as pg_dump prints it (its publication on RDS, its subscription on
 * the source): at the open it exists by design (db:sync finish arms it before writes open and
 * removes it once verified), so a comparison of both sides held at the open sets it aside.
 */
const REVERSE_REPLICATION_LINE = new RegExp(`^[-+] (CREATE|ALTER|COMMENT ON) (PUBLICATION|SUBSCRIPTION) ${ROLLBACK_PREFIX}_(pub|sub)\\b`);

/**
 * Independent comparison (__tests__/support/compare.ts, as the cluster superuser) of the two
 * databases: schema without privileges (the app role's grants on RDS are the toolkit's own,
 * expected addition) and without owners (each provider has its own), every table's content
 * hash and every sequence. The write freeze's own objects (schema vn_freeze, its triggers) are set
 * aside; database-level settings are reported, not judged: the freeze is one. Held at the open
 * (`held`), the armed reverse replication is set aside too.
 */
export async function compareSides(db: DayDatabases, held?: HeldSides): Promise<{ same: boolean; difference: DatabaseDifference }> {
  const found = await compareBesideFreeze(db.source.cluster.url(db.source.database), db.target.cluster.url(db.target.database), { dumpArgs: ['--no-privileges'], held });
  const difference = held ? { ...found, schema: found.schema.filter((l) => !REVERSE_REPLICATION_LINE.test(l)) } : found;
  const same = difference.schema.length === 0 && Object.keys(difference.content).length === 0 && Object.keys(difference.sequences).length === 0 && difference.largeObjects === null;
  return { same, difference };
}

/** Both databases held as they are now, for a {@link compareSides} made later while they take writes again. */
export interface HeldSides {
  readonly source: HeldSnapshot;
  readonly target: HeldSnapshot;
  /** When both holds were complete. */
  readonly takenAt: number;
  release(): Promise<void>;
}

export async function holdSides(db: DayDatabases): Promise<HeldSides> {
  const [source, target] = await Promise.all([holdSnapshot(db.source.cluster.url(db.source.database)), holdSnapshot(db.target.cluster.url(db.target.database))]);
  return { source, target, takenAt: Math.max(source.takenAt, target.takenAt), release: async () => void (await Promise.all([source.release(), target.release()])) };
}

/** Request ids present in `table` (read as the cluster superuser, so nothing hides rows). */
export async function ridsIn(db: ShapedDatabase, table: AppTable): Promise<Set<string>> {
  const rows = await db.cluster.sql(db.database, `SELECT rid::text AS rid FROM ${table}`);
  return new Set(rows.map((r) => String(r.rid)));
}

export { APP_TABLES };
