/**
 * Turns a {@link SchemaModel} into ordered DDL:
 *
 * - `pre` (phase `schema:pre`, before the data): schemas, extensions, types, sequences,
 *   functions, tables (columns, defaults, identity and generated columns, check constraints,
 *   partitions), sequence ownership, views and materialized views (WITH NO DATA).
 * - post (phase `schema:post`, after the data): primary/unique/exclusion keys and indexes
 *   (independent, may run in parallel), index attachment for partitions, foreign keys and
 *   NOT VALID checks, then triggers, row-level security, policies, materialized view refresh
 *   and comments.
 */
import { quoteIdent, quoteLiteral } from '../sql';
import type { Column, SchemaModel, Table, View } from './catalog';
import { statementsFor } from './kinds/privileges';

export interface Statement {
  /** Stable name of the object, e.g. `table public.users`; used in errors and schema comparison. */
  readonly object: string;
  readonly sql: string;
  /** Table the statement belongs to, if any (for error messages and grouping). */
  readonly table?: string;
  /**
   * The not-carried kind (carried.ts) that refuses this statement where the target cannot run
   * it; verify leaves it out when the user skipped that kind.
   */
  readonly kind?: string;
}

export interface DdlPlan {
  readonly pre: Statement[];
  /** Keys and indexes; statements for different tables may run in parallel. */
  readonly postIndexes: Statement[];
  readonly postAttach: Statement[];
  readonly postForeignKeys: Statement[];
  readonly postFinal: Statement[];
  /** Objects left out because they depend on tables outside the selection. */
  readonly skipped: string[];
}

/** Which tables take part: glob patterns on `schema.table` (or `table` for any schema). */
export interface TableFilter {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

const unquote = (qname: string) =>
  (qname.match(/"(?:[^"]|"")*"|[^.]+/g) ?? []).map((p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p)).join('.');

function globToRegex(glob: string): RegExp {
  const esc = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${esc}$`);
}

function matches(patterns: readonly string[], qname: string): boolean {
  const full = unquote(qname);
  const name = full.slice(full.indexOf('.') + 1);
  return patterns.some((p) => (p.includes('.') ? globToRegex(p).test(full) : globToRegex(p).test(name)));
}

/** Tables (plain, partitioned and partitions) selected by the filter; a partition follows its root. */
export function selectTables(model: SchemaModel, filter: TableFilter = {}): Table[] {
  const include = filter.include?.filter(Boolean) ?? [];
  const exclude = filter.exclude?.filter(Boolean) ?? [];
  return model.tables.filter((t) => {
    const names = [t.qname, t.rootQname];
    if (include.length && !names.some((n) => matches(include, n))) return false;
    if (exclude.length && names.some((n) => matches(exclude, n))) return false;
    return true;
  });
}

/** Patterns that match no table, so a typo in --tables is an error rather than an empty copy. */
export function unmatchedPatterns(model: SchemaModel, patterns: readonly string[] = []): string[] {
  return patterns.filter((p) => p && !model.tables.some((t) => matches([p], t.qname)));
}

function seqOptions(s: { start: string; increment: string; min: string; max: string; cache: string; cycle: boolean }): string {
  return `START WITH ${s.start} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} CACHE ${s.cache} ${s.cycle ? 'CYCLE' : 'NO CYCLE'}`;
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

const withOptions = (opts: string[] | null | undefined, toast?: string[] | null) => {
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
function columnSettings(t: { qname: string; columns: Column[] }, parent: Table | undefined): Statement[] {
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

function sortViews(views: View[]): View[] {
  const byOid = new Map(views.map((v) => [v.oid, v]));
  const done = new Set<number>();
  const out: View[] = [];
  const visit = (v: View, stack: Set<number>) => {
    if (done.has(v.oid) || stack.has(v.oid)) return;
    stack.add(v.oid);
    for (const d of v.dependsOn) {
      const dep = byOid.get(d);
      if (dep) visit(dep, stack);
    }
    done.add(v.oid);
    out.push(v);
  };
  for (const v of views) visit(v, new Set());
  return out;
}

/** What a filter keeps: tables, views (only when every relation they read is kept), and why others went. */
interface Selection {
  readonly tables: Table[];
  readonly selected: Set<number>;
  readonly allTables: Set<number>;
  readonly views: View[];
  /** Selected tables and kept views. */
  readonly keptRel: Set<number>;
  /** Views that rely on a key (or read such a view): created after the keys, in schema:post. */
  readonly afterKeys: Set<number>;
  readonly skipped: string[];
}

function selection(model: SchemaModel, filter: TableFilter): Selection {
  const tables = selectTables(model, filter);
  const selected = new Set(tables.map((t) => t.oid));
  const allTables = new Set(model.tables.map((t) => t.oid));
  const skipped: string[] = [];
  const excludedRel = new Set([...allTables].filter((o) => !selected.has(o)));
  const views: View[] = [];
  for (const v of sortViews(model.views)) {
    if (v.dependsOn.some((d) => excludedRel.has(d))) {
      excludedRel.add(v.oid);
      skipped.push(`${v.kind === 'm' ? 'materialized view' : 'view'} ${v.qname} (reads a table outside the selection)`);
    } else views.push(v);
  }
  const afterKeys = new Set<number>();
  for (const v of views) if (v.dependsOnKey || v.dependsOn.some((d) => afterKeys.has(d))) afterKeys.add(v.oid);
  return { tables, selected, allTables, views, keptRel: new Set([...selected, ...views.map((v) => v.oid)]), afterKeys, skipped };
}

/** A relation-bound object is kept when its relation is (objects bound to no relation always are). */
function keeps(model: SchemaModel, sel: Selection, relOid: number | null): boolean {
  if (relOid === null || sel.keptRel.has(relOid)) return true;
  return !sel.allTables.has(relOid) && !model.views.some((v) => v.oid === relOid);
}

/** CREATE VIEW / MATERIALIZED VIEW, then a materialized view's column settings. */
function viewSql(v: View): Statement[] {
  if (v.kind === 'v') return [{ object: `view ${v.qname}`, sql: `CREATE VIEW ${v.qname}${withOptions(v.reloptions)} AS\n${v.definition}` }];
  return [
    { object: `materialized view ${v.qname}`, sql: `CREATE MATERIALIZED VIEW ${v.qname}${withOptions(v.reloptions, v.toastOptions)} AS\n${v.definition}\nWITH NO DATA` },
    ...columnSettings({ qname: v.qname, columns: v.columns ?? [] }, undefined),
  ];
}

function preData(model: SchemaModel, sel: Selection): Statement[] {
  const { selected, allTables } = sel;
  const pre: Statement[] = [];
  for (const s of model.schemas) pre.push({ object: `schema ${quoteIdent(s.name)}`, sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s.name)}` });
  for (const x of model.extensions) {
    pre.push({ object: `extension ${quoteIdent(x.name)}`, sql: `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(x.name)} WITH SCHEMA ${quoteIdent(x.schema)}` });
  }
  for (const c of model.collations) pre.push({ object: `collation ${c.identity}`, sql: c.sql });
  // a shell type needs a superuser to create (target.ts refuses it elsewhere)
  for (const t of model.types) pre.push({ object: `type ${t.qname}`, sql: t.sql, ...(t.kind === 'shell' ? { kind: 'shell-types' } : {}) });
  const ownedSeqs = model.sequences.filter((s) => !s.identity && (!s.ownedBy || selected.has(s.ownedBy.tableOid) || !allTables.has(s.ownedBy.tableOid)));
  for (const s of ownedSeqs) {
    pre.push({ object: `sequence ${s.qname}`, sql: `CREATE ${s.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${s.qname} AS ${s.dataType} ${seqOptions(s)}` });
  }
  // Routines over a table's row type come after the tables (pg_depend), the rest before them.
  for (const f of model.functions.filter((x) => !x.late)) pre.push({ object: `function ${f.identity}`, sql: f.sql });
  for (const o of model.operators) pre.push({ object: `operator ${o.identity}`, sql: o.sql });
  const byName = new Map(model.tables.map((t) => [t.qname, t]));
  for (const t of sel.tables) pre.push(...tableSql(t, t.parent ? byName.get(t.parent) : undefined));
  for (const s of ownedSeqs) {
    if (s.ownedBy && selected.has(s.ownedBy.tableOid)) {
      pre.push({ object: `sequence-owner ${s.qname}`, table: s.ownedBy.table, sql: `ALTER SEQUENCE ${s.qname} OWNED BY ${s.ownedBy.table}.${quoteIdent(s.ownedBy.column)}` });
    }
  }
  for (const v of sel.views.filter((x) => !sel.afterKeys.has(x.oid))) pre.push(...viewSql(v));
  for (const f of model.functions.filter((x) => x.late)) pre.push({ object: `function ${f.identity}`, sql: f.sql });
  pre.push(...lateChecks(sel.tables));
  return pre;
}

/** Keys and indexes, partition index attachment, foreign keys and NOT VALID checks. */
function postKeys(model: SchemaModel, sel: Selection): Pick<DdlPlan, 'postIndexes' | 'postAttach' | 'postForeignKeys'> {
  const { selected } = sel;
  const kindOf = new Map(model.tables.map((t) => [t.qname, t.kind]));
  const postIndexes: Statement[] = [];
  const postForeignKeys: Statement[] = [];
  for (const c of model.constraints) {
    if (!selected.has(c.tableOid)) continue;
    if (c.type === 'f') {
      if (c.refTableOid !== null && !selected.has(c.refTableOid)) {
        sel.skipped.push(`foreign key ${c.name} on ${c.table} (references a table outside the selection)`);
        continue;
      }
      const only = kindOf.get(c.table) === 'p' ? '' : 'ONLY ';
      postForeignKeys.push({ object: `constraint ${c.table}.${quoteIdent(c.name)}`, table: c.table, sql: `ALTER TABLE ${only}${c.table} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
    } else {
      postIndexes.push({ object: `constraint ${c.table}.${quoteIdent(c.name)}`, table: c.table, sql: `ALTER TABLE ONLY ${c.table} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
    }
  }
  for (const t of sel.tables) {
    for (const c of t.checks.filter((k) => k.local && !k.validated)) {
      postForeignKeys.push({ object: `check ${t.qname}.${c.name}`, table: t.qname, sql: `ALTER TABLE ${t.qname} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
    }
  }
  for (const d of model.types) {
    for (const c of d.notValid ?? []) {
      postForeignKeys.push({ object: `domain-check ${d.qname}.${quoteIdent(c.name)}`, sql: `ALTER DOMAIN ${d.qname} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
    }
  }
  const indexes = model.indexes.filter((i) => sel.keptRel.has(i.tableOid) && !sel.afterKeys.has(i.tableOid));
  for (const i of indexes) {
    if (i.valid === false) sel.skipped.push(`index ${i.qname} on ${i.table} (invalid on the source, as a failed CREATE INDEX CONCURRENTLY leaves it; pg_dump skips it too): rebuild it after the copy`);
    else if (i.def) postIndexes.push({ object: `index ${i.qname}`, table: i.table, sql: i.def });
  }
  const postAttach = indexes
    .filter((i) => i.parentIndex && i.valid !== false)
    .sort((a, b) => b.tableDepth - a.tableDepth)
    .map((i) => ({ object: `attach ${i.qname}`, table: i.table, sql: `ALTER INDEX ${i.parentIndex} ATTACH PARTITION ${i.qname}` }));
  return { postIndexes, postAttach, postForeignKeys };
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

/** `ALTER DATABASE <the target database> SET ...`, whatever the target database is called. */
export function databaseSettingSql(setting: string): string {
  const eq = setting.indexOf('=');
  const name = setting.slice(0, eq);
  const value = setting.slice(eq + 1);
  // List settings are stored as a list of (possibly double-quoted) names: set them as a list.
  const LIST = new Set(['search_path', 'temp_tablespaces', 'session_preload_libraries', 'shared_preload_libraries', 'local_preload_libraries']);
  const items = LIST.has(name.toLowerCase())
    ? (value.match(/"(?:[^"]|"")*"|[^,\s][^,]*/g) ?? []).map((v) => v.trim()).map((v) => (v.startsWith('"') ? v.slice(1, -1).replace(/""/g, '"') : v))
    : [value];
  const set = `SET ${quoteIdent(name)} TO ${items.map(quoteLiteral).join(', ')}`;
  return `DO $vn$BEGIN EXECUTE format('ALTER DATABASE %I ', current_database()) || ${quoteLiteral(set)}; END$vn$`;
}

/** Views that rely on a key, created now that the keys exist, with their indexes. */
function viewsAfterKeys(model: SchemaModel, sel: Selection): Statement[] {
  const out: Statement[] = [];
  for (const v of sel.views.filter((x) => sel.afterKeys.has(x.oid))) out.push(...viewSql(v));
  for (const i of model.indexes.filter((x) => sel.afterKeys.has(x.tableOid) && x.def && x.valid !== false)) out.push({ object: `index ${i.qname}`, table: i.table, sql: i.def });
  return out;
}

const TRIGGER_STATE: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS', O: 'ENABLE' };

/** Triggers, then the enabled state of clones on partitions that differ from their parent's (parents first). */
function triggerSql(model: SchemaModel, sel: Selection): Statement[] {
  const out: Statement[] = [];
  const kept = model.triggers.filter((tr) => sel.keptRel.has(tr.tableOid));
  for (const tr of kept.filter((x) => !x.clone)) {
    out.push({ object: `trigger ${tr.table}.${quoteIdent(tr.name)}`, table: tr.table, sql: tr.def });
    const state = tr.enabled === 'O' ? undefined : TRIGGER_STATE[tr.enabled];
    if (state) out.push({ object: `trigger-state ${tr.table}.${quoteIdent(tr.name)}`, table: tr.table, sql: `ALTER TABLE ${tr.table} ${state} TRIGGER ${quoteIdent(tr.name)}` });
  }
  for (const tr of kept.filter((x) => x.clone).sort((a, b) => (a.depth ?? 0) - (b.depth ?? 0))) {
    const state = TRIGGER_STATE[tr.enabled];
    if (state) out.push({ object: `trigger-state ${tr.table}.${quoteIdent(tr.name)}`, table: tr.table, sql: `ALTER TABLE ${tr.table} ${state} TRIGGER ${quoteIdent(tr.name)}` });
  }
  return out;
}

/** `sql` (with `%I` for the database name) run against whatever the target database is called. */
function onThisDatabase(sql: string): string {
  const template = sql.replace(/%/g, '%%').replace('DATABASE %%I', 'DATABASE %I');
  return `DO $vn$BEGIN EXECUTE format(${quoteLiteral(template)}, current_database()); END$vn$`;
}

/** GRANT/REVOKE ON DATABASE, COMMENT ON DATABASE, CONNECTION LIMIT. */
export function databaseSql(model: SchemaModel): Statement[] {
  const d = model.database;
  if (!d) return [];
  const kind = 'database-privileges';
  const out: Statement[] = d.privileges.map((p) => ({ object: `database-privileges ${p.key}`, sql: onThisDatabase(p.sql), kind }));
  if (d.comment !== null) out.push({ object: 'database-comment', sql: onThisDatabase(`COMMENT ON DATABASE %I IS ${quoteLiteral(d.comment)}`), kind });
  if (d.connectionLimit !== -1) out.push({ object: 'database-connection-limit', sql: onThisDatabase(`ALTER DATABASE %I CONNECTION LIMIT ${d.connectionLimit}`), kind });
  return out;
}

function postFinalData(model: SchemaModel, sel: Selection): Statement[] {
  const postFinal: Statement[] = [...viewsAfterKeys(model, sel), ...triggerSql(model, sel)];
  for (const r of model.rules) {
    if (!sel.keptRel.has(r.relOid) || !r.dependsOn.every((d) => keeps(model, sel, d))) {
      if (keeps(model, sel, r.relOid)) sel.skipped.push(`rule ${r.name} on ${r.table} (uses a table outside the selection)`);
      continue;
    }
    postFinal.push({ object: `rule ${r.table}.${quoteIdent(r.name)}`, table: r.table, sql: r.sql });
    const state = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' }[r.enabled];
    if (state) postFinal.push({ object: `rule-state ${r.table}.${quoteIdent(r.name)}`, table: r.table, sql: `ALTER TABLE ${r.table} ${state} RULE ${quoteIdent(r.name)}` });
  }
  for (const t of sel.tables) postFinal.push(...tableSettings(t));
  for (const p of model.policies) {
    if (sel.selected.has(p.tableOid)) postFinal.push({ object: `policy ${p.table}.${quoteIdent(p.name)}`, table: p.table, sql: p.sql });
  }
  for (const s of model.statistics) {
    if (!sel.selected.has(s.tableOid)) continue;
    postFinal.push({ object: `statistics ${s.qname}`, table: s.table, sql: s.sql });
    if (s.target !== null) postFinal.push({ object: `statistics-target ${s.qname}`, table: s.table, sql: `ALTER STATISTICS ${s.qname} SET STATISTICS ${s.target}` });
  }
  for (const v of sel.views) {
    if (v.kind === 'm' && v.populated) postFinal.push({ object: `refresh ${v.qname}`, sql: `REFRESH MATERIALIZED VIEW ${v.qname}` });
  }
  for (const c of model.comments) {
    if (keeps(model, sel, c.relOid)) postFinal.push({ object: `comment ${c.key}`, sql: c.sql });
  }
  for (const p of model.privileges) {
    const kind = p.system ? `${p.system}-privileges` : undefined;
    if (keeps(model, sel, p.relOid)) for (const st of p.statements) postFinal.push({ object: `privileges ${p.object} ${st.key}`, sql: st.sql, ...(kind ? { kind } : {}) });
  }
  // Default privileges last, so they do not touch the objects the copy itself created.
  for (const d of model.defaultPrivileges) for (const st of d.statements) postFinal.push({ object: `default-privileges ${d.object} ${st.key}`, sql: st.sql });
  for (const s of model.settings) postFinal.push({ object: `database-setting ${s.slice(0, s.indexOf('='))}`, sql: databaseSettingSql(s) });
  postFinal.push(...databaseSql(model));
  return postFinal;
}

/** Builds the ordered DDL for the selected part of the model; statements of a kind in `skip` (`--skip`) are left out. */
export function buildDdl(model: SchemaModel, filter: TableFilter = {}, opts: { readonly skip?: readonly string[] } = {}): DdlPlan {
  const sel = selection(model, filter);
  const skip = new Set(opts.skip ?? []);
  const kept = (list: Statement[]) => (skip.size ? list.filter((s) => !s.kind || !skip.has(s.kind)) : list);
  const pre = kept(preData(model, sel));
  const keys = postKeys(model, sel);
  const postFinal = kept(postFinalData(model, sel));
  return { pre, ...keys, postFinal, skipped: sel.skipped };
}

/** Roles the target must have before the copy: named by grants, default privileges and policies. */
export function requiredRoles(model: SchemaModel): string[] {
  const names = [
    ...model.privileges.flatMap((p) => p.roles),
    ...model.defaultPrivileges.flatMap((d) => d.roles),
    ...model.policies.flatMap((p) => p.roles),
    ...(model.database?.roles ?? []),
  ];
  return [...new Set(names)].sort();
}

/** Every statement in execution order. */
export function allStatements(plan: DdlPlan): Statement[] {
  return [...plan.pre, ...plan.postIndexes, ...plan.postAttach, ...plan.postForeignKeys, ...plan.postFinal];
}

/** The DDL as one SQL script (for --dry-run), with the phase of each part. */
export function renderDdl(plan: DdlPlan): string {
  const part = (title: string, list: Statement[]) => (list.length ? [`-- ${title}`, ...list.map((s) => `${s.sql};`), ''] : []);
  return [
    ...part('phase schema:pre', plan.pre),
    ...part('phase schema:post: keys and indexes', plan.postIndexes),
    ...part('phase schema:post: partition index attachment', plan.postAttach),
    ...part('phase schema:post: foreign keys and NOT VALID checks', plan.postForeignKeys),
    ...part('phase schema:post: triggers, row-level security, policies, refresh, comments', plan.postFinal),
  ].join('\n');
}

export interface SignatureOptions {
  /** Not-carried kinds the user skipped (`--skip`): their statements are left out. */
  readonly skip?: readonly string[];
  /** The role that owns the copied objects on the target: its grants are written as CURRENT_USER. */
  readonly self?: string;
}

/** The model with every privilege written as `self` sees it (grants to `self` are the owner's). */
export function asSeenBy(model: SchemaModel, self: string | undefined): SchemaModel {
  if (!self) return model;
  return { ...model, privileges: model.privileges.map((p) => ({ ...p, statements: statementsFor(p, self) })) };
}

/**
 * A comparable description of a schema: object name -> definition. Two databases with equal
 * signatures have the same tables, columns, types, keys, indexes, constraints, sequences
 * (definitions), views, functions, triggers, policies, comments, privileges (of extension
 * members, languages, catalog objects and the database too) and tablespaces.
 */
export function schemaSignature(model: SchemaModel, filter: TableFilter = {}, opts: SignatureOptions = {}): Map<string, string> {
  const skip = new Set(opts.skip ?? []);
  const plan = buildDdl(asSeenBy(model, opts.self), filter, { skip: opts.skip });
  const sig = new Map<string, string>();
  for (const s of allStatements(plan)) {
    if (s.object.startsWith('refresh ')) continue;
    sig.set(s.object, s.sql);
  }
  // Placement the copy refuses (carried.ts): compared so a target that lacks it fails.
  if (!skip.has('tablespaces')) for (const u of model.unsupported.filter((x) => x.kind === 'tablespaces')) sig.set(`tablespace ${u.object}`, u.object);
  return sig;
}
