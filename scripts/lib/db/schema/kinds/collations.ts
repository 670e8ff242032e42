/** User-defined collations (libc or ICU), created before the types and tables that use them. */
import type { NamedDef } from '../model';
import { notExtensionMember, q, QN, SYSTEM_NS, type ReadContext, type Row } from './context';

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
