/** Extended statistics objects (CREATE STATISTICS) and their statistics targets. */
import type { StatisticsDef } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';
import type { Kind } from './kind';

export async function readStatistics(ctx: ReadContext): Promise<StatisticsDef[]> {
  const rows = await q(
    ctx.client,
    `SELECT ${QN('n.nspname', 's.stxname')} AS qname, s.stxrelid::int AS tableoid, ${QN('tn.nspname', 'c.relname')} AS tablename,
            pg_get_statisticsobjdef(s.oid) AS def, nullif(s.stxstattarget::int, -1) AS target
       FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
       JOIN pg_class c ON c.oid = s.stxrelid JOIN pg_namespace tn ON tn.oid = c.relnamespace
      WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_statistic_ext', 's.oid')}
      ORDER BY s.oid`,
  );
  return rows.map((r) => ({ qname: r.qname, tableOid: r.tableoid, table: r.tablename, sql: r.def, target: r.target === null ? null : Number(r.target) }));
}

export const statistics: Kind = {
  name: 'statistics',
  fields: ['statistics'],
  read: async (ctx) => ({ statistics: await readStatistics(ctx) }),
  emit: [
    {
      phase: 'post:final',
      at: 360,
      statements: ({ model, sel }) =>
        model.statistics
          .filter((s) => sel.selected.has(s.tableOid))
          .flatMap((s) => [
            { object: `statistics ${s.qname}`, table: s.table, sql: s.sql },
            ...(s.target !== null ? [{ object: `statistics-target ${s.qname}`, table: s.table, sql: `ALTER STATISTICS ${s.qname} SET STATISTICS ${s.target}` }] : []),
          ]),
    },
  ],
};
