/**
 * What one object kind is (as `stacks/policy/rule.ts` is for a policy rule): its catalog
 * reader, the statements it emits and where in the plan, its drop (`--force`) and undo, its
 * `--force --tables` policy and what it refuses (readers push {@link ReadContext.unsupported}).
 * `catalog.ts`, `ddl.ts`, `copy/pre-data.ts` and `copy/force.ts` loop over the one list of
 * kinds (kinds/index.ts) and know no kind by name.
 */
import { MigrationError } from '../../errors';
import type { SchemaModel } from '../model';
import type { Selection } from '../selection';
import type { ReadContext } from './context';

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
  /** Moves data rather than defining an object (REFRESH MATERIALIZED VIEW): not part of the schema's signature. */
  readonly action?: boolean;
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

/** Where a statement runs: schema:pre, or one of the steps of schema:post. */
export type Phase = 'pre' | 'post:keys' | 'post:attach' | 'post:foreign-keys' | 'post:final';

export interface EmitContext {
  readonly model: SchemaModel;
  readonly sel: Selection;
  /** Objects left out (they depend on tables outside the selection), and why. */
  readonly skipped: string[];
}

/** One group of statements a kind emits. */
export interface Emit {
  readonly phase: Phase;
  /** Place in the plan: groups are built in this order (across phases too), so one phase lists them in it. */
  readonly at: number;
  statements(c: EmitContext): Statement[];
}

export interface DropContext {
  readonly model: SchemaModel;
  readonly sel: Selection;
  readonly targetModel: SchemaModel;
}

export interface UndoContext {
  readonly model: SchemaModel;
  readonly targetModel: SchemaModel;
  /** Tables the run reloaded in place (kept). */
  readonly reload: readonly string[];
}

export interface ForceContext {
  readonly model: SchemaModel;
  readonly targetModel: SchemaModel;
  readonly sel: Selection;
  readonly plan: DdlPlan;
  /** Selected tables dropped and recreated (their definition differs on the target). */
  readonly dropped: ReadonlySet<string>;
  /** Selected tables reloaded in place. */
  readonly reload: readonly string[];
}

/** What `--force` does to the objects of a kind. */
export interface ForcePolicy {
  /**
   * Without a table filter: the drops (CASCADE) of the objects of the model the target holds;
   * `at` orders them across kinds.
   */
  readonly drop?: { readonly at: number; statements(c: DropContext): string[] };
  /** With a table filter: the drops to run before the pre-data DDL. */
  drops?(c: ForceContext): string[];
  /**
   * With a table filter: objects (statement `object`s) the target keeps where it holds them;
   * throws {@link refuse} where one differs on the target.
   */
  kept?(c: ForceContext): Iterable<string>;
  /** With a table filter: relations the target keeps, so statements bound to them are left out too. */
  keptRelations?(c: ForceContext): Iterable<string>;
  /** Relations the plan recreates besides the selected tables (outside dependents are those not in them). */
  inside?(c: Pick<ForceContext, 'model' | 'sel'>): Iterable<string>;
  /** A skipped object (DdlPlan.skipped) that stays on the target because its table is reloaded in place. */
  stays?(skipped: string, c: ForceContext): boolean;
  /**
   * Objects of the model a CASCADE drop takes along (for naming target-only dependents): their
   * catalog, and the SQL naming a row `x` of it as the model does (may use `n`, joined by `from`).
   */
  readonly cascade?: { readonly catalog: string; readonly from: string; readonly name: string; names(model: SchemaModel): string[] };
}

export interface Kind {
  /** Its name, e.g. `views`. */
  readonly name: string;
  /** The {@link SchemaModel} fields its reader fills. */
  readonly fields: readonly string[];
  /** Reads the kind from the catalogs; may read the fields of the kinds before it in the list. */
  read(ctx: ReadContext, model: Partial<SchemaModel>): Promise<Partial<SchemaModel>>;
  readonly emit?: readonly Emit[];
  /** Undo of a failed run: the drop of one object (a pre-data statement's `object`) this run created, if it is this kind's. */
  readonly undo?: { readonly pass: number; statement(object: string, c: UndoContext): string | undefined };
  readonly force?: ForcePolicy;
  /** Roles the target must have before the copy. */
  roles?(model: SchemaModel): string[];
  /** The model's fields as the role `self` sees them on the target (its grants are the owner's). */
  asSeenBy?(model: SchemaModel, self: string): Partial<SchemaModel>;
  /** Extra signature entries (objects compared that no statement creates); `skip` are the skipped not-carried kinds. */
  signature?(model: SchemaModel, skip: ReadonlySet<string>): [string, string][];
}

/** A preflight refusal naming what blocks the run (nothing was written). */
export function refuse(message: string): never {
  throw new MigrationError(`[preflight] ${message}`, { phase: 'preflight' });
}

/**
 * `--force --tables` for a kind without CREATE OR REPLACE: the target's objects equal to the
 * source's are kept (their statements `<prefix> <identity>` left out), one that differs refuses.
 */
export function keptWhenEqual(what: string, prefix: string, mine: readonly { identity: string; sql: string }[], theirs: readonly { identity: string; sql: string }[]): string[] {
  const there = new Map(theirs.map((x) => [x.identity, x.sql]));
  const out: string[] = [];
  for (const x of mine) {
    const other = there.get(x.identity);
    if (other === undefined) continue;
    if (other !== x.sql) refuse(`${what} ${x.identity} differs on the target: --force with --tables does not replace shared ${what}s; fix it on the target or copy without --tables`);
    out.push(`${prefix} ${x.identity}`);
  }
  return out;
}

/** The undo of a named object: its DROP when `object` is `<prefix> <name>` and the target did not hold it before. */
export function undoCreated(object: string, prefix: string, had: readonly string[], drop: (name: string) => string): string | undefined {
  if (!object.startsWith(`${prefix} `)) return undefined;
  const name = object.slice(prefix.length + 1);
  return had.includes(name) ? undefined : drop(name);
}

/** Names of the relations and types the target holds (what a whole-database --force drops before recreating). */
export function heldNames(targetModel: SchemaModel): Set<string> {
  return new Set([...targetModel.tables, ...targetModel.views, ...targetModel.sequences, ...targetModel.types].map((x) => x.qname));
}
