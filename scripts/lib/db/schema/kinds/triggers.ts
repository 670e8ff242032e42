/**
 * Triggers (not the internal ones behind foreign keys, nor db:sync's write freeze `vn_freeze`). A partitioned table's trigger is cloned
 * on its partitions; a clone whose enabled state differs from its parent trigger's (`ALTER TABLE
 * partition DISABLE TRIGGER`) is read as a clone, so only its state is written.
 */
import type { Trigger } from '../model';
import { quoteIdent } from '../../sql';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';
import type { Kind, Statement } from './kind';

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

const TRIGGER_STATE: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS', O: 'ENABLE' };

export const triggers: Kind = {
  name: 'triggers',
  fields: ['triggers'],
  read: async (ctx) => ({ triggers: await readTriggers(ctx) }),
  // triggers, then the enabled state of clones on partitions that differ from their parent's (parents first)
  emit: [
    {
      phase: 'post:final',
      at: 320,
      statements: ({ model, sel }) => {
        const out: Statement[] = [];
        const state = (tr: Trigger, how: string) =>
          out.push({ object: `trigger-state ${tr.table}.${quoteIdent(tr.name)}`, table: tr.table, sql: `ALTER TABLE ${tr.table} ${how} TRIGGER ${quoteIdent(tr.name)}` });
        const kept = model.triggers.filter((tr) => sel.keptRel.has(tr.tableOid));
        for (const tr of kept.filter((x) => !x.clone)) {
          out.push({ object: `trigger ${tr.table}.${quoteIdent(tr.name)}`, table: tr.table, sql: tr.def });
          if (tr.enabled !== 'O' && TRIGGER_STATE[tr.enabled]) state(tr, TRIGGER_STATE[tr.enabled]);
        }
        for (const tr of kept.filter((x) => x.clone).sort((a, b) => (a.depth ?? 0) - (b.depth ?? 0))) if (TRIGGER_STATE[tr.enabled]) state(tr, TRIGGER_STATE[tr.enabled]);
        return out;
      },
    },
  ],
};
