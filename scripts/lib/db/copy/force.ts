/**
 * What `--force` does to a non-empty target in full mode.
 *
 * Without a table filter the selection is the whole database: every object the copy creates
 * is dropped (CASCADE) and recreated.
 *
 * With --tables / --exclude-tables only the selected objects and what depends on them are
 * touched (pg_depend on the target):
 * - a selected table the target holds with the same definition is reloaded in place, in one
 *   transaction, with its indexes, triggers and the foreign keys touching it kept;
 * - a selected table that differs is dropped and recreated, unless something outside the
 *   selection depends on it: then the run refuses and names those objects;
 * - types, collations, operators and aggregates the target already holds are left alone (one
 *   that differs refuses the run); so are its sequences and views, unless they belong to or read
 *   a dropped table; functions are replaced (CREATE OR REPLACE).
 * `--dry-run` lists the drops and the in-place reloads.
 */
import type { Client } from 'pg';
import { MigrationError } from '../errors';
import type { SchemaModel } from '../schema/catalog';
import { allStatements, buildDdl, type DdlPlan, type Statement, type TableFilter } from '../schema/ddl';
import type { Selection } from './context';
import { dropStatements } from './pre-data';

export interface ForcePlan {
  /** Statements run on the target before the pre-data DDL. */
  readonly drops: string[];
  /** Selected tables reloaded in place (they exist on the target with the same definition). */
  readonly reload: string[];
  /** The DDL plan without what the target keeps. */
  readonly plan: DdlPlan;
}

function byTable(statements: readonly Statement[]): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const s of statements) if (s.table && !s.object.startsWith('refresh ')) groups.set(s.table, [...(groups.get(s.table) ?? []), `${s.object}\n${s.sql}`]);
  return new Map([...groups].map(([t, list]) => [t, list.sort().join('\n')]));
}

/** Objects on the target outside `inside` that depend on the given tables (directly or on their row type). */
export async function outsideDependents(client: Client, tables: readonly string[], inside: ReadonlySet<string>): Promise<string[]> {
  if (!tables.length) return [];
  const r = await client.query<{ what: string; rel: string | null }>(
    `WITH t AS (SELECT c.oid, c.reltype FROM pg_class c WHERE c.oid = ANY($1::regclass[]))
     SELECT DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid) AS what,
            (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.oid = CASE d.classid WHEN 'pg_class'::regclass THEN d.objid
                                           WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
                                           WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
                                           WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
                                           WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
                                           WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid) END) AS rel
       FROM pg_depend d, t
      WHERE d.deptype IN ('n', 'a')
        AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid = t.oid) OR (d.refclassid = 'pg_type'::regclass AND d.refobjid = t.reltype))
        AND NOT (d.classid = 'pg_type'::regclass AND d.objid = t.reltype)`,
    [tables],
  );
  return r.rows
    .filter((x) => !x.rel || !inside.has(x.rel))
    .map((x) => x.what.replace(/^rule _RETURN on /, ''))
    .sort();
}

/**
 * Collations, operators and aggregates of the source the target already holds (`<kind> <identity>`),
 * which `--force --tables` leaves in place; one that differs on the target refuses the run.
 * (Plain functions are recreated with CREATE OR REPLACE.)
 */
function sharedObjects(model: SchemaModel, targetModel: SchemaModel): Set<string> {
  const kinds: [string, { identity: string; sql: string }[], { identity: string; sql: string }[]][] = [
    ['collation', model.collations, targetModel.collations],
    ['operator', model.operators, targetModel.operators],
    ['function', model.functions.filter((f) => f.sql.startsWith('CREATE AGGREGATE')), targetModel.functions],
  ];
  const out = new Set<string>();
  for (const [kind, mine, theirs] of kinds) {
    const there = new Map(theirs.map((x) => [x.identity, x.sql]));
    for (const x of mine) {
      const other = there.get(x.identity);
      if (other === undefined) continue;
      const what = x.sql.startsWith('CREATE AGGREGATE') ? 'aggregate' : kind;
      if (other !== x.sql) refuse(`${what} ${x.identity} differs on the target: --force with --tables does not replace shared ${what}s; fix it on the target or copy without --tables`);
      out.add(`${kind} ${x.identity}`);
    }
  }
  return out;
}

function refuse(message: string): never {
  throw new MigrationError(`[preflight] ${message}`, { phase: 'preflight' });
}

/** Plans --force for a full or schema-only run. */
export async function planForce(client: Client, model: SchemaModel, targetModel: SchemaModel, selection: Selection, filter: TableFilter, plan: DdlPlan): Promise<ForcePlan> {
  const filtered = Boolean(filter.include?.length || filter.exclude?.length);
  if (!filtered) return { drops: dropStatements(model, selection, targetModel), reload: [], plan };
  const source = byTable(allStatements(plan));
  const target = byTable(allStatements(buildDdl(targetModel, filter)));
  const onTarget = new Set(selection.onTarget);
  const reload = selection.tables.filter((t) => onTarget.has(t.qname) && source.get(t.qname) === target.get(t.qname)).map((t) => t.qname);
  const differ = selection.onTarget.filter((q) => !reload.includes(q));
  const planViews = allStatements(plan).filter((s) => /^(materialized )?view /.test(s.object)).map((s) => s.object.replace(/^(materialized )?view /, ''));
  const selected = new Set(selection.tables.map((t) => t.qname));
  const owned = model.sequences.filter((q) => q.ownedBy && selected.has(q.ownedBy.table)).map((q) => q.qname);
  const inside = new Set([...selected, ...planViews, ...owned]);
  const outside = await outsideDependents(client, differ, inside);
  if (outside.length) {
    refuse(
      `--force would drop table(s) ${differ.join(', ')} (their definition differs on the target), and with them objects outside the selection: ${outside.join('; ')}. ` +
        'Make those tables match the source on the target, drop the dependent objects yourself, or copy without --tables',
    );
  }
  const targetTypes = new Map(targetModel.types.map((t) => [t.qname, t.sql]));
  for (const t of model.types) {
    const other = targetTypes.get(t.qname);
    if (other !== undefined && other !== t.sql) refuse(`type ${t.qname} differs on the target (${other}): --force with --tables does not replace shared types; fix it on the target or copy without --tables`);
  }
  // Collations, operators and aggregates have no CREATE OR REPLACE: the target's are kept when equal.
  const shared = sharedObjects(model, targetModel);
  // A view survives when it exists and none of the tables it reads is dropped.
  const dropped = new Set(differ);
  const oidOf = new Map(model.tables.map((t) => [t.oid, t.qname]));
  const targetViews = new Set(targetModel.views.map((v) => v.qname));
  const keptViews = new Set(model.views.filter((v) => targetViews.has(v.qname) && !v.dependsOn.some((o) => dropped.has(oidOf.get(o) ?? ''))).map((v) => v.qname));
  const keptSeqs = new Set(targetModel.sequences.filter((s) => !s.ownedBy || !dropped.has(s.ownedBy.table)).map((s) => s.qname));
  const keep = (s: Statement): boolean => {
    if (s.object.startsWith('refresh ') || s.object.startsWith('comment ')) return true;
    if (s.table && reload.includes(s.table)) return false;
    if (s.table && keptViews.has(s.table)) return false;
    const [kind, ...rest] = s.object.split(' ');
    const name = rest.join(' ').replace(/^view /, '');
    if (kind === 'type') return !targetTypes.has(name);
    if (kind === 'collation' || kind === 'operator' || kind === 'function') return !shared.has(`${kind} ${name}`);
    if (kind === 'sequence') return !keptSeqs.has(name);
    if (kind === 'view' || kind === 'materialized') return !keptViews.has(name);
    return true;
  };
  const drops = differ.map((q) => `DROP TABLE IF EXISTS ${q} CASCADE`);
  return {
    drops,
    reload,
    plan: {
      pre: plan.pre.filter(keep),
      postIndexes: plan.postIndexes.filter(keep),
      postAttach: plan.postAttach.filter(keep),
      postForeignKeys: plan.postForeignKeys.filter(keep),
      postFinal: plan.postFinal.filter(keep),
      skipped: plan.skipped,
    },
  };
}
