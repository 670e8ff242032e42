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
import { quoteIdent } from '../sql';
import type { Column, SchemaModel, Table, View } from './catalog';

export interface Statement {
  /** Stable name of the object, e.g. `table public.users`; used in errors and schema comparison. */
  readonly object: string;
  readonly sql: string;
  /** Table the statement belongs to, if any (for error messages and grouping). */
  readonly table?: string;
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

const withOptions = (opts: string[] | null) => (opts && opts.length ? ` WITH (${opts.join(', ')})` : '');

function tableSql(t: Table): Statement[] {
  const create = `CREATE ${t.unlogged ? 'UNLOGGED ' : ''}TABLE ${t.qname}`;
  const partitionBy = t.partitionKey ? ` PARTITION BY ${t.partitionKey}` : '';
  const out: Statement[] = [];
  if (t.parent) {
    out.push({ object: `table ${t.qname}`, table: t.qname, sql: `${create} PARTITION OF ${t.parent} ${t.partitionBound}${partitionBy}${withOptions(t.reloptions)}` });
    for (const c of t.checks.filter((k) => k.local && !k.inherited && k.validated)) {
      out.push({ object: `check ${t.qname}.${c.name}`, table: t.qname, sql: `ALTER TABLE ${t.qname} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
    }
    return out;
  }
  const items = t.columns.map(columnSql);
  for (const c of t.checks.filter((k) => k.local && k.validated)) items.push(`CONSTRAINT ${quoteIdent(c.name)} ${c.def}`);
  out.push({ object: `table ${t.qname}`, table: t.qname, sql: `${create} (\n  ${items.join(',\n  ')}\n)${partitionBy}${withOptions(t.reloptions)}` });
  return out;
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

/** Builds the ordered DDL for the selected part of the model. */
export function buildDdl(model: SchemaModel, filter: TableFilter = {}): DdlPlan {
  const tables = selectTables(model, filter);
  const selected = new Set(tables.map((t) => t.oid));
  const allTables = new Set(model.tables.map((t) => t.oid));
  const skipped: string[] = [];
  const kindOf = new Map(model.tables.map((t) => [t.qname, t.kind]));

  // Views are kept only when every relation they read is kept.
  const excludedRel = new Set([...allTables].filter((o) => !selected.has(o)));
  const views: View[] = [];
  for (const v of sortViews(model.views)) {
    if (v.dependsOn.some((d) => excludedRel.has(d))) {
      excludedRel.add(v.oid);
      skipped.push(`${v.kind === 'm' ? 'materialized view' : 'view'} ${v.qname} (reads a table outside the selection)`);
    } else views.push(v);
  }
  const keptRel = new Set([...selected, ...views.map((v) => v.oid)]);

  const pre: Statement[] = [];
  for (const s of model.schemas) pre.push({ object: `schema ${quoteIdent(s.name)}`, sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s.name)}` });
  for (const x of model.extensions) {
    pre.push({ object: `extension ${quoteIdent(x.name)}`, sql: `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(x.name)} WITH SCHEMA ${quoteIdent(x.schema)}` });
  }
  for (const t of model.types) pre.push({ object: `type ${t.qname}`, sql: t.sql });
  const ownedSeqs = model.sequences.filter((s) => !s.identity && (!s.ownedBy || selected.has(s.ownedBy.tableOid) || !allTables.has(s.ownedBy.tableOid)));
  for (const s of ownedSeqs) {
    pre.push({ object: `sequence ${s.qname}`, sql: `CREATE ${s.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${s.qname} AS ${s.dataType} ${seqOptions(s)}` });
  }
  for (const f of model.functions) pre.push({ object: `function ${f.identity}`, sql: f.sql });
  for (const t of tables) pre.push(...tableSql(t));
  for (const s of ownedSeqs) {
    if (s.ownedBy && selected.has(s.ownedBy.tableOid)) {
      pre.push({ object: `sequence-owner ${s.qname}`, table: s.ownedBy.table, sql: `ALTER SEQUENCE ${s.qname} OWNED BY ${s.ownedBy.table}.${quoteIdent(s.ownedBy.column)}` });
    }
  }
  for (const v of views) {
    pre.push(
      v.kind === 'v'
        ? { object: `view ${v.qname}`, sql: `CREATE VIEW ${v.qname}${withOptions(v.reloptions)} AS\n${v.definition}` }
        : { object: `materialized view ${v.qname}`, sql: `CREATE MATERIALIZED VIEW ${v.qname}${withOptions(v.reloptions)} AS\n${v.definition}\nWITH NO DATA` },
    );
  }

  const postIndexes: Statement[] = [];
  const postForeignKeys: Statement[] = [];
  for (const c of model.constraints) {
    if (!selected.has(c.tableOid)) continue;
    if (c.type === 'f') {
      if (c.refTableOid !== null && !selected.has(c.refTableOid)) {
        skipped.push(`foreign key ${c.name} on ${c.table} (references a table outside the selection)`);
        continue;
      }
      const only = kindOf.get(c.table) === 'p' ? '' : 'ONLY ';
      postForeignKeys.push({ object: `constraint ${c.table}.${quoteIdent(c.name)}`, table: c.table, sql: `ALTER TABLE ${only}${c.table} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
    } else {
      postIndexes.push({ object: `constraint ${c.table}.${quoteIdent(c.name)}`, table: c.table, sql: `ALTER TABLE ONLY ${c.table} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
    }
  }
  for (const t of tables) {
    for (const c of t.checks.filter((k) => k.local && !k.validated)) {
      postForeignKeys.push({ object: `check ${t.qname}.${c.name}`, table: t.qname, sql: `ALTER TABLE ${t.qname} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` });
    }
  }
  const indexes = model.indexes.filter((i) => keptRel.has(i.tableOid));
  for (const i of indexes) if (i.def) postIndexes.push({ object: `index ${i.qname}`, table: i.table, sql: i.def });
  const postAttach = indexes
    .filter((i) => i.parentIndex)
    .sort((a, b) => b.tableDepth - a.tableDepth)
    .map((i) => ({ object: `attach ${i.qname}`, table: i.table, sql: `ALTER INDEX ${i.parentIndex} ATTACH PARTITION ${i.qname}` }));

  const postFinal: Statement[] = [];
  for (const tr of model.triggers) {
    if (!selected.has(tr.tableOid)) continue;
    postFinal.push({ object: `trigger ${tr.table}.${quoteIdent(tr.name)}`, table: tr.table, sql: tr.def });
    const state = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' }[tr.enabled];
    if (state) postFinal.push({ object: `trigger-state ${tr.table}.${quoteIdent(tr.name)}`, table: tr.table, sql: `ALTER TABLE ${tr.table} ${state} TRIGGER ${quoteIdent(tr.name)}` });
  }
  for (const t of tables) {
    if (t.rlsEnabled) postFinal.push({ object: `rls ${t.qname}`, table: t.qname, sql: `ALTER TABLE ${t.qname} ENABLE ROW LEVEL SECURITY` });
    if (t.rlsForced) postFinal.push({ object: `rls-force ${t.qname}`, table: t.qname, sql: `ALTER TABLE ${t.qname} FORCE ROW LEVEL SECURITY` });
  }
  for (const p of model.policies) {
    if (selected.has(p.tableOid)) postFinal.push({ object: `policy ${p.table}.${quoteIdent(p.name)}`, table: p.table, sql: p.sql });
  }
  for (const v of views) {
    if (v.kind === 'm' && v.populated) postFinal.push({ object: `refresh ${v.qname}`, sql: `REFRESH MATERIALIZED VIEW ${v.qname}` });
  }
  for (const c of model.comments) {
    if (c.relOid !== null && allTables.has(c.relOid) && !selected.has(c.relOid)) continue;
    if (c.relOid !== null && model.views.some((v) => v.oid === c.relOid) && !keptRel.has(c.relOid)) continue;
    postFinal.push({ object: `comment ${c.key}`, sql: c.sql });
  }
  return { pre, postIndexes, postAttach, postForeignKeys, postFinal, skipped };
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

/**
 * A comparable description of a schema: object name -> definition. Two databases with equal
 * signatures have the same tables, columns, types, keys, indexes, constraints, sequences
 * (definitions), views, functions, triggers, policies and comments.
 */
export function schemaSignature(model: SchemaModel, filter: TableFilter = {}): Map<string, string> {
  const plan = buildDdl(model, filter);
  const sig = new Map<string, string>();
  for (const s of allStatements(plan)) {
    if (s.object.startsWith('refresh ')) continue;
    sig.set(s.object, s.sql);
  }
  return sig;
}
