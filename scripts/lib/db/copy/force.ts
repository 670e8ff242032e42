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
              WHERE c.oid = CASE d.classid WHEN 'pg_class'::regclass THEN coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = d.objid), d.objid)
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

/**
 * Objects on the target that the drops of --force without a table filter would take with them
 * (CASCADE) and that are not the source's: a target-only view over a copied table, a foreign
 * key of a target-only table referencing one, a target-only table or function using a copied
 * type or function. Dependents among the objects the copy recreates are not listed.
 */
export async function cascadeVictims(client: Client, model: SchemaModel): Promise<string[]> {
  const rels = [...model.tables, ...model.views, ...model.sequences].map((x) => x.qname);
  const types = model.types.map((t) => t.qname);
  const fns = model.functions.map((f) => f.identity);
  const others = [...model.operators.map((o) => o.identity), ...model.collations.map((c) => c.identity)];
  const r = await client.query<{ what: string; rel: string | null; fn: string | null; typ: string | null; other: string | null }>(
    `WITH rel AS (SELECT c.oid, c.reltype FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE format('%I.%I', n.nspname, c.relname) = ANY($1::text[])),
          dropped AS (
            SELECT 'pg_class'::regclass AS classid, oid FROM rel
            UNION ALL SELECT 'pg_type'::regclass, reltype FROM rel WHERE reltype <> 0
            UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE format('%I.%I', n.nspname, t.typname) = ANY($2::text[])
            UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) = ANY($3::text[])
            UNION ALL SELECT 'pg_operator'::regclass, o.oid FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
                       WHERE format('%I.%s(%s,%s)', n.nspname, o.oprname, coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE'), coalesce(format_type(nullif(o.oprright, 0), NULL), 'NONE')) = ANY($4::text[])
            UNION ALL SELECT 'pg_collation'::regclass, c.oid FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE format('%I.%I', n.nspname, c.collname) = ANY($4::text[]))
     SELECT DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid) AS what,
            (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.oid = CASE d.classid WHEN 'pg_class'::regclass THEN coalesce((SELECT indrelid FROM pg_index WHERE indexrelid = d.objid), d.objid)
                                           WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid)
                                           WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = d.objid)
                                           WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid)
                                           WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objid)
                                           WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid) END) AS rel,
            (SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE d.classid = 'pg_proc'::regclass AND p.oid = d.objid) AS fn,
            (SELECT format('%I.%I', n.nspname, t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid) AS typ,
            coalesce((SELECT format('%I.%s(%s,%s)', n.nspname, o.oprname, coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE'), coalesce(format_type(nullif(o.oprright, 0), NULL), 'NONE'))
                        FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE d.classid = 'pg_operator'::regclass AND o.oid = d.objid),
                     (SELECT format('%I.%I', n.nspname, c.collname) FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
                       WHERE d.classid = 'pg_collation'::regclass AND c.oid = d.objid)) AS other
       FROM pg_depend d JOIN dropped x ON d.refclassid = x.classid AND d.refobjid = x.oid
      WHERE d.deptype IN ('n', 'a')
        AND NOT EXISTS (SELECT 1 FROM dropped y WHERE y.classid = d.classid AND y.oid = d.objid)`,
    [rels, types, fns, others],
  );
  const inside = new Set([...rels, ...types, ...fns, ...others]);
  return r.rows
    .filter((x) => ![x.rel, x.fn, x.typ, x.other].some((name) => name && inside.has(name)))
    .map((x) => x.what.replace(/^rule _RETURN on /, ''))
    .sort();
}

/** A skipped foreign key (ddl.ts) that --force --tables keeps: its table is reloaded in place and holds it. */
function keptForeignKey(skipped: string, reload: readonly string[], targetModel: SchemaModel): boolean {
  const m = /^foreign key (.+) on (.+) \(references a table outside the selection\)$/.exec(skipped);
  return Boolean(m && reload.includes(m[2]) && targetModel.constraints.some((c) => c.type === 'f' && c.table === m[2] && c.name === m[1]));
}

/** Plans --force for a full or schema-only run. */
export async function planForce(client: Client, model: SchemaModel, targetModel: SchemaModel, selection: Selection, filter: TableFilter, plan: DdlPlan): Promise<ForcePlan> {
  const filtered = Boolean(filter.include?.length || filter.exclude?.length);
  if (!filtered) {
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
      // a foreign key to a table outside the selection stays where its table is reloaded in place
      skipped: plan.skipped.filter((sk) => !keptForeignKey(sk, reload, targetModel)),
    },
  };
}
