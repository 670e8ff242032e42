/**
 * Triggers (not the internal ones behind foreign keys, nor db:sync's write freeze `vn_freeze`). A partitioned table's trigger is cloned
 * on its partitions; a clone whose enabled state differs from its parent trigger's (`ALTER TABLE
 * partition DISABLE TRIGGER`) is read as a clone, so only its state is written.
 */
import type { Trigger } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';

export async function readTriggers(ctx: ReadContext): Promise<Trigger[]> {
  const clones = ctx.version >= 130000;
  const rows = await q(
    ctx.client,
    `SELECT t.tgname AS name, t.tgrelid::int AS tableoid, ${QN('n.nspname', 'c.relname')} AS tablename, pg_get_triggerdef(t.oid) AS def, t.tgenabled,
            ${clones ? 't.tgparentid <> 0' : 'false'} AS clone,
            (WITH RECURSIVE up AS (SELECT c.oid AS rel, 0 AS depth UNION ALL
               SELECT i.inhparent, up.depth + 1 FROM pg_inherits i JOIN up ON i.inhrelid = up.rel) SELECT max(depth) FROM up) AS depth
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND t.tgname <> 'vn_freeze' AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
        AND (${clones ? `t.tgparentid = 0 OR t.tgenabled <> (SELECT pt.tgenabled FROM pg_trigger pt WHERE pt.oid = t.tgparentid)` : 'true'})
      ORDER BY c.oid, t.tgname`,
  );
  return rows.map((r) => ({
    name: r.name,
    tableOid: r.tableoid,
    table: r.tablename,
    def: r.def,
    enabled: r.tgenabled,
    ...(r.clone ? { clone: true, depth: Number(r.depth) } : {}),
  }));
}
