/**
 * User-defined casts (CREATE CAST ... WITH FUNCTION / WITH INOUT, in their context: explicit,
 * AS ASSIGNMENT, AS IMPLICIT) and their comments. Everything about the kind is here: its model
 * field (declared below onto {@link SchemaModel}), reader, statements and phase, undo, --force
 * policy and refusals.
 *
 * Left out: casts brought by an extension, and those CREATE TYPE makes itself (a range type's
 * casts to its multirange: an internal pg_depend entry). PostgreSQL lets the owner of the
 * source or target type create a cast (with USAGE on the other); the copying user owns the
 * types the copy creates, so it can create casts over them. Refused, each cast named, kind
 * `casts` for `--skip casts`: a binary-coercible cast (WITHOUT FUNCTION, superuser only), a cast
 * over two types the copy does not create (built-in or an extension's: on RDS their owner is a
 * superuser), and one whose function the copy does not carry.
 *
 * A cast is created before the tables and views (a column default, check or view that uses it
 * is parsed again on the target), after its function and both types; where the function takes
 * or returns a table's row type, or a type is one, after the tables.
 */
import { notExtensionMember, notInternal, overRowType, q, SYSTEM_NS, type ReadContext, type Row } from './context';
import { keptWhenEqual, undoCreated, type Kind } from './kind';

export interface CastDef {
  readonly oid: number;
  /** `(source AS target)`, types as format_type prints them with an empty search_path. */
  readonly identity: string;
  readonly sql: string;
  /** COMMENT ON CAST text (a quoted literal), or null. */
  readonly comment: string | null;
  /** Its function or a type is over a table's row type: created after the tables. */
  readonly late: boolean;
}

declare module '../model' {
  interface SchemaModel {
    /** User-defined casts (kinds/casts.ts). */
    readonly casts: CastDef[];
  }
}

/** SQL: the type `oid` (or the element of the array type `oid`) is one the copy creates: in a user schema, not an extension's. */
const copiedType = (oid: string) => `EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE (t.oid = ${oid} OR t.typarray = ${oid}) AND ${SYSTEM_NS} AND ${notExtensionMember('pg_type', 't.oid')})`;

/** SQL: the type `oid` (or its element) is a relation's row type. */
const rowType = (oid: string) => `EXISTS (SELECT 1 FROM pg_type t JOIN pg_class rc ON rc.oid = t.typrelid AND rc.relkind IN ('r', 'p', 'v', 'm', 'f')
   WHERE t.oid = ${oid} OR t.typarray = ${oid})`;

const CASTS_SQL = `
SELECT k.oid, k.castmethod, k.castcontext, format('(%s AS %s)', format_type(k.castsource, NULL), format_type(k.casttarget, NULL)) AS identity,
       CASE WHEN k.castfunc <> 0 THEN k.castfunc::regprocedure::text END AS fn,
       (SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.oid = k.castfunc AND ${SYSTEM_NS} AND ${notExtensionMember('pg_proc', 'p.oid')}) AS user_fn,
       ${copiedType('k.castsource')} OR ${copiedType('k.casttarget')} AS creatable,
       (k.castfunc <> 0 AND ${overRowType('k.castfunc')}) OR ${rowType('k.castsource')} OR ${rowType('k.casttarget')} AS late,
       quote_literal(obj_description(k.oid, 'pg_cast')) AS comment
  FROM pg_cast k
 WHERE k.oid >= 16384 AND ${notExtensionMember('pg_cast', 'k.oid')} AND ${notInternal('pg_cast', 'k.oid')}
 ORDER BY k.oid`;

const CONTEXT: Record<string, string> = { e: '', a: ' AS ASSIGNMENT', i: ' AS IMPLICIT' };

function castSql(r: Row): string {
  const how = r.castmethod === 'i' ? 'WITH INOUT' : `WITH FUNCTION ${r.fn}`;
  return `CREATE CAST ${r.identity} ${how}${CONTEXT[r.castcontext as string] ?? ''}`;
}

export async function readCasts(ctx: ReadContext, carriedFunctions: readonly string[]): Promise<CastDef[]> {
  const functions = new Set(carriedFunctions);
  const out: CastDef[] = [];
  for (const r of await q(ctx.client, CASTS_SQL)) {
    const identity = r.identity as string;
    const refuse = (object: string, reason: string, superuser = false) =>
      ctx.unsupported.push({ kind: 'casts', object, reason: `${reason}; or accept the loss with --skip casts`, ...(superuser ? { superuser: true } : {}) });
    if (r.castmethod === 'b') {
      refuse(
        `cast ${identity} WITHOUT FUNCTION`,
        `a binary-coercible cast needs a superuser to create, which RDS does not grant: on the source, recreate it with I/O conversion ` +
          `(DROP CAST ${identity}; CREATE CAST ${identity} WITH INOUT${CONTEXT[r.castcontext as string] ?? ''}) or WITH FUNCTION, and copy again`,
        true,
      );
    } else if (!r.creatable) {
      refuse(
        `cast ${identity}`,
        `neither type is one the copy creates (both are built-in or an extension's), and only the owner of one of them may create the cast: ` +
          `on RDS that is a superuser (rdsadmin), not the copying user; drop it on the source if nothing needs it`,
        true,
      );
    } else if (r.user_fn && !functions.has(r.user_fn)) {
      refuse(`cast ${identity}`, `its function ${r.user_fn} is not carried (listed with its own reason): carry the function first (see its entry)`);
    } else {
      out.push({ oid: Number(r.oid), identity, sql: castSql(r), comment: r.comment ?? null, late: Boolean(r.late) });
    }
  }
  return out;
}

const dropCast = (identity: string) => `DROP CAST IF EXISTS ${identity} CASCADE`;
const create = (x: CastDef) => ({ object: `cast ${x.identity}`, sql: x.sql });

export const casts: Kind = {
  name: 'casts',
  fields: ['casts'],
  read: async (ctx, model) => ({ casts: await readCasts(ctx, (model.functions ?? []).map((f) => f.identity)) }),
  emit: [
    // after the functions (60) and types (40), before the tables (80) and views (100) that may use them
    { phase: 'pre', at: 65, statements: ({ model }) => model.casts.filter((x) => !x.late).map(create) },
    // over a table's row type: after the tables and the routines over them (110)
    { phase: 'pre', at: 115, statements: ({ model }) => model.casts.filter((x) => x.late).map(create) },
    // with the other comments (comments.ts, 380)
    { phase: 'post:final', at: 385, statements: ({ model }) => model.casts.flatMap((x) => (x.comment ? [{ object: `comment CAST ${x.identity}`, sql: `COMMENT ON CAST ${x.identity} IS ${x.comment}` }] : [])) },
  ],
  undo: { pass: 2, statement: (o, { targetModel }) => undoCreated(o, 'cast', targetModel.casts.map((x) => x.identity), dropCast) },
  force: {
    // before the functions (40) and types (50) they depend on
    drop: { at: 25, statements: ({ model, targetModel }) => model.casts.filter((x) => targetModel.casts.some((t) => t.identity === x.identity)).map((x) => dropCast(x.identity)) },
    // no CREATE OR REPLACE CAST: the target's is kept when equal
    kept: ({ model, targetModel }) => keptWhenEqual('cast', 'cast', model.casts, targetModel.casts),
    cascade: {
      catalog: 'pg_cast',
      from: 'pg_cast x',
      name: `format('(%s AS %s)', format_type(x.castsource, NULL), format_type(x.casttarget, NULL))`,
      names: (model) => model.casts.map((x) => x.identity),
    },
  },
};
