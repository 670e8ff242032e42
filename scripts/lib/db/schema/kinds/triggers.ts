/** Triggers (not the internal ones behind foreign keys, nor the clones on partitions, nor db:sync's write freeze `vn_freeze`). */
import type { Trigger } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';

export async function readTriggers(ctx: ReadContext): Promise<Trigger[]> {
  const rows = await q(
    ctx.client,
    `SELECT t.tgname AS name, t.tgrelid::int AS tableoid, ${QN('n.nspname', 'c.relname')} AS tablename, pg_get_triggerdef(t.oid) AS def, t.tgenabled
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND t.tgname <> 'vn_freeze' AND ${ctx.version >= 130000 ? 't.tgparentid = 0' : 'true'} AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY c.oid, t.tgname`,
  );
  return rows.map((r) => ({ name: r.name, tableOid: r.tableoid, table: r.tablename, def: r.def, enabled: r.tgenabled }));
}
