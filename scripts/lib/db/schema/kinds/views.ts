/**
 * Views and materialized views, with the relations each reads (for ordering and selection),
 * whether it relies on a table's key (GROUP BY a primary key: created after the keys), and for
 * materialized views their column settings and TOAST options.
 */
import type { View } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';
import { COLUMNS_SQL, columnSettings, groupBy, toColumn, withOptions } from './tables';
import { heldNames, type ForceContext, type Kind, type Statement } from './kind';

export async function readViews(ctx: ReadContext): Promise<View[]> {
  const rows = await q(
    ctx.client,
    `SELECT c.oid, ${QN('n.nspname', 'c.relname')} AS qname, c.relkind, pg_get_viewdef(c.oid) AS def, c.reloptions, c.relispopulated,
            (SELECT array_agg(DISTINCT d.refobjid::int) FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
               WHERE rw.ev_class = c.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid) AS deps,
            EXISTS (SELECT 1 FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
               WHERE rw.ev_class = c.oid AND d.refclassid = 'pg_constraint'::regclass) AS on_key,
            (SELECT tc.reloptions FROM pg_class tc WHERE tc.oid = c.reltoastrelid) AS toast_options
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY c.oid`,
  );
  const matviews = rows.filter((r) => r.relkind === 'm').map((r) => Number(r.oid));
  const colsBy = matviews.length ? groupBy(await q(ctx.client, COLUMNS_SQL(ctx.version), [matviews]), 'attrelid', toColumn) : new Map();
  return rows.map((r) => ({
    oid: Number(r.oid),
    qname: r.qname,
    kind: r.relkind,
    definition: (r.def as string).trim().replace(/;$/, ''),
    reloptions: r.reloptions,
    populated: r.relispopulated,
    dependsOn: (r.deps ?? []).map(Number),
    ...(r.on_key ? { dependsOnKey: true } : {}),
    ...(r.relkind === 'm' ? { columns: colsBy.get(Number(r.oid)) ?? [], toastOptions: r.toast_options } : {}),
  }));
}

/** CREATE VIEW / MATERIALIZED VIEW, then a materialized view's column settings. */
function viewSql(v: View): Statement[] {
  if (v.kind === 'v') return [{ object: `view ${v.qname}`, sql: `CREATE VIEW ${v.qname}${withOptions(v.reloptions)} AS\n${v.definition}` }];
  return [
    { object: `materialized view ${v.qname}`, sql: `CREATE MATERIALIZED VIEW ${v.qname}${withOptions(v.reloptions, v.toastOptions)} AS\n${v.definition}\nWITH NO DATA` },
    ...columnSettings({ qname: v.qname, columns: v.columns ?? [] }, undefined),
  ];
}

const objectOf = (v: { kind: string; qname: string }) => `${v.kind === 'm' ? 'materialized view' : 'view'} ${v.qname}`;

/** With --force --tables: a view survives when it exists on the target and none of the tables it reads is dropped. */
function keptViews({ model, targetModel, dropped }: ForceContext): View[] {
  const oidOf = new Map(model.tables.map((t) => [t.oid, t.qname]));
  const there = new Set(targetModel.views.map((v) => v.qname));
  return model.views.filter((v) => there.has(v.qname) && !v.dependsOn.some((o) => dropped.has(oidOf.get(o) ?? '')));
}

export const views: Kind = {
  name: 'views',
  fields: ['views'],
  read: async (ctx) => ({ views: await readViews(ctx) }),
  emit: [
    { phase: 'pre', at: 100, statements: ({ sel }) => sel.views.filter((x) => !sel.afterKeys.has(x.oid)).flatMap(viewSql) },
    // views that rely on a key, created now that the keys exist
    { phase: 'post:final', at: 300, statements: ({ sel }) => sel.views.filter((x) => sel.afterKeys.has(x.oid)).flatMap(viewSql) },
    {
      phase: 'post:final',
      at: 370,
      statements: ({ sel }) => sel.views.filter((v) => v.kind === 'm' && v.populated).map((v) => ({ object: `refresh ${v.qname}`, sql: `REFRESH MATERIALIZED VIEW ${v.qname}`, action: true })),
    },
  ],
  undo: {
    pass: 0,
    statement(o) {
      if (o.startsWith('materialized view ')) return `DROP MATERIALIZED VIEW IF EXISTS ${o.slice('materialized view '.length)} CASCADE`;
      if (o.startsWith('view ')) return `DROP VIEW IF EXISTS ${o.slice('view '.length)} CASCADE`;
      return undefined;
    },
  },
  force: {
    drop: {
      at: 0,
      statements: ({ model, targetModel }) => {
        const has = heldNames(targetModel);
        return [...model.views].reverse().filter((v) => has.has(v.qname)).map((v) => `DROP ${v.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW'} IF EXISTS ${v.qname} CASCADE`);
      },
    },
    kept: (c) => keptViews(c).map(objectOf),
    keptRelations: (c) => keptViews(c).map((v) => v.qname),
    inside: ({ sel }) => sel.views.map((v) => v.qname),
    cascade: { catalog: 'pg_class', from: 'pg_class x JOIN pg_namespace n ON n.oid = x.relnamespace', name: `format('%I.%I', n.nspname, x.relname)`, names: (model) => model.views.map((v) => v.qname) },
  },
};
