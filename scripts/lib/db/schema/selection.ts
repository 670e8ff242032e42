/**
 * The table selection, in one place with one type: which tables a run covers (`--tables`,
 * `--exclude-tables`), the views that read only those, the sequences whose values it sets and,
 * for a copy, which selected tables the target already holds. Computed once per model
 * ({@link select}); the DDL, the copy's phases and verify read it.
 */
import type { SchemaModel, Table, View } from './model';

/** Which tables take part: glob patterns on `schema.table` (or `table` for any schema). */
export interface TableFilter {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** What a filter keeps of a model. */
export interface Selection {
  /** Selected tables (plain, partitioned and partitions; a partition follows its root), in model order. */
  readonly tables: Table[];
  /** Selected tables holding rows (kind 'r'), largest first. */
  readonly dataTables: Table[];
  /** Oids of the selected tables. */
  readonly selected: ReadonlySet<number>;
  /** Oids of every table of the model. */
  readonly allTables: ReadonlySet<number>;
  /** Views (in dependency order) whose every relation read is kept. */
  readonly views: View[];
  /** Selected tables and kept views. */
  readonly keptRel: ReadonlySet<number>;
  /** Kept views that rely on a key (or read such a view): created after the keys, in schema:post. */
  readonly afterKeys: ReadonlySet<number>;
  /** Sequences whose values the run sets: owned by a selected table or used by its defaults (without a filter: all). */
  readonly sequences: string[];
  /** Selected tables that exist on the target before the run (empty without a target model). */
  readonly onTarget: string[];
  /** Views left out, and why. */
  readonly skipped: readonly string[];
  /** The filter names tables (`--tables` or `--exclude-tables`). */
  readonly filtered: boolean;
  /** A relation-bound object is kept when its relation is (objects bound to no relation always are). */
  keeps(relOid: number | null): boolean;
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

/** Sequences a column default names with `nextval('schema.seq'::regclass)` (as read with an empty search_path). */
export function sequencesInDefault(expr: string | null): string[] {
  if (!expr) return [];
  return [...expr.matchAll(/nextval\('((?:[^']|'')+)'::regclass\)/g)].map((m) => m[1].replace(/''/g, "'"));
}

/**
 * Sequences that belong to the selection: owned by a selected table, used by a column default
 * of a selected table, or (without a table filter) free-standing.
 */
export function selectedSequences(model: SchemaModel, filter: TableFilter = {}): string[] {
  return select(model, filter).sequences;
}

function sortViews(views: readonly View[]): View[] {
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

/** The selection of `model` by `filter`; with the target's model, which selected tables it holds. */
export function select(model: SchemaModel, filter: TableFilter = {}, targetModel?: SchemaModel): Selection {
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
  const keptRel = new Set([...selected, ...views.map((v) => v.oid)]);
  const allRels = new Set([...allTables, ...model.views.map((v) => v.oid)]);
  const filtered = Boolean(filter.include?.length || filter.exclude?.length);
  const usedByDefaults = new Set(tables.flatMap((t) => t.columns.flatMap((c) => sequencesInDefault(c.defaultExpr))));
  const sequences = model.sequences.filter((s) => (s.ownedBy ? selected.has(s.ownedBy.tableOid) : !filtered) || usedByDefaults.has(s.qname)).map((s) => s.qname);
  const onTarget = new Set((targetModel?.tables ?? []).map((t) => t.qname));
  return {
    tables,
    dataTables: tables.filter((t) => t.kind === 'r').sort((a, b) => b.bytes - a.bytes),
    selected,
    allTables,
    views,
    keptRel,
    afterKeys,
    sequences,
    onTarget: tables.map((t) => t.qname).filter((q) => onTarget.has(q)),
    skipped,
    filtered,
    keeps: (relOid) => relOid === null || keptRel.has(relOid) || !allRels.has(relOid),
  };
}
