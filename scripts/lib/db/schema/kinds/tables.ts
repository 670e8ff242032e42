/** Tables (plain, partitioned, partitions) with their columns and check constraints. */
import type { Column, Table } from '../model';
import { quoteIdent } from '../../sql';
import { notExtensionMember, overRowType, q, QN, SYSTEM_NS, type ReadContext, type Row } from './context';
import { heldNames, type Kind, type Statement } from './kind';
import { seqOptions } from './sequences';

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


function columnSql(c: Column): string {
  const parts = [quoteIdent(c.name), c.type];
  if (c.collation) parts.push(`COLLATE ${c.collation}`);
  if (c.generated === 's' && c.defaultExpr) parts.push(`GENERATED ALWAYS AS (${c.defaultExpr}) STORED`);
  else if (c.identity && c.identitySequence) {
    parts.push(`GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (SEQUENCE NAME ${c.identitySequence.qname} ${seqOptions(c.identitySequence)})`);
  } else if (c.defaultExpr) parts.push(`DEFAULT ${c.defaultExpr}`);
  if (c.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

/** ` WITH (...)` of a relation's options and its TOAST table's. */
export const withOptions = (opts: string[] | null | undefined, toast?: string[] | null) => {
  const all = [...(opts ?? []), ...(toast ?? []).map((o) => `toast.${o}`)];
  return all.length ? ` WITH (${all.join(', ')})` : '';
};
const STORAGE: Record<string, string> = { p: 'PLAIN', e: 'EXTERNAL', m: 'MAIN', x: 'EXTENDED' };
const COMPRESSION: Record<string, string> = { '': 'default', p: 'pglz', l: 'lz4' };

/**
 * Per-column settings that CREATE TABLE cannot say: statistics target, storage, compression
 * and attribute options (n_distinct). On a partition also NOT NULL and DEFAULT set on the
 * partition alone. A value is written when it differs from its default or from the parent's,
 * so the result is the same whether or not the partition inherited it.
 */
export function columnSettings(t: { qname: string; columns: Column[] }, parent: Table | undefined): Statement[] {
  const out: Statement[] = [];
  for (const c of t.columns) {
    const p = parent?.columns.find((x) => x.name === c.name);
    const alter = (what: string, sql: string) =>
      out.push({ object: `column-${what} ${t.qname}.${quoteIdent(c.name)}`, table: t.qname, sql: `ALTER TABLE ONLY ${t.qname} ALTER COLUMN ${quoteIdent(c.name)} ${sql}` });
    if (c.statistics !== null || (p && p.statistics !== null)) alter('statistics', `SET STATISTICS ${c.statistics ?? -1}`);
    if (c.storage !== c.typeStorage || (p && p.storage !== c.storage)) alter('storage', `SET STORAGE ${STORAGE[c.storage] ?? 'EXTENDED'}`);
    if (c.compression !== '' || (p && p.compression !== c.compression)) alter('compression', `SET COMPRESSION ${COMPRESSION[c.compression] ?? 'default'}`);
    const opts = (c.options ?? []).join(', ');
    if (opts) alter('options', `SET (${opts})`);
    else if (p?.options?.length) alter('options', `RESET (${p.options.map((o) => o.split('=')[0]).join(', ')})`);
    if (!p || c.generated || c.identity) continue;
    if (c.notNull && !p.notNull) alter('not-null', 'SET NOT NULL');
    if (c.defaultExpr !== null) alter('default', `SET DEFAULT ${c.defaultExpr}`);
    else if (p.defaultExpr !== null) alter('default', 'DROP DEFAULT');
  }
  return out;
}

function tableSql(t: Table, parent: Table | undefined): Statement[] {
  const create = `CREATE ${t.unlogged ? 'UNLOGGED ' : ''}TABLE ${t.qname}`;
  const partitionBy = t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : '';
  const out: Statement[] = [];
  const check = (c: { name: string; def: string }) => ({ object: `check ${t.qname}.${c.name}`, table: t.qname, sql: `ALTER TABLE ${t.qname} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
  if (t.parent && !t.ownColumnOrder) {
    out.push({ object: `table ${t.qname}`, table: t.qname, sql: `${create} PARTITION OF ${t.parent} ${t.partitionBound}${partitionBy}${withOptions(t.reloptions, t.toastOptions)}` });
    for (const c of t.checks.filter((k) => k.local && !k.inherited && k.validated && !k.late)) out.push(check(c));
  } else {
    // A partition with columns in its own order is created apart (with its parent's checks, which
    // ATTACH PARTITION requires) and attached, as pg_dump does.
    const items = t.columns.map(columnSql);
    for (const c of t.checks.filter((k) => (k.local || t.ownColumnOrder) && k.validated && !k.late)) items.push(`CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
    const body = items.length ? `(\n  ${items.join(',\n  ')}\n)` : '()';
    out.push({ object: `table ${t.qname}`, table: t.qname, sql: `${create} ${body}${partitionBy}${withOptions(t.reloptions, t.toastOptions)}` });
    if (t.ofType) out.push({ object: `table-of ${t.qname}`, table: t.qname, sql: `ALTER TABLE ONLY ${t.qname} OF ${t.ofType}` });
    if (t.parent) out.push({ object: `attach-partition ${t.qname}`, table: t.qname, sql: `ALTER TABLE ONLY ${t.parent} ATTACH PARTITION ${t.qname} ${t.partitionBound}` });
  }
  out.push(...columnSettings(t, parent));
  return out;
}

/** Checks that call a function over a table's row type: added once those functions exist. */
function lateChecks(tables: readonly Table[]): Statement[] {
  return tables.flatMap((t) =>
    t.checks
      // a partition's inherited ones come with its parent's (ALTER TABLE recurses)
      .filter((k) => k.late && k.validated && k.local && !(t.parent && k.inherited))
      .map((c) => ({ object: `check ${t.qname}.${c.name}`, table: t.qname, sql: `ALTER TABLE ${t.qname} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` })),
  );
}

/** NOT VALID checks, added after the data. */
function notValidChecks(tables: readonly Table[]): Statement[] {
  return tables.flatMap((t) =>
    t.checks.filter((k) => k.local && !k.validated).map((c) => ({ object: `check ${t.qname}.${c.name}`, table: t.qname, sql: `ALTER TABLE ${t.qname} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` })),
  );
}

const REPLICA: Record<string, string> = { f: 'FULL', n: 'NOTHING' };

/** Per-table settings after the keys: row-level security, replica identity, CLUSTER ON. */
function tableSettings(t: Table): Statement[] {
  const out: Statement[] = [];
  const add = (what: string, sql: string) => out.push({ object: `${what} ${t.qname}`, table: t.qname, sql: `ALTER TABLE ONLY ${t.qname} ${sql}` });
  if (t.rlsEnabled) out.push({ object: `rls ${t.qname}`, table: t.qname, sql: `ALTER TABLE ${t.qname} ENABLE ROW LEVEL SECURITY` });
  if (t.rlsForced) out.push({ object: `rls-force ${t.qname}`, table: t.qname, sql: `ALTER TABLE ${t.qname} FORCE ROW LEVEL SECURITY` });
  if (REPLICA[t.replicaIdentity]) add('replica-identity', `REPLICA IDENTITY ${REPLICA[t.replicaIdentity]}`);
  if (t.replicaIdentity === 'i' && t.replicaIndex) add('replica-identity', `REPLICA IDENTITY USING INDEX ${t.replicaIndex}`);
  if (t.clusterOn) add('cluster-on', `CLUSTER ON ${t.clusterOn}`);
  return out;
}

const dropTable = (qname: string) => `DROP TABLE IF EXISTS ${qname} CASCADE`;

export const tables: Kind = {
  name: 'tables',
  fields: ['tables'],
  read: async (ctx) => ({ tables: await readTables(ctx) }),
  emit: [
    {
      phase: 'pre',
      at: 80,
      statements: ({ model, sel }) => {
        const byName = new Map(model.tables.map((t) => [t.qname, t]));
        return sel.tables.flatMap((t) => tableSql(t, t.parent ? byName.get(t.parent) : undefined));
      },
    },
    { phase: 'pre', at: 120, statements: ({ sel }) => lateChecks(sel.tables) },
    { phase: 'post:foreign-keys', at: 220, statements: ({ sel }) => notValidChecks(sel.tables) },
    { phase: 'post:final', at: 340, statements: ({ sel }) => sel.tables.flatMap(tableSettings) },
  ],
  // a partition goes with its root (CASCADE)
  undo: {
    pass: 1,
    statement(o, { model, reload }) {
      if (!o.startsWith('table ')) return undefined;
      const qname = o.slice('table '.length);
      return model.tables.some((t) => t.qname === qname && !t.parent) && !reload.includes(qname) ? dropTable(qname) : undefined;
    },
  },
  force: {
    drop: {
      at: 10,
      statements: ({ sel, targetModel }) => {
        const has = heldNames(targetModel);
        return [...sel.tables.filter((x) => !x.parent && has.has(x.qname)), ...sel.tables.filter((x) => x.parent && has.has(x.qname))].map((t) => dropTable(t.qname));
      },
    },
    drops: ({ dropped }) => [...dropped].map(dropTable),
    inside: ({ sel }) => sel.tables.map((t) => t.qname),
    cascade: { catalog: 'pg_class', from: 'pg_class x JOIN pg_namespace n ON n.oid = x.relnamespace', name: `format('%I.%I', n.nspname, x.relname)`, names: (model) => model.tables.map((t) => t.qname) },
  },
};
