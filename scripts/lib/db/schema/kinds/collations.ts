/** User-defined collations (libc or ICU), created before the types and tables that use them. */
import type { NamedDef } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext, type Row } from './context';
import { keptWhenEqual, undoCreated, type Kind } from './kind';

const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;

function collationSql(r: Row): string {
  // to_jsonb keeps this independent of the version's column names (colliculocale, colllocale).
  const c = r.co as Record<string, string | boolean | null>;
  const opts: string[] = [];
  if (c.collprovider === 'i') {
    opts.push('provider = icu', `locale = ${lit(String(c.colllocale ?? c.colliculocale ?? c.collcollate))}`);
    if (c.collicurules) opts.push(`rules = ${lit(String(c.collicurules))}`);
  } else if (c.collcollate === c.collctype) {
    opts.push('provider = libc', `locale = ${lit(String(c.collcollate))}`);
  } else {
    opts.push('provider = libc', `lc_collate = ${lit(String(c.collcollate))}`, `lc_ctype = ${lit(String(c.collctype))}`);
  }
  if (c.collisdeterministic === false) opts.push('deterministic = false');
  return `CREATE COLLATION ${r.qname} (${opts.join(', ')})`;
}

export async function readCollations(ctx: ReadContext): Promise<NamedDef[]> {
  const rows = await q(
    ctx.client,
    `SELECT co.oid, ${QN('n.nspname', 'co.collname')} AS qname, to_jsonb(co) AS co
       FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
      WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_collation', 'co.oid')} ORDER BY co.oid`,
  );
  return rows.map((r) => ({ oid: Number(r.oid), identity: r.qname, sql: collationSql(r) }));
}

export const collations: Kind = {
  name: 'collations',
  fields: ['collations'],
  read: async (ctx) => ({ collations: await readCollations(ctx) }),
  emit: [{ phase: 'pre', at: 30, statements: ({ model }) => model.collations.map((c) => ({ object: `collation ${c.identity}`, sql: c.sql })) }],
  undo: {
    pass: 2,
    statement: (o, { targetModel }) => undoCreated(o, 'collation', targetModel.collations.map((c) => c.identity), (name) => `DROP COLLATION IF EXISTS ${name} CASCADE`),
  },
  force: {
    drop: {
      at: 60,
      statements: ({ model, targetModel }) =>
        model.collations.filter((x) => targetModel.collations.some((c) => c.identity === x.identity)).map((c) => `DROP COLLATION IF EXISTS ${c.identity} CASCADE`),
    },
    // no CREATE OR REPLACE COLLATION: the target's is kept when equal
    kept: ({ model, targetModel }) => keptWhenEqual('collation', 'collation', model.collations, targetModel.collations),
    cascade: {
      catalog: 'pg_collation',
      from: 'pg_collation x JOIN pg_namespace n ON n.oid = x.collnamespace',
      name: `format('%I.%I', n.nspname, x.collname)`,
      names: (model) => model.collations.map((c) => c.identity),
    },
  },
};
