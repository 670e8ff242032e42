/**
 * db:sync preflight: everything logical replication needs, each gap named with its fix.
 *
 * Source: wal_level=logical, the replication privilege, ownership of the published tables,
 * free replication slots and WAL senders, a primary key or REPLICA IDENTITY FULL on every
 * published table (without one, UPDATE and DELETE on the source fail once it is published),
 * no unlogged tables. Target: the right to create a subscription and free replication workers.
 */
import type { Client } from 'pg';
import { readSchema, type SchemaModel, type Table } from '../schema/catalog';
import { selectTables } from '../schema/selection';
import type { SyncContext } from './context';

export interface PreflightCheck {
  /** Stable id, e.g. `source.wal_level`, `source.table.public.events`. */
  readonly id: string;
  readonly side: 'source' | 'target';
  readonly ok: boolean;
  /** What was found. */
  readonly message: string;
  /** What to do about it (present when not ok). */
  readonly fix?: string;
}

export interface PreflightReport {
  readonly ok: boolean;
  readonly checks: PreflightCheck[];
  /** Tables that will be published (schema-qualified). */
  readonly tables: string[];
}

interface Platform {
  readonly rds: boolean;
  readonly neon: boolean;
}

async function platform(client: Client): Promise<Platform> {
  const r = await client.query<{ rds: boolean; neon: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name LIKE 'rds.%') AS rds,
            EXISTS (SELECT 1 FROM pg_settings WHERE name LIKE 'neon.%') AS neon`,
  );
  return r.rows[0];
}

function walLevelFix(p: Platform): string {
  if (p.rds) return 'set rds.logical_replication = 1 in the instance parameter group (database.logicalReplication: true in the config) and reboot the instance: the parameter is static';
  if (p.neon) return 'enable logical replication in the Neon/Vercel Postgres project settings (Settings > Logical Replication); it restarts the compute';
  return 'ALTER SYSTEM SET wal_level = logical; then restart the server (wal_level only changes on restart)';
}

async function sourceServerChecks(ctx: SyncContext, p: Platform, syncWorkers: number): Promise<PreflightCheck[]> {
  const out: PreflightCheck[] = [];
  const r = await ctx.source.query<{
    wal_level: string; user: string; superuser: boolean; replication: boolean; managed: boolean; can_create: boolean;
    max_slots: number; used_slots: number; ours: boolean; max_senders: number; used_senders: number;
  }>(
    `SELECT current_setting('wal_level') AS wal_level, current_user AS user, r.rolsuper AS superuser, r.rolreplication AS replication,
            EXISTS (SELECT 1 FROM pg_roles m WHERE m.rolname IN ('rds_replication', 'rds_superuser', 'neon_superuser') AND pg_has_role(current_user, m.oid, 'MEMBER')) AS managed,
            has_database_privilege(current_database(), 'CREATE') AS can_create,
            current_setting('max_replication_slots')::int AS max_slots, (SELECT count(*) FROM pg_replication_slots)::int AS used_slots,
            EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1) AS ours,
            current_setting('max_wal_senders')::int AS max_senders, (SELECT count(*) FROM pg_stat_replication)::int AS used_senders
       FROM pg_roles r WHERE r.rolname = current_user`,
    [ctx.names.slot],
  );
  const s = r.rows[0];
  out.push(
    s.wal_level === 'logical'
      ? { id: 'source.wal_level', side: 'source', ok: true, message: 'wal_level is logical' }
      : { id: 'source.wal_level', side: 'source', ok: false, message: `wal_level is ${s.wal_level}, logical replication needs logical`, fix: walLevelFix(p) },
  );
  const privileged = s.superuser || s.replication || s.managed;
  out.push(
    privileged
      ? { id: 'source.replication_privilege', side: 'source', ok: true, message: `user ${s.user} may replicate` }
      : {
          id: 'source.replication_privilege',
          side: 'source',
          ok: false,
          message: `user ${s.user} has neither REPLICATION nor superuser`,
          fix: p.rds ? `GRANT rds_replication TO ${s.user};` : `ALTER ROLE ${s.user} WITH REPLICATION; (as a superuser or the platform's admin role)`,
        },
  );
  out.push(
    s.can_create || s.superuser
      ? { id: 'source.create_publication', side: 'source', ok: true, message: 'may create a publication in this database' }
      : { id: 'source.create_publication', side: 'source', ok: false, message: `user ${s.user} lacks CREATE on the database (needed for CREATE PUBLICATION)`, fix: `GRANT CREATE ON DATABASE ${ctx.sourceDb} TO ${s.user};` },
  );
  const needSlots = s.ours ? syncWorkers : 1 + syncWorkers;
  const freeSlots = s.max_slots - s.used_slots;
  out.push(
    freeSlots >= needSlots
      ? { id: 'source.free_slots', side: 'source', ok: true, message: `${freeSlots} of ${s.max_slots} replication slots free (need ${needSlots})` }
      : { id: 'source.free_slots', side: 'source', ok: false, message: `${freeSlots} of ${s.max_slots} replication slots free, need ${needSlots} (1 for the subscription, ${syncWorkers} for the initial copy)`, fix: `drop unused slots (SELECT slot_name FROM pg_replication_slots WHERE NOT active) or raise max_replication_slots (restart)` },
  );
  const freeSenders = s.max_senders - s.used_senders;
  out.push(
    freeSenders >= 1 + syncWorkers
      ? { id: 'source.free_wal_senders', side: 'source', ok: true, message: `${freeSenders} of ${s.max_senders} WAL senders free` }
      : { id: 'source.free_wal_senders', side: 'source', ok: false, message: `${freeSenders} of ${s.max_senders} WAL senders free, need ${1 + syncWorkers}`, fix: 'raise max_wal_senders (restart) or stop other replication connections' },
  );
  return out;
}

/** The fix for a table that cannot be published as it is, or undefined when it can. */
export function tableProblem(t: Table): { message: string; fix: string } | undefined {
  if (t.unlogged) return { message: `table ${t.qname} is UNLOGGED: unlogged tables cannot be replicated`, fix: `ALTER TABLE ${t.qname} SET LOGGED; or leave it out with --exclude-tables ${t.qname}` };
  if (t.replicaIdentity === 'f' || t.replicaIdentity === 'i') return undefined;
  if (t.replicaIdentity === 'd' && t.hasPrimaryKey) return undefined;
  return {
    message: `table ${t.qname} has no primary key${t.replicaIdentity === 'n' ? ' and REPLICA IDENTITY NOTHING' : ''}: once published, UPDATE and DELETE on it fail on the source`,
    fix: `ALTER TABLE ${t.qname} ADD PRIMARY KEY (<columns>); or ALTER TABLE ${t.qname} REPLICA IDENTITY FULL; or leave it out with --exclude-tables ${t.qname}`,
  };
}

async function ownershipCheck(ctx: SyncContext, tables: readonly string[]): Promise<PreflightCheck> {
  const r = await ctx.source.query<{ q: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::regclass[]) AND NOT pg_has_role(current_user, c.relowner, 'USAGE')
        AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) ORDER BY 1`,
    [tables],
  );
  const names = r.rows.map((x) => x.q);
  return names.length
    ? { id: 'source.table_owner', side: 'source', ok: false, message: `not the owner of ${names.join(', ')} (a publication may only list tables the user owns)`, fix: `run as the tables' owner, or ALTER TABLE ... OWNER TO <sync user>` }
    : { id: 'source.table_owner', side: 'source', ok: true, message: 'owns every published table' };
}

async function targetChecks(ctx: SyncContext): Promise<{ checks: PreflightCheck[]; syncWorkers: number }> {
  const r = await ctx.target.query<{ user: string; superuser: boolean; managed: boolean; version: number; max_workers: number; used_workers: number; sync_workers: number; ours: boolean }>(
    `SELECT current_user AS user, r.rolsuper AS superuser,
            EXISTS (SELECT 1 FROM pg_roles m WHERE m.rolname IN ('rds_superuser', 'pg_create_subscription', 'neon_superuser') AND pg_has_role(current_user, m.oid, 'MEMBER')) AS managed,
            current_setting('server_version_num')::int AS version,
            current_setting('max_logical_replication_workers')::int AS max_workers, (SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL)::int AS used_workers,
            current_setting('max_sync_workers_per_subscription')::int AS sync_workers,
            EXISTS (SELECT 1 FROM pg_subscription WHERE subname = $1) AS ours
       FROM pg_roles r WHERE r.rolname = current_user`,
    [ctx.names.subscription],
  );
  const t = r.rows[0];
  const checks: PreflightCheck[] = [];
  checks.push(
    t.superuser || t.managed
      ? { id: 'target.create_subscription', side: 'target', ok: true, message: `user ${t.user} may create subscriptions` }
      : { id: 'target.create_subscription', side: 'target', ok: false, message: `user ${t.user} may not create subscriptions`, fix: t.version >= 160000 ? `GRANT pg_create_subscription TO ${t.user}; GRANT CREATE ON DATABASE ${ctx.targetDb} TO ${t.user};` : 'connect as a superuser (on RDS: the master user, a member of rds_superuser)' },
  );
  const need = t.ours ? 0 : 1 + Math.min(t.sync_workers, 2);
  const free = t.max_workers - t.used_workers;
  checks.push(
    free >= need
      ? { id: 'target.free_workers', side: 'target', ok: true, message: `${free} of ${t.max_workers} logical replication workers free` }
      : { id: 'target.free_workers', side: 'target', ok: false, message: `${free} of ${t.max_workers} logical replication workers free, need ${need}`, fix: 'raise max_logical_replication_workers and max_worker_processes (restart), or drop unused subscriptions' },
  );
  return { checks, syncWorkers: Math.min(t.sync_workers, 2) };
}

/**
 * Runs every check; never throws for a gap, only for a failure to ask. `sourceModel`: the
 * source's catalog when the caller read it already (start reads it once for its steps).
 */
export async function preflight(ctx: SyncContext, sourceModel?: SchemaModel): Promise<PreflightReport> {
  const p = await platform(ctx.source);
  const target = await targetChecks(ctx);
  const checks = [...(await sourceServerChecks(ctx, p, target.syncWorkers))];
  const model = sourceModel ?? (await readSchema(ctx.source));
  const selected = selectTables(model, ctx.options.tables ?? {}).filter((t) => t.kind === 'r');
  for (const t of selected) {
    const problem = tableProblem(t);
    if (problem) checks.push({ id: `source.table.${t.qname}`, side: 'source', ok: false, ...problem });
  }
  if (!selected.length) checks.push({ id: 'source.tables', side: 'source', ok: false, message: 'no table to publish', fix: 'check --tables / --exclude-tables, or create the schema on the source' });
  const tables = selected.map((t) => t.qname).sort();
  if (tables.length) checks.push(await ownershipCheck(ctx, tables));
  checks.push(...target.checks);
  return { ok: checks.every((c) => c.ok), checks, tables };
}

/** One line per failed check: what is wrong, then the fix. */
export function describeGaps(report: PreflightReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => `${c.side}: ${c.message}; fix: ${c.fix}`);
}
