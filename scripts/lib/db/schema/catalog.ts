/**
 * Reads a database's schema from the system catalogs (no pg_dump needed, so any server
 * version from 13 up works, including newer than the local client binaries).
 *
 * The reader returns a plain model; `ddl.ts` turns it into ordered statements. Objects that
 * belong to extensions and system schemas are left out (the extension brings them).
 */
import type { ClientBase } from 'pg';
import { quoteIdent } from '../sql';
import type { NotCarried } from './carried';

export interface Column {
  readonly name: string;
  readonly type: string;
  readonly typeOid: number;
  readonly notNull: boolean;
  /** '' | 'a' (ALWAYS) | 'd' (BY DEFAULT) */
  readonly identity: string;
  /** '' | 's' (stored generated column) */
  readonly generated: string;
  readonly defaultExpr: string | null;
  readonly collation: string | null;
  /** True when COPY BINARY can carry the type between clusters (built-in type). */
  readonly builtinType: boolean;
  readonly identitySequence: SequenceOptions | null;
}

export interface SequenceOptions {
  readonly qname: string;
  readonly dataType: string;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cache: string;
  readonly cycle: boolean;
}

export interface Table {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  /** 'r' plain table, 'p' partitioned table (holds no rows itself) */
  readonly kind: 'r' | 'p';
  readonly unlogged: boolean;
  readonly parent: string | null;
  readonly partitionBound: string | null;
  readonly partitionKey: string | null;
  readonly partitionDepth: number;
  readonly rootQname: string;
  readonly reloptions: string[] | null;
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  readonly estimatedRows: number;
  /** Total size with indexes and TOAST. */
  readonly bytes: number;
  /** Heap pages of the table itself (for splitting big tables into block ranges). */
  readonly pages: number;
  readonly hasPrimaryKey: boolean;
  readonly replicaIdentity: string;
  /** Inherits from a non-partition parent (plain inheritance, not carried). */
  readonly plainInheritance: boolean;
  readonly columns: Column[];
  /** Check constraints created with the table: name and definition. */
  readonly checks: { readonly name: string; readonly def: string; readonly validated: boolean; readonly local: boolean; readonly inherited: boolean }[];
}

export interface View {
  readonly oid: number;
  readonly qname: string;
  readonly kind: 'v' | 'm';
  readonly definition: string;
  readonly reloptions: string[] | null;
  readonly populated: boolean;
  /** Tables and views this view reads. */
  readonly dependsOn: number[];
}

export interface Index {
  readonly oid: number;
  readonly qname: string;
  readonly tableOid: number;
  readonly table: string;
  readonly def: string;
  /** Parent index this one is a partition of (ALTER INDEX parent ATTACH PARTITION this). */
  readonly parentIndex: string | null;
  readonly tableDepth: number;
}

export interface Constraint {
  readonly name: string;
  readonly tableOid: number;
  readonly table: string;
  /** p primary key, u unique, x exclusion, f foreign key, c check */
  readonly type: 'p' | 'u' | 'x' | 'f' | 'c';
  readonly def: string;
  readonly refTableOid: number | null;
  readonly indexQname: string | null;
}

export interface Sequence extends SequenceOptions {
  readonly schema: string;
  readonly name: string;
  readonly unlogged: boolean;
  readonly ownedBy: { readonly table: string; readonly tableOid: number; readonly column: string } | null;
  /** Identity sequences are created by their table. */
  readonly identity: boolean;
}

export interface TypeDef {
  readonly oid: number;
  readonly qname: string;
  readonly kind: 'enum' | 'domain' | 'composite';
  readonly sql: string;
}

export interface Trigger {
  readonly name: string;
  readonly tableOid: number;
  readonly table: string;
  readonly def: string;
  readonly enabled: string;
}

export interface Policy {
  readonly name: string;
  readonly tableOid: number;
  readonly table: string;
  readonly sql: string;
}

export interface CommentDef {
  readonly relOid: number | null;
  readonly sql: string;
  readonly key: string;
}

export interface SchemaModel {
  readonly serverVersion: string;
  readonly serverVersionNum: number;
  readonly schemas: { readonly name: string }[];
  readonly extensions: { readonly name: string; readonly schema: string; readonly version: string }[];
  readonly types: TypeDef[];
  readonly functions: { readonly oid: number; readonly identity: string; readonly sql: string }[];
  readonly sequences: Sequence[];
  readonly tables: Table[];
  readonly views: View[];
  readonly indexes: Index[];
  readonly constraints: Constraint[];
  readonly triggers: Trigger[];
  readonly policies: Policy[];
  readonly comments: CommentDef[];
  /** What the copy cannot carry (also reported by db:audit); see carried.ts. */
  readonly unsupported: NotCarried[];
}

const SYSTEM_NS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
const notExtensionMember = (classRel: string, oidExpr: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${classRel}'::regclass AND e.objid = ${oidExpr} AND e.deptype = 'e')`;

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function q(client: ClientBase, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await client.query(sql, params)).rows;
}

const QN = (ns: string, rel: string) => `format('%I.%I', ${ns}, ${rel})`;

/** Reads the schema of the connected database. Run inside the copy's snapshot transaction. */
export async function readSchema(client: ClientBase): Promise<SchemaModel> {
  // With an empty search_path every name the pg_get_*def functions print is schema-qualified.
  await client.query(`SELECT set_config('search_path', '', false)`);
  const [{ server_version: serverVersion, num }] = await q(
    client,
    `SELECT current_setting('server_version') AS server_version, current_setting('server_version_num')::int AS num`,
  );
  const v = Number(num);
  const unsupported: NotCarried[] = [];

  const schemas = (
    await q(client, `SELECT n.nspname AS name FROM pg_namespace n WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_namespace', 'n.oid')} ORDER BY n.nspname`)
  ).map((r) => ({ name: r.name as string }));

  const extensions = (
    await q(
      client,
      `SELECT x.extname AS name, n.nspname AS schema, x.extversion AS version FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
       WHERE x.extname <> 'plpgsql' ORDER BY x.oid`,
    )
  ).map((r) => ({ name: r.name as string, schema: r.schema as string, version: r.version as string }));

  // --- types
  const typeRows = await q(
    client,
    `SELECT t.oid, ${QN('n.nspname', 't.typname')} AS qname, t.typtype, t.typrelid,
            format_type(t.typbasetype, t.typtypmod) AS basetype, t.typnotnull, t.typdefault,
            CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                 THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END AS coll,
            (SELECT array_agg(quote_literal(e.enumlabel) ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
            (SELECT array_agg(format('CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)) ORDER BY c.conname)
               FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c') AS checks,
            (SELECT array_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attrs
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
       LEFT JOIN pg_class tc ON tc.oid = t.typrelid
       WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_type', 't.oid')}
         AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND tc.relkind = 'c') OR (t.typtype = 'b' AND t.typelem = 0))
       ORDER BY t.oid`,
  );
  const types: TypeDef[] = [];
  for (const r of typeRows) {
    if (r.typtype === 'e') {
      types.push({ oid: r.oid, qname: r.qname, kind: 'enum', sql: `CREATE TYPE ${r.qname} AS ENUM (${(r.labels ?? []).join(', ')})` });
    } else if (r.typtype === 'd') {
      const parts = [`CREATE DOMAIN ${r.qname} AS ${r.basetype}`];
      if (r.coll) parts.push(`COLLATE ${r.coll}`);
      if (r.typdefault !== null) parts.push(`DEFAULT ${r.typdefault}`);
      if (r.typnotnull) parts.push('NOT NULL');
      for (const c of r.checks ?? []) parts.push(c);
      types.push({ oid: r.oid, qname: r.qname, kind: 'domain', sql: parts.join(' ') });
    } else if (r.typtype === 'c') {
      types.push({ oid: r.oid, qname: r.qname, kind: 'composite', sql: `CREATE TYPE ${r.qname} AS (${(r.attrs ?? []).join(', ')})` });
    } else {
      unsupported.push({ kind: r.typtype === 'r' || r.typtype === 'm' ? 'range-types' : 'base-types', object: `type ${r.qname}`, reason: 'not carried: create it on the target first' });
    }
  }

  // --- functions and procedures
  const functions = (
    await q(
      client,
      `SELECT p.oid, format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS identity, p.prokind,
              CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END AS sql
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_proc', 'p.oid')} ORDER BY p.oid`,
    )
  ).flatMap((r) => {
    if (!r.sql) {
      unsupported.push({ kind: r.prokind === 'a' ? 'aggregates' : 'window-functions', object: `${r.prokind === 'a' ? 'aggregate' : 'window function'} ${r.identity}`, reason: 'not carried: create it on the target first' });
      return [];
    }
    return [{ oid: r.oid as number, identity: r.identity as string, sql: (r.sql as string).trim() }];
  });

  // --- tables
  const tableRows = await q(
    client,
    `WITH RECURSIVE tree AS (
       SELECT c.oid, c.oid AS root, 0 AS depth FROM pg_class c WHERE NOT c.relispartition AND c.relkind IN ('r', 'p')
       UNION ALL SELECT i.inhrelid, tree.root, tree.depth + 1 FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid
         JOIN pg_class k ON k.oid = i.inhrelid AND k.relispartition)
     SELECT c.oid, n.nspname AS schema, c.relname AS name, ${QN('n.nspname', 'c.relname')} AS qname, c.relkind, c.relpersistence,
            c.relrowsecurity, c.relforcerowsecurity, c.reltuples::float8 AS reltuples, pg_total_relation_size(c.oid) AS bytes,
            (pg_relation_size(c.oid) / current_setting('block_size')::int)::int8 AS pages,
            c.reloptions, c.relreplident,
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
      ORDER BY coalesce(tree.depth, 0), c.oid`,
  );
  const tableOids = tableRows.map((r) => Number(r.oid));
  const colRows = await q(
    client,
    `SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.atttypid::int AS typeoid, a.attnotnull,
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
      ORDER BY a.attrelid, a.attnum`,
    [tableOids],
  );
  const checkRows = await q(
    client,
    `SELECT c.conrelid, c.conname, pg_get_constraintdef(c.oid) AS def, c.convalidated, c.conislocal, c.coninhcount
       FROM pg_constraint c WHERE c.contype = 'c' AND c.conrelid = ANY($1::oid[]) ORDER BY c.conrelid, c.conname`,
    [tableOids],
  );
  const colsBy = new Map<number, Column[]>();
  for (const r of colRows) {
    const list = colsBy.get(Number(r.attrelid)) ?? [];
    list.push({
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
    });
    colsBy.set(Number(r.attrelid), list);
  }
  const checksBy = new Map<number, Table['checks'][number][]>();
  for (const r of checkRows) {
    const list = checksBy.get(Number(r.conrelid)) ?? [];
    list.push({ name: r.conname, def: r.def, validated: r.convalidated, local: r.conislocal, inherited: Number(r.coninhcount) > 0 });
    checksBy.set(Number(r.conrelid), list);
  }
  const tables: Table[] = tableRows.map((r) => ({
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
    rlsEnabled: r.relrowsecurity,
    rlsForced: r.relforcerowsecurity,
    estimatedRows: Math.max(0, Number(r.reltuples)),
    bytes: Number(r.bytes),
    pages: Number(r.pages),
    hasPrimaryKey: r.has_pk,
    replicaIdentity: r.relreplident,
    plainInheritance: r.plain_inheritance,
    columns: colsBy.get(Number(r.oid)) ?? [],
    checks: checksBy.get(Number(r.oid)) ?? [],
  }));
  for (const t of tables) {
    if (t.plainInheritance) unsupported.push({ kind: 'inheritance', object: `table ${t.qname}`, reason: 'uses plain inheritance (INHERITS): copied as a standalone table' });
  }

  // --- sequences
  const sequences: Sequence[] = (
    await q(
      client,
      `SELECT n.nspname AS schema, c.relname AS name, ${QN('n.nspname', 'c.relname')} AS qname, c.relpersistence,
              format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS inc, s.seqmin::text AS min,
              s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
              d.deptype, d.refobjid AS tableoid, CASE WHEN tc.oid IS NOT NULL THEN ${QN('tn.nspname', 'tc.relname')} END AS tablename, a.attname AS colname
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
         LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
         LEFT JOIN pg_class tc ON tc.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE c.relkind = 'S' AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
        ORDER BY c.oid`,
    )
  ).map((r) => ({
    schema: r.schema,
    name: r.name,
    qname: r.qname,
    unlogged: r.relpersistence === 'u',
    dataType: r.type,
    start: r.start,
    increment: r.inc,
    min: r.min,
    max: r.max,
    cache: r.cache,
    cycle: r.cycle,
    identity: r.deptype === 'i',
    ownedBy: r.deptype ? { table: r.tablename, tableOid: Number(r.tableoid), column: r.colname } : null,
  }));

  // --- views and materialized views
  const views: View[] = (
    await q(
      client,
      `SELECT c.oid, ${QN('n.nspname', 'c.relname')} AS qname, c.relkind, pg_get_viewdef(c.oid) AS def, c.reloptions, c.relispopulated,
              (SELECT array_agg(DISTINCT d.refobjid::int) FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                 WHERE rw.ev_class = c.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid) AS deps
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm') AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
        ORDER BY c.oid`,
    )
  ).map((r) => ({
    oid: Number(r.oid),
    qname: r.qname,
    kind: r.relkind,
    definition: (r.def as string).trim().replace(/;$/, ''),
    reloptions: r.reloptions,
    populated: r.relispopulated,
    dependsOn: (r.deps ?? []).map(Number),
  }));

  // --- indexes that are not created by a constraint
  const relOids = [...tableOids, ...views.filter((w) => w.kind === 'm').map((w) => w.oid)];
  const depthOf = new Map(tables.map((t) => [t.oid, t.partitionDepth]));
  const indexes: Index[] = (
    await q(
      client,
      `SELECT i.indexrelid::int AS oid, ${QN('n.nspname', 'ic.relname')} AS qname, i.indrelid::int AS tableoid, ${QN('tn.nspname', 'tc.relname')} AS tablename,
              pg_get_indexdef(i.indexrelid) AS def,
              (SELECT ${QN('pn.nspname', 'pc.relname')} FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
                 JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = i.indexrelid) AS parent
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
         JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
        WHERE i.indrelid = ANY($1::oid[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
        ORDER BY i.indexrelid`,
      [relOids],
    )
  ).map((r) => ({
    oid: r.oid,
    qname: r.qname,
    tableOid: r.tableoid,
    table: r.tablename,
    def: r.def,
    parentIndex: r.parent,
    tableDepth: depthOf.get(r.tableoid) ?? 0,
  }));

  // --- constraints created after the data (keys, exclusion, foreign keys, NOT VALID checks)
  const constraints: Constraint[] = [];
  const conRows = await q(
    client,
    `SELECT k.conname, k.conrelid::int AS tableoid, ${QN('n.nspname', 'c.relname')} AS tablename, k.contype, pg_get_constraintdef(k.oid) AS def,
            nullif(k.confrelid, 0)::int AS reftable, k.convalidated,
            CASE WHEN k.contype IN ('p', 'u', 'x') THEN (SELECT ${QN('inn.nspname', 'ic.relname')} FROM pg_class ic JOIN pg_namespace inn ON inn.oid = ic.relnamespace WHERE ic.oid = k.conindid) END AS indexname,
            (SELECT ${QN('pn.nspname', 'pc.relname')} FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
               JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = k.conindid AND k.contype IN ('p', 'u', 'x')) AS parentindex
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.conrelid = ANY($1::oid[]) AND k.contype IN ('p', 'u', 'x', 'f')
        AND (k.contype <> 'f' OR k.conparentid = 0)
      ORDER BY k.contype = 'f', k.conrelid, k.conname`,
    [tableOids],
  );
  for (const r of conRows) {
    constraints.push({ name: r.conname, tableOid: r.tableoid, table: r.tablename, type: r.contype, def: r.def, refTableOid: r.reftable, indexQname: r.indexname });
    if (r.parentindex) {
      indexes.push({
        oid: 0,
        qname: r.indexname,
        tableOid: r.tableoid,
        table: r.tablename,
        def: '',
        parentIndex: r.parentindex,
        tableDepth: depthOf.get(r.tableoid) ?? 0,
      });
    }
  }

  // --- triggers
  const triggers: Trigger[] = (
    await q(
      client,
      `SELECT t.tgname AS name, t.tgrelid::int AS tableoid, ${QN('n.nspname', 'c.relname')} AS tablename, pg_get_triggerdef(t.oid) AS def, t.tgenabled
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND ${v >= 130000 ? 't.tgparentid = 0' : 'true'} AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
        ORDER BY c.oid, t.tgname`,
    )
  ).map((r) => ({ name: r.name, tableOid: r.tableoid, table: r.tablename, def: r.def, enabled: r.tgenabled }));

  // --- row-level security policies
  const policies: Policy[] = (
    await q(
      client,
      `SELECT p.polname, p.polrelid::int AS tableoid, ${QN('n.nspname', 'c.relname')} AS tablename, p.polcmd, p.polpermissive,
              (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END, ', ' ORDER BY 1) FROM unnest(p.polroles) r) AS roles,
              pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS withcheck
         FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${SYSTEM_NS} ORDER BY c.oid, p.polname`,
    )
  ).map((r) => {
    const cmd = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' }[r.polcmd as string] ?? 'ALL';
    let sql = `CREATE POLICY ${quoteIdent(r.polname)} ON ${r.tablename} AS ${r.polpermissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${cmd} TO ${r.roles}`;
    if (r.qual) sql += ` USING (${r.qual})`;
    if (r.withcheck) sql += ` WITH CHECK (${r.withcheck})`;
    return { name: r.polname, tableOid: r.tableoid, table: r.tablename, sql };
  });

  // --- comments
  const COMMENT_KIND: Record<string, string> = {
    table: 'TABLE',
    'table column': 'COLUMN',
    'view column': 'COLUMN',
    'materialized view column': 'COLUMN',
    view: 'VIEW',
    'materialized view': 'MATERIALIZED VIEW',
    sequence: 'SEQUENCE',
    index: 'INDEX',
    type: 'TYPE',
    'composite type': 'TYPE',
    domain: 'DOMAIN',
    function: 'FUNCTION',
    procedure: 'PROCEDURE',
    schema: 'SCHEMA',
    'table constraint': 'CONSTRAINT',
    'domain constraint': 'CONSTRAINT',
    trigger: 'TRIGGER',
    policy: 'POLICY',
  };
  const comments: CommentDef[] = (
    await q(
      client,
      `SELECT o.type, o.identity, quote_literal(d.description) AS text,
              CASE d.classoid WHEN 'pg_class'::regclass THEN coalesce((SELECT ix.indrelid FROM pg_index ix WHERE ix.indexrelid = d.objoid), d.objoid)
                              WHEN 'pg_constraint'::regclass THEN (SELECT nullif(k.conrelid, 0) FROM pg_constraint k WHERE k.oid = d.objoid)
                              WHEN 'pg_trigger'::regclass THEN (SELECT tg.tgrelid FROM pg_trigger tg WHERE tg.oid = d.objoid)
                              WHEN 'pg_policy'::regclass THEN (SELECT po.polrelid FROM pg_policy po WHERE po.oid = d.objoid) END::int AS reloid
         FROM pg_description d, LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
        WHERE d.objoid >= 16384 AND o.schema IS DISTINCT FROM 'pg_catalog' AND o.schema IS DISTINCT FROM 'information_schema'
          AND d.classoid IN ('pg_class'::regclass, 'pg_type'::regclass, 'pg_proc'::regclass, 'pg_namespace'::regclass,
                             'pg_constraint'::regclass, 'pg_trigger'::regclass, 'pg_policy'::regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
        ORDER BY o.type, o.identity`,
    )
  ).flatMap((r) => {
    const kind = COMMENT_KIND[r.type as string];
    if (!kind) return [];
    let target = r.identity as string;
    if (r.type === 'domain constraint') target = target.replace(/ on (.*)$/, ' ON DOMAIN $1');
    else if (kind === 'CONSTRAINT' || kind === 'TRIGGER' || kind === 'POLICY') target = target.replace(/ on (.*)$/, ' ON $1');
    return [{ relOid: r.reloid ?? null, key: `${kind} ${target}`, sql: `COMMENT ON ${kind} ${target} IS ${r.text}` }];
  });

  // --- objects nobody should expect to be carried
  const [misc] = await q(
    client,
    `SELECT (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects,
            (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'f' AND ${SYSTEM_NS})::int AS foreign_tables,
            (SELECT count(*) FROM pg_event_trigger)::int AS event_triggers,
            (SELECT count(*) FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_collation', 'co.oid')})::int AS collations,
            (SELECT count(*) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_operator', 'o.oid')})::int AS operators,
            (SELECT count(*) FROM pg_publication)::int AS publications`,
  );
  if (misc.large_objects > 0) unsupported.push({ kind: 'large-objects', object: `${misc.large_objects} large object(s)`, reason: 'pg_largeobject is not carried: move them into bytea columns first' });
  if (misc.foreign_tables > 0) unsupported.push({ kind: 'foreign-tables', object: `${misc.foreign_tables} foreign table(s)`, reason: 'not carried' });
  if (misc.event_triggers > 0) unsupported.push({ kind: 'event-triggers', object: `${misc.event_triggers} event trigger(s)`, reason: 'not carried: they need a superuser, which RDS does not grant' });
  if (misc.collations > 0) unsupported.push({ kind: 'collations', object: `${misc.collations} user-defined collation(s)`, reason: 'not carried: create them on the target first' });
  if (misc.operators > 0) unsupported.push({ kind: 'operators', object: `${misc.operators} user-defined operator(s)`, reason: 'not carried: create them on the target first' });
  if (misc.publications > 0) unsupported.push({ kind: 'publications', object: `${misc.publications} publication(s)`, reason: 'not carried' });

  return {
    serverVersion,
    serverVersionNum: v,
    schemas,
    extensions,
    types,
    functions,
    sequences,
    tables,
    views,
    indexes,
    constraints,
    triggers,
    policies,
    comments,
    unsupported,
  };
}

