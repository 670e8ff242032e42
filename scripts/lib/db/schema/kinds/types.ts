/**
 * User-defined types: enums, domains (constraints added NOT VALID come after the data),
 * composite types and range types. Base types (C input/output functions) and range types
 * with a canonical function (written in C) need a superuser: listed as not carried.
 */
import type { TypeDef } from '../model';
import { quoteIdent } from '../../sql';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext, type Row } from './context';
import { heldNames, refuse, type Kind } from './kind';

const TYPES_SQL = (version: number) => `
SELECT t.oid, ${QN('n.nspname', 't.typname')} AS qname, t.typtype, t.typrelid,
       format_type(t.typbasetype, t.typtypmod) AS basetype, t.typnotnull, t.typdefault,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
            THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END AS coll,
       (SELECT array_agg(quote_literal(e.enumlabel) ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
       (SELECT array_agg(format('CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)) ORDER BY c.conname)
          FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' AND c.convalidated) AS checks,
       (SELECT array_agg(json_build_object('name', c.conname, 'def', pg_get_constraintdef(c.oid)) ORDER BY c.conname)
          FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' AND NOT c.convalidated) AS not_valid,
       (SELECT array_agg(format('%I %s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                 CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co
                      JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) ELSE '' END) ORDER BY a.attnum)
          FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attrs,
       format_type(r.rngsubtype, NULL) AS subtype, r.rngcanonical::oid <> 0 AS canonical,
       CASE WHEN r.rngsubdiff::oid <> 0 THEN r.rngsubdiff::regproc::text END AS subdiff,
       CASE WHEN r.rngcollation <> 0 THEN (SELECT ${QN('cn.nspname', 'co.collname')} FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = r.rngcollation) END AS rngcoll,
       (SELECT ${QN('on2.nspname', 'oc.opcname')} FROM pg_opclass oc JOIN pg_namespace on2 ON on2.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc AND NOT oc.opcdefault) AS subopc,
       ${version >= 140000 ? 'format_type(r.rngmultitypid, NULL)' : 'NULL'} AS multirange
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
  LEFT JOIN pg_class tc ON tc.oid = t.typrelid
  LEFT JOIN pg_range r ON r.rngtypid = t.oid
 WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_type', 't.oid')}
   AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND tc.relkind = 'c') OR (t.typtype = 'b' AND t.typelem = 0 AND t.typisdefined)
        OR (t.typtype = 'p' AND NOT t.typisdefined))
 ORDER BY t.oid`;

function domainSql(r: Row): string {
  const parts = [`CREATE DOMAIN ${r.qname} AS ${r.basetype}`];
  if (r.coll) parts.push(`COLLATE ${r.coll}`);
  if (r.typdefault !== null) parts.push(`DEFAULT ${r.typdefault}`);
  if (r.typnotnull) parts.push('NOT NULL');
  for (const c of r.checks ?? []) parts.push(c);
  return parts.join(' ');
}

function rangeSql(r: Row): string {
  const opts = [`SUBTYPE = ${r.subtype}`];
  if (r.subopc) opts.push(`SUBTYPE_OPCLASS = ${r.subopc}`);
  if (r.rngcoll) opts.push(`COLLATION = ${r.rngcoll}`);
  if (r.subdiff) opts.push(`SUBTYPE_DIFF = ${r.subdiff}`);
  if (r.multirange) opts.push(`MULTIRANGE_TYPE_NAME = ${r.multirange}`);
  return `CREATE TYPE ${r.qname} AS RANGE (${opts.join(', ')})`;
}

const SUPERUSER = 'needs a superuser (its functions are written in C), which RDS does not grant: install the extension that provides it on the target, or skip';

export async function readTypes(ctx: ReadContext): Promise<TypeDef[]> {
  const types: TypeDef[] = [];
  for (const r of await q(ctx.client, TYPES_SQL(ctx.version))) {
    const base = { oid: r.oid as number, qname: r.qname as string };
    if (r.typtype === 'e') {
      types.push({ ...base, kind: 'enum', sql: `CREATE TYPE ${r.qname} AS ENUM (${(r.labels ?? []).join(', ')})` });
    } else if (r.typtype === 'd') {
      types.push({ ...base, kind: 'domain', sql: domainSql(r), notValid: r.not_valid ?? [] });
    } else if (r.typtype === 'c') {
      types.push({ ...base, kind: 'composite', sql: `CREATE TYPE ${r.qname} AS (${(r.attrs ?? []).join(', ')})` });
    } else if (r.typtype === 'r' && !r.canonical) {
      types.push({ ...base, kind: 'range', sql: rangeSql(r) });
    } else if (r.typtype === 'p') {
      types.push({ ...base, kind: 'shell', sql: `CREATE TYPE ${r.qname}` });
    } else {
      const dependents = await dependentsOf(ctx, Number(r.oid));
      ctx.unsupported.push({ kind: r.typtype === 'r' ? 'range-types' : 'base-types', object: `type ${r.qname}`, reason: SUPERUSER, superuser: true, ...(dependents.length ? { dependents } : {}) });
    }
  }
  return types;
}

/**
 * Objects that cannot exist without the type (columns, routines, domains, operators, views...),
 * through pg_depend, its array type included; routines in untrusted languages are left out
 * (they are not carried either).
 */
async function dependentsOf(ctx: ReadContext, typeOid: number): Promise<string[]> {
  const rows = await q(
    ctx.client,
    `WITH RECURSIVE dep AS (
       SELECT 'pg_type'::regclass::oid AS classid, t.oid AS objid, 0 AS objsubid, 0 AS level FROM pg_type t WHERE t.oid = $1 OR t.typelem = $1
       UNION
       SELECT d.classid, d.objid, d.objsubid, dep.level + 1 FROM pg_depend d JOIN dep ON d.refclassid = dep.classid AND d.refobjid = dep.objid
        WHERE d.deptype IN ('n', 'a') AND dep.level < 4)
     SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, dep.objsubid) AS name FROM dep
      WHERE dep.level > 0 AND NOT (dep.classid = 'pg_type'::regclass AND (dep.objid = $1 OR (SELECT typelem FROM pg_type WHERE oid = dep.objid) = $1))
        AND NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                         WHERE dep.classid = 'pg_proc'::regclass AND p.oid = dep.objid AND NOT l.lanpltrusted AND l.lanname <> 'sql')
        AND dep.classid <> 'pg_rewrite'::regclass
      ORDER BY 1`,
    [typeOid],
  );
  return rows.map((r) => r.name as string);
}

const dropType = (t: { kind: string; qname: string }) => `DROP ${t.kind === 'domain' ? 'DOMAIN' : 'TYPE'} IF EXISTS ${t.qname} CASCADE`;

export const types: Kind = {
  name: 'types',
  fields: ['types'],
  read: async (ctx) => ({ types: await readTypes(ctx) }),
  emit: [
    // a shell type needs a superuser to create (target.ts refuses it elsewhere)
    { phase: 'pre', at: 40, statements: ({ model }) => model.types.map((t) => ({ object: `type ${t.qname}`, sql: t.sql, ...(t.kind === 'shell' ? { kind: 'shell-types' } : {}) })) },
    {
      phase: 'post:foreign-keys',
      at: 230,
      statements: ({ model }) =>
        model.types.flatMap((d) =>
          (d.notValid ?? []).map((c) => ({ object: `domain-check ${d.qname}.${quoteIdent(c.name)}`, sql: `ALTER DOMAIN ${d.qname} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.def}` })),
        ),
    },
  ],
  undo: {
    pass: 2,
    statement(o, { model }) {
      if (!o.startsWith('type ')) return undefined;
      const qname = o.slice('type '.length);
      return dropType({ qname, kind: model.types.find((x) => x.qname === qname)?.kind ?? '' });
    },
  },
  force: {
    drop: {
      at: 50,
      statements: ({ model, targetModel }) => {
        const has = heldNames(targetModel);
        return [...model.types].reverse().filter((t) => has.has(t.qname)).map(dropType);
      },
    },
    // --tables leaves the target's types in place; one that differs refuses the run
    kept({ model, targetModel }) {
      const there = new Map(targetModel.types.map((t) => [t.qname, t.sql]));
      for (const t of model.types) {
        const other = there.get(t.qname);
        if (other !== undefined && other !== t.sql) refuse(`type ${t.qname} differs on the target (${other}): --force with --tables does not replace shared types; fix it on the target or copy without --tables`);
      }
      return [...there.keys()].map((q) => `type ${q}`);
    },
    cascade: {
      catalog: 'pg_type',
      from: 'pg_type x JOIN pg_namespace n ON n.oid = x.typnamespace',
      name: `format('%I.%I', n.nspname, x.typname)`,
      names: (model) => model.types.map((t) => t.qname),
    },
  },
};
