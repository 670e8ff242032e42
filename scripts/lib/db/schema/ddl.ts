/**
 * Turns a {@link SchemaModel} into ordered DDL, from the statements every kind (kinds/index.ts)
 * emits and where:
 *
 * - `pre` (phase `schema:pre`, before the data): schemas, extensions, types, sequences,
 *   functions, tables (columns, defaults, identity and generated columns, check constraints,
 *   partitions), sequence ownership, views and materialized views (WITH NO DATA).
 * - post (phase `schema:post`, after the data): primary/unique/exclusion keys and indexes
 *   (independent, may run in parallel), index attachment for partitions, foreign keys and
 *   NOT VALID checks, then triggers, row-level security, policies, materialized view refresh
 *   and comments.
 */
import type { SchemaModel } from './model';
import { select, type Selection, type TableFilter } from './selection';
import type { DdlPlan, EmitContext, Phase, Statement } from './kinds/kind';
import { KINDS } from './kinds/index';

/** Builds the ordered DDL for the selected part of the model; statements of a kind in `skip` (`--skip`) are left out. */
export function buildDdl(model: SchemaModel, sel: Selection, opts: { readonly skip?: readonly string[] } = {}): DdlPlan {
  const skip = new Set(opts.skip ?? []);
  const c: EmitContext = { model, sel, skipped: [...sel.skipped] };
  const out: Record<Phase, Statement[]> = { pre: [], 'post:keys': [], 'post:attach': [], 'post:foreign-keys': [], 'post:final': [] };
  for (const e of KINDS.flatMap((k) => k.emit ?? []).sort((a, b) => a.at - b.at)) {
    out[e.phase].push(...e.statements(c).filter((s) => !s.kind || !skip.has(s.kind)));
  }
  return { pre: out.pre, postIndexes: out['post:keys'], postAttach: out['post:attach'], postForeignKeys: out['post:foreign-keys'], postFinal: out['post:final'], skipped: c.skipped };
}

/** Roles the target must have before the copy: named by grants, default privileges and policies. */
export function requiredRoles(model: SchemaModel): string[] {
  return [...new Set(KINDS.flatMap((k) => k.roles?.(model) ?? []))].sort();
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
  return KINDS.reduce((m, k) => (k.asSeenBy ? { ...m, ...k.asSeenBy(m, self) } : m), model);
}

/**
 * A comparable description of a schema: object name -> definition. Two databases with equal
 * signatures have the same tables, columns, types, keys, indexes, constraints, sequences
 * (definitions), views, functions, triggers, policies, comments, privileges (of extension
 * members, languages, catalog objects and the database too) and tablespaces.
 */
export function schemaSignature(model: SchemaModel, filter: TableFilter = {}, opts: SignatureOptions = {}): Map<string, string> {
  const skip = new Set(opts.skip ?? []);
  const seen = asSeenBy(model, opts.self);
  const plan = buildDdl(seen, select(seen, filter), { skip: opts.skip });
  const sig = new Map<string, string>();
  for (const s of allStatements(plan)) if (!s.action) sig.set(s.object, s.sql);
  for (const k of KINDS) for (const [key, value] of k.signature?.(model, skip) ?? []) sig.set(key, value);
  return sig;
}
