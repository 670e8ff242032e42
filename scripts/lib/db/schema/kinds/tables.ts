/** Tables (plain, partitioned, partitions) with their columns and check constraints. */
import type { Column, Table } from '../model';
import { notExtensionMember, overRowType, q, QN, SYSTEM_NS, type ReadContext, type Row } from './context';

const TABLES_SQL = `
WITH RECURSIVE tree AS (
  SELECT c.oid, c.oid AS root, 0 AS depth FROM pg_class c WHERE NOT c.relispartition AND c.relkind IN ('r', 'p')
  UNION ALL SELECT i.inhrelid, tree.root, tree.depth + 1 FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid
    JOIN pg_class k ON k.oid = i.inhrelid AND k.relispartition)
SELECT c.oid, n.nspname AS schema, c.relname AS name, ${QN('n.nspname', 'c.relname')} AS qname, c.relkind, c.relpersistence,
       c.relrowsecurity, c.relforcerowsecurity, c.reltuples::float8 AS reltuples, pg_total_relation_size(c.oid) AS bytes,
       (pg_relation_size(c.oid) / current_setting('block_size')::int)::int8 AS pages,
       c.reloptions, c.relreplident,
       (SELECT tc.reloptions FROM pg_class tc WHERE tc.oid = c.reltoastrelid) AS toast_options,
       (SELECT s.spcname FROM pg_tablespace s WHERE s.oid = c.reltablespace) AS tablespace,
       (SELECT quote_ident(ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident) AS replident_index,
       (SELECT quote_ident(ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisclustered) AS cluster_on,
       CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END AS oftype,
       (SELECT ${QN('pn.nspname', 'pc.relname')} FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
       EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid AND NOT c.relispartition) AS plain_inheritance,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS has_pk,
       coalesce(tree.depth, 0) AS depth,
       coalesce((SELECT ${QN('rn.nspname', 'rc.relname')} FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = tree.root),
                ${QN('n.nspname', 'c.relname')}) AS root
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN tree ON tree.oid = c.oid
 WHERE c.relkind IN ('r', 'p') AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
 ORDER BY coalesce(tree.depth, 0), c.oid`;

export const COLUMNS_SQL = (version: number) => `
SELECT nullif(a.attstattarget::int, -1) AS stattarget, a.attstorage, t.typstorage, a.attoptions,
       ${version >= 140000 ? 'a.attcompression::text' : "''"} AS compression, a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.atttypid::int AS typeoid, a.attnotnull,
       a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid) AS def,
       CASE WHEN a.attcollation <> t.typcollation THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co
            JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS coll,
       s.seqstart::text AS start, s.seqincrement::text AS inc, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache,
       s.seqcycle AS cycle, format_type(s.seqtypid, NULL) AS seqtype,
       (SELECT ${QN('sn.nspname', 'sc.relname')} FROM pg_class sc JOIN pg_namespace sn ON sn.oid = sc.relnamespace WHERE sc.oid = s.seqrelid) AS seqname
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_depend sd ON a.attidentity <> '' AND sd.refobjid = a.attrelid AND sd.refobjsubid = a.attnum AND sd.deptype = 'i'
       AND sd.classid = 'pg_class'::regclass AND sd.refclassid = 'pg_class'::regclass
  LEFT JOIN pg_sequence s ON s.seqrelid = sd.objid
 WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum`;

const CHECKS_SQL = `
SELECT c.conrelid, c.conname, pg_get_constraintdef(c.oid) AS def, c.convalidated, c.conislocal, c.coninhcount,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_constraint'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_proc'::regclass
                 AND ${overRowType('d.refobjid')}) AS late
  FROM pg_constraint c WHERE c.contype = 'c' AND c.conrelid = ANY($1::oid[]) ORDER BY c.conrelid, c.conname`;

export function toColumn(r: Row): Column {
  return {
    name: r.attname,
    type: r.type,
    typeOid: r.typeoid,
    notNull: r.attnotnull,
    identity: r.attidentity,
    generated: r.attgenerated,
    defaultExpr: r.def,
    collation: r.coll,
    builtinType: Number(r.typeoid) < 16384,
    identitySequence: r.seqname
      ? { qname: r.seqname, dataType: r.seqtype, start: r.start, increment: r.inc, min: r.min, max: r.max, cache: r.cache, cycle: r.cycle }
      : null,
    statistics: r.stattarget === null ? null : Number(r.stattarget),
    storage: r.attstorage,
    typeStorage: r.typstorage,
    compression: r.compression ?? '',
    options: r.attoptions,
  };
}

export function groupBy<T>(rows: Row[], key: string, map: (r: Row) => T): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const k = Number(r[key]);
    out.set(k, [...(out.get(k) ?? []), map(r)]);
  }
  return out;
}

function toTable(r: Row, columns: Column[], checks: Table['checks']): Table {
  return {
    oid: Number(r.oid),
    schema: r.schema,
    name: r.name,
    qname: r.qname,
    kind: r.relkind,
    unlogged: r.relpersistence === 'u',
    parent: r.parent,
    partitionBound: r.bound,
    partitionKey: r.partkey,
    partitionDepth: Number(r.depth),
    rootQname: r.root,
    reloptions: r.reloptions,
    toastOptions: r.toast_options,
    tablespace: r.tablespace,
    ownColumnOrder: false,
    rlsEnabled: r.relrowsecurity,
    rlsForced: r.relforcerowsecurity,
    estimatedRows: Math.max(0, Number(r.reltuples)),
    bytes: Number(r.bytes),
    pages: Number(r.pages),
    hasPrimaryKey: r.has_pk,
    replicaIdentity: r.relreplident,
    replicaIndex: r.replident_index,
    clusterOn: r.cluster_on,
    ofType: r.oftype,
    plainInheritance: r.plain_inheritance,
    columns,
    checks,
  };
}

export async function readTables(ctx: ReadContext): Promise<Table[]> {
  const tableRows = await q(ctx.client, TABLES_SQL);
  const oids = tableRows.map((r) => Number(r.oid));
  const colsBy = groupBy(await q(ctx.client, COLUMNS_SQL(ctx.version), [oids]), 'attrelid', toColumn);
  const checksBy = groupBy(await q(ctx.client, CHECKS_SQL, [oids]), 'conrelid', (r) => ({
    name: r.conname as string,
    def: r.def as string,
    validated: r.convalidated as boolean,
    local: r.conislocal as boolean,
    inherited: Number(r.coninhcount) > 0,
    ...(r.late ? { late: true } : {}),
  }));
  const read = tableRows.map((r) => toTable(r, colsBy.get(Number(r.oid)) ?? [], checksBy.get(Number(r.oid)) ?? []));
  const byName = new Map(read.map((t) => [t.qname, t]));
  const names = (t: Table) => t.columns.map((c) => c.name).join(',');
  const tables = read.map((t) => {
    const parent = t.parent ? byName.get(t.parent) : undefined;
    return parent && names(parent) !== names(t) ? { ...t, ownColumnOrder: true } : t;
  });
  for (const t of tables) {
    if (t.plainInheritance) ctx.unsupported.push({ kind: 'inheritance', object: `table ${t.qname}`, reason: 'uses plain inheritance (INHERITS): copied as a standalone table' });
  }
  return tables;
}

