/**
 * What `--force` does to a non-empty target in full mode.
 *
 * Without a table filter the selection is the whole database: every object the copy creates
 * is dropped (CASCADE) and recreated. What the CASCADE would take with it that is not the
 * source's (a target-only view, foreign key, table or function) refuses the run, by name,
 * before anything is dropped (also with --dry-run).
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
 *
 * Either way a run with something to drop or reload is atomic (index.ts): the drops, the new
 * schema, the data and schema:post are ONE target transaction, so a failure or an interrupt
 * leaves the earlier copy in place.
 */
import type { Client } from 'pg';
import type { SchemaModel } from '../schema/catalog';
import { allStatements, buildDdl } from '../schema/ddl';
import { KINDS } from '../schema/kinds/index';
import { refuse, type DdlPlan, type ForceContext, type Statement } from '../schema/kinds/kind';
import { select, type Selection, type TableFilter } from '../schema/selection';
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
  for (const s of statements) if (s.table && !s.action) groups.set(s.table, [...(groups.get(s.table) ?? []), `${s.object}\n${s.sql}`]);
  return new Map([...groups].map(([t, list]) => [t, list.sort().join('\n')]));
}

/** SQL: the relation a dependent object belongs to (an index, rule, constraint, trigger, policy or default of it), or the relation itself. */
const OWNING_RELATION = `(SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.oid = CASE d.classid WHEN 'pg_class'::regclass THEN coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = d.objid), d.objid)
                                           WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
                                           WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
                                           WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
                                           WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
                                           WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid) END)`;

/** Objects on the target outside `inside` that depend on the given tables (directly or on their row type). */
export async function outsideDependents(client: Client, tables: readonly string[], inside: ReadonlySet<string>): Promise<string[]> {
  if (!tables.length) return [];
  const r = await client.query<{ what: string; rel: string | null }>(
    `WITH t AS (SELECT c.oid, c.reltype FROM pg_class c WHERE c.oid = ANY($1::regclass[]))
     SELECT DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid) AS what, ${OWNING_RELATION} AS rel
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
 * Objects on the target that the drops of --force without a table filter would take with them
 * (CASCADE) and that are not the source's: a target-only view over a copied table, a foreign
 * key of a target-only table referencing one, a target-only table or function using a copied
 * type or function. Dependents among the objects the copy recreates are not listed. The objects
 * dropped are every kind's (ForcePolicy.cascade); a relation's row type goes with it.
 */
export async function cascadeVictims(client: Client, model: SchemaModel): Promise<string[]> {
  const entries = KINDS.flatMap((k) => (k.force?.cascade ? [k.force.cascade] : []));
  const params = entries.map((e) => e.names(model));
  const dropped = entries.map((e, i) => {
    const rows = `SELECT '${e.catalog}'::regclass AS classid, x.oid FROM ${e.from} WHERE ${e.name} = ANY($${i + 1}::text[])`;
    // a relation's row type is dropped with it
    return e.catalog === 'pg_class' ? `${rows} UNION ALL SELECT 'pg_type'::regclass, x.reltype FROM ${e.from} WHERE x.reltype <> 0 AND ${e.name} = ANY($${i + 1}::text[])` : rows;
  });
  const named = entries.filter((e) => e.catalog !== 'pg_class').map((e) => `(SELECT ${e.name} FROM ${e.from} WHERE d.classid = '${e.catalog}'::regclass AND x.oid = d.objid)`);
  const r = await client.query<{ what: string; rel: string | null; other: string | null }>(
    `WITH dropped AS (${dropped.join('\n UNION ALL ')})
     SELECT DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid) AS what, ${OWNING_RELATION} AS rel, coalesce(${named.join(', ') || 'NULL'}) AS other
       FROM pg_depend d JOIN dropped y0 ON d.refclassid = y0.classid AND d.refobjid = y0.oid
      WHERE d.deptype IN ('n', 'a')
        AND NOT EXISTS (SELECT 1 FROM dropped y WHERE y.classid = d.classid AND y.oid = d.objid)`,
    params,
  );
  const inside = new Set(params.flat());
  return r.rows
    .filter((x) => ![x.rel, x.other].some((name) => name && inside.has(name)))
    .map((x) => x.what.replace(/^rule _RETURN on /, ''))
    .sort();
}

/** Plans --force for a full or schema-only run. */
export async function planForce(client: Client, model: SchemaModel, targetModel: SchemaModel, selection: Selection, filter: TableFilter, plan: DdlPlan): Promise<ForcePlan> {
  if (!selection.filtered) {
    const victims = await cascadeVictims(client, model);
    if (victims.length) {
      refuse(
        `--force would drop the copied objects with CASCADE, and with them ${victims.length} object(s) on the target that are not the source's: ${victims.join('; ')}. ` +
          'Drop or save them yourself first, or copy with --tables to touch only the selected tables',
      );
    }
    return { drops: dropStatements(model, selection, targetModel), reload: [], plan };
  }
  const source = byTable(allStatements(plan));
  const target = byTable(allStatements(buildDdl(targetModel, select(targetModel, filter))));
  const onTarget = new Set(selection.onTarget);
  const reload = selection.tables.filter((t) => onTarget.has(t.qname) && source.get(t.qname) === target.get(t.qname)).map((t) => t.qname);
  const differ = selection.onTarget.filter((q) => !reload.includes(q));
  const policies = KINDS.flatMap((k) => (k.force ? [k.force] : []));
  const inside = new Set(policies.flatMap((p) => [...(p.inside?.({ model, sel: selection }) ?? [])]));
  const outside = await outsideDependents(client, differ, inside);
  if (outside.length) {
    refuse(
      `--force would drop table(s) ${differ.join(', ')} (their definition differs on the target), and with them objects outside the selection: ${outside.join('; ')}. ` +
        'Make those tables match the source on the target, drop the dependent objects yourself, or copy without --tables',
    );
  }
  const c: ForceContext = { model, targetModel, sel: selection, plan, dropped: new Set(differ), reload };
  // what the target keeps (a kind without CREATE OR REPLACE, equal on the target; one that differs refuses)
  const kept = new Set(policies.flatMap((p) => [...(p.kept?.(c) ?? [])]));
  const keptRelations = new Set([...reload, ...policies.flatMap((p) => [...(p.keptRelations?.(c) ?? [])])]);
  const keep = (s: Statement): boolean => !(s.table && keptRelations.has(s.table)) && !kept.has(s.object);
  return {
    drops: policies.flatMap((p) => p.drops?.(c) ?? []),
    reload,
    plan: {
      pre: plan.pre.filter(keep),
      postIndexes: plan.postIndexes.filter(keep),
      postAttach: plan.postAttach.filter(keep),
      postForeignKeys: plan.postForeignKeys.filter(keep),
      postFinal: plan.postFinal.filter(keep),
      skipped: plan.skipped.filter((sk) => !policies.some((p) => p.stays?.(sk, c))),
    },
  };
}
