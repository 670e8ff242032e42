/**
 * Views and materialized views, with the relations each reads (for ordering and selection),
 * whether it relies on a table's key (GROUP BY a primary key: created after the keys), and for
 * materialized views their column settings and TOAST options.
 */
import type { View } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';
import { COLUMNS_SQL, groupBy, toColumn } from './tables';

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
