/** Rules (CREATE RULE) on tables and views; a view's own `_RETURN` rule is the view. */
import type { RuleDef } from '../model';
import { quoteIdent } from '../../sql';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext } from './context';
import type { Kind } from './kind';

export async function readRules(ctx: ReadContext): Promise<RuleDef[]> {
  const rows = await q(
    ctx.client,
    `SELECT rw.rulename AS name, rw.ev_class::int AS reloid, ${QN('n.nspname', 'c.relname')} AS tablename, pg_get_ruledef(rw.oid) AS def, rw.ev_enabled,
            (SELECT array_agg(DISTINCT d.refobjid::int) FROM pg_depend d WHERE d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
               AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> rw.ev_class) AS deps
       FROM pg_rewrite rw JOIN pg_class c ON c.oid = rw.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE rw.rulename <> '_RETURN' AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY c.oid, rw.rulename`,
  );
  return rows.map((r) => ({
    name: r.name,
    relOid: r.reloid,
    table: r.tablename,
    sql: (r.def as string).trim().replace(/;$/, ''),
    enabled: r.ev_enabled,
    dependsOn: (r.deps ?? []).map(Number),
  }));
}

const RULE_STATE: Record<string, string> = { D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' };

export const rules: Kind = {
  name: 'rules',
  fields: ['rules'],
  read: async (ctx) => ({ rules: await readRules(ctx) }),
  emit: [
    {
      phase: 'post:final',
      at: 330,
      statements: ({ model, sel, skipped }) =>
        model.rules.flatMap((r) => {
          if (!sel.keptRel.has(r.relOid) || !r.dependsOn.every((d) => sel.keeps(d))) {
            if (sel.keeps(r.relOid)) skipped.push(`rule ${r.name} on ${r.table} (uses a table outside the selection)`);
            return [];
          }
          const state = RULE_STATE[r.enabled];
          return [
            { object: `rule ${r.table}.${quoteIdent(r.name)}`, table: r.table, sql: r.sql },
            ...(state ? [{ object: `rule-state ${r.table}.${quoteIdent(r.name)}`, table: r.table, sql: `ALTER TABLE ${r.table} ${state} RULE ${quoteIdent(r.name)}` }] : []),
          ];
        }),
    },
  ],
};
