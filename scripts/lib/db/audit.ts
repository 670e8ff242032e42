/**
 * db:audit: what is in a database, and what a copy or a logical-replication sync must know
 * about it (guide "Pre-Migration Checklist"): server version, size, tables with sizes and row
 * counts, extensions, sequences, tables without a primary key, large objects, unlogged tables,
 * replication readiness and anything the copy cannot carry.
 */
import { describeUrl, STABLE_SESSION_SQL } from './connection';
import { openOne } from './session';
import { describeNotCarried } from './schema/carried';
import { readSchema } from './schema/catalog';
import { closeQuietly } from './pool';
import { readSequenceValues } from './sequences';
import { estimateCopyTime, judgeRdsFit, type CopyEstimate, type RdsFit } from './rds-fit';

export interface AuditTable {
  readonly table: string;
  readonly bytes: number;
  readonly estimatedRows: number;
  /** null when exact counts were skipped */
  readonly exactRows: number | null;
  readonly hasPrimaryKey: boolean;
  readonly unlogged: boolean;
  readonly partitioned: boolean;
  readonly partitionOf: string | null;
  /** d default, n nothing, f full, i index */
  readonly replicaIdentity: string;
}

export interface AuditReport {
  readonly database: string;
  readonly server: { readonly version: string; readonly versionNum: number };
  readonly sizeBytes: number;
  readonly tables: AuditTable[];
  readonly extensions: { readonly name: string; readonly version: string; readonly schema: string }[];
  readonly sequences: { readonly sequence: string; readonly lastValue: string; readonly isCalled: boolean; readonly ownedBy: string | null }[];
  readonly tablesWithoutPrimaryKey: string[];
  readonly unloggedTables: string[];
  readonly largeObjects: number;
  readonly replication: {
    readonly walLevel: string;
    readonly maxReplicationSlots: number;
    readonly maxWalSenders: number;
    readonly ready: boolean;
    readonly notes: string[];
  };
  readonly notCarried: string[];
  /** What RDS PostgreSQL cannot host, before any copy. */
  readonly rds: RdsFit;
  /** Estimated copy time of the whole database. */
  readonly copyEstimate: CopyEstimate;
  readonly counts: { readonly views: number; readonly materializedViews: number; readonly functions: number; readonly triggers: number; readonly policies: number; readonly types: number; readonly indexes: number };
}

export interface AuditOptions {
  readonly url: string;
  /** Count rows exactly with count(*) (reads every table). @default true */
  readonly exactCounts?: boolean;
  /** Copy rate for the estimate, in bytes per second. @default MEASURED_COPY_RATE */
  readonly copyRateBytesPerSecond?: number;
  /** A target database: its available extensions replace the dated RDS list. */
  readonly targetUrl?: string;
}

async function availableExtensions(url: string): Promise<string[]> {
  const { client } = await openOne(url, 'target', 'db-audit');
  try {
    return (await client.query<{ name: string }>('SELECT name FROM pg_available_extensions')).rows.map((r) => r.name);
  } finally {
    await closeQuietly(client);
  }
}

export async function auditDatabase(options: AuditOptions): Promise<AuditReport> {
  // the one-side part of the session (session.ts): the URL parsed once, one connection
  const { client } = await openOne(options.url, 'database', 'db-audit');
  try {
    await client.query(`${STABLE_SESSION_SQL}; SET row_security = off`);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const model = await readSchema(client);
    const [info] = (
      await client.query(
        `SELECT current_database() AS db, pg_database_size(current_database())::float8 AS size, current_setting('wal_level') AS wal_level,
                current_setting('max_replication_slots')::int AS slots, current_setting('max_wal_senders')::int AS senders,
                (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects`,
      )
    ).rows;
    const tables: AuditTable[] = [];
    for (const t of model.tables) {
      let exact: number | null = null;
      if (options.exactCounts !== false && t.kind === 'r') {
        exact = Number((await client.query(`SELECT count(*) AS n FROM ONLY ${t.qname}`)).rows[0].n);
      }
      tables.push({
        table: t.qname,
        bytes: t.bytes,
        estimatedRows: Math.round(t.estimatedRows),
        exactRows: exact,
        hasPrimaryKey: t.hasPrimaryKey,
        unlogged: t.unlogged,
        partitioned: t.kind === 'p',
        partitionOf: t.parent,
        replicaIdentity: t.replicaIdentity,
      });
    }
    const sourceRoles = (await client.query<{ name: string }>('SELECT rolname AS name FROM pg_roles')).rows.map((r) => r.name);
    const seqValues = await readSequenceValues(client, model.sequences.map((s) => s.qname));
    const owner = new Map(model.sequences.map((s) => [s.qname, s.ownedBy ? `${s.ownedBy.table}.${s.ownedBy.column}` : null]));
    await client.query('COMMIT');

    const tablesWithoutPrimaryKey = model.tables.filter((t) => !t.hasPrimaryKey && t.kind === 'r').map((t) => t.qname);
    const notes: string[] = [];
    if (info.wal_level !== 'logical') notes.push(`wal_level is ${info.wal_level}: logical replication needs wal_level=logical (RDS: rds.logical_replication=1)`);
    if (Number(info.slots) < 1) notes.push('max_replication_slots is 0: raise it for logical replication');
    if (Number(info.senders) < 1) notes.push('max_wal_senders is 0: raise it for logical replication');
    const noIdentity = model.tables.filter((t) => t.kind === 'r' && ((t.replicaIdentity === 'd' && !t.hasPrimaryKey) || t.replicaIdentity === 'n')).map((t) => t.qname);
    if (noIdentity.length) notes.push(`${noIdentity.length} table(s) without a primary key or replica identity (UPDATE/DELETE cannot replicate): ${noIdentity.join(', ')}; add a key or ALTER TABLE ... REPLICA IDENTITY FULL`);
    const unlogged = model.tables.filter((t) => t.unlogged).map((t) => t.qname);
    if (unlogged.length) notes.push(`unlogged tables are not replicated: ${unlogged.join(', ')}`);

    return {
      database: describeUrl(options.url),
      server: { version: model.serverVersion, versionNum: model.serverVersionNum },
      sizeBytes: Number(info.size),
      tables,
      extensions: model.extensions,
      sequences: seqValues.map((s) => ({ ...s, ownedBy: owner.get(s.sequence) ?? null })),
      tablesWithoutPrimaryKey,
      unloggedTables: unlogged,
      largeObjects: Number(info.large_objects),
      replication: { walLevel: info.wal_level, maxReplicationSlots: Number(info.slots), maxWalSenders: Number(info.senders), ready: notes.length === 0, notes },
      notCarried: model.unsupported.map(describeNotCarried),
      rds: judgeRdsFit(model, sourceRoles, options.targetUrl ? await availableExtensions(options.targetUrl) : undefined),
      copyEstimate: estimateCopyTime(Number(info.size), options.copyRateBytesPerSecond),
      counts: {
        views: model.views.filter((v) => v.kind === 'v').length,
        materializedViews: model.views.filter((v) => v.kind === 'm').length,
        functions: model.functions.length,
        triggers: model.triggers.length,
        policies: model.policies.length,
        types: model.types.length,
        indexes: model.indexes.filter((i) => i.def).length + model.constraints.filter((c) => c.type !== 'f').length,
      },
    };
  } finally {
    await closeQuietly(client);
  }
}
