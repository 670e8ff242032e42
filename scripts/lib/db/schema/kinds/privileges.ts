/**
 * Privileges: GRANT/REVOKE on tables, views, sequences, columns, functions, procedures,
 * aggregates, schemas and types, and ALTER DEFAULT PRIVILEGES. As pg_dump does, each
 * object's ACL is compared with the privileges the object starts with (`acldefault`, or the
 * initial privileges of objects made by initdb such as schema public): what the ACL has
 * beyond them is granted, what it lacks is revoked. The owner's own entry is written as
 * CURRENT_USER, since the copying user owns the objects on the target.
 */
import type { AclStatement, DefaultPrivilegeDef, PrivilegeDef } from '../model';
import { notExtensionMember, notInternal, q, SYSTEM_NS, type ReadContext, type Row } from './context';

/** One object per row: kind, name, table oid for selection, ACL, starting ACL and owner. */
const OBJECTS_SQL = `
WITH objs AS (
  SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, format('%I.%I', n.nspname, c.relname) AS name, NULL::text AS col,
         CASE WHEN c.relkind = 'S' THEN (SELECT d.refobjid FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) ELSE c.oid END AS reloid,
         c.relacl AS acl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner) AS def, c.relowner AS owner,
         'pg_class'::regclass AS classid, c.oid AS objid
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relacl IS NOT NULL AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
  UNION ALL
  SELECT 'COLUMN', format('%I.%I', n.nspname, c.relname), quote_ident(a.attname), c.oid, a.attacl, '{}'::aclitem[], c.relowner, NULL, NULL
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), NULL,
         NULL, p.proacl, acldefault('f', p.proowner), p.proowner, 'pg_proc'::regclass, p.oid
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE p.proacl IS NOT NULL AND ${SYSTEM_NS} AND ${notExtensionMember('pg_proc', 'p.oid')} AND ${notInternal('pg_proc', 'p.oid')}
  UNION ALL
  SELECT 'SCHEMA', quote_ident(n.nspname), NULL, NULL, n.nspacl, acldefault('n', n.nspowner), n.nspowner, 'pg_namespace'::regclass, n.oid
    FROM pg_namespace n WHERE n.nspacl IS NOT NULL AND ${SYSTEM_NS} AND ${notExtensionMember('pg_namespace', 'n.oid')}
  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', n.nspname, t.typname), NULL, NULL, t.typacl, acldefault('T', t.typowner), t.typowner,
         'pg_type'::regclass, t.oid
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE t.typacl IS NOT NULL AND t.typtype IN ('e', 'd', 'c', 'r') AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
     AND ${SYSTEM_NS} AND ${notExtensionMember('pg_type', 't.oid')}
), based AS (
  SELECT o.*, coalesce((SELECT ip.initprivs FROM pg_init_privs ip WHERE ip.classoid = o.classid AND ip.objoid = o.objid AND ip.objsubid = 0), o.def) AS base
    FROM objs o
)
SELECT kind, name, col, reloid::int AS reloid, ${diffColumns('acl', 'base', 'owner')}
  FROM based WHERE acl IS DISTINCT FROM base
 ORDER BY kind, name, col`;

/** SQL columns `grants` and `revokes`: ACL entries only in `acl`, and only in `base`. */
function diffColumns(acl: string, base: string, owner: string): string {
  const item = (x: string) =>
    `json_build_object('role', CASE WHEN ${x}.grantee = 0 THEN 'PUBLIC' WHEN ${x}.grantee = ${owner} THEN 'CURRENT_USER' ELSE quote_ident(pg_get_userbyid(${x}.grantee)) END,
       'name', CASE WHEN ${x}.grantee NOT IN (0, ${owner}) THEN pg_get_userbyid(${x}.grantee) END, 'priv', ${x}.privilege_type, 'grantable', ${x}.is_grantable)`;
  const only = (a: string, b: string, x: string) =>
    `(SELECT json_agg(${item(x)} ORDER BY ${x}.grantee, ${x}.privilege_type) FROM aclexplode(nullif(${a}, '{}')) ${x}
       WHERE NOT EXISTS (SELECT 1 FROM aclexplode(nullif(${b}, '{}')) y WHERE y.grantee = ${x}.grantee AND y.privilege_type = ${x}.privilege_type AND y.is_grantable = ${x}.is_grantable))`;
  return `${only(acl, base, 'g')} AS grants, ${only(base, acl, 'r')} AS revokes`;
}

interface AclItem {
  readonly role: string;
  readonly name: string | null;
  readonly priv: string;
  readonly grantable: boolean;
}

/** `REVOKE ... FROM` then `GRANT ... TO` statements, one per role (and grant option). */
export function aclStatements(items: { grants: AclItem[] | null; revokes: AclItem[] | null }, on: string, col: string | null, prefix = ''): AclStatement[] {
  const privs = (list: AclItem[]) => [...new Set(list.map((i) => (col ? `${i.priv} (${col})` : i.priv)))].join(', ');
  const byRole = (list: AclItem[]) => {
    const m = new Map<string, AclItem[]>();
    for (const i of list) m.set(i.role + (i.grantable ? ' +' : ''), [...(m.get(i.role + (i.grantable ? ' +' : '')) ?? []), i]);
    return [...m.values()];
  };
  const out: AclStatement[] = [];
  for (const list of byRole(items.revokes ?? [])) out.push({ key: `REVOKE FROM ${list[0].role}${list[0].grantable ? ' (grant option)' : ''}`, sql: `${prefix}REVOKE ${privs(list)} ON ${on} FROM ${list[0].role}` });
  for (const list of byRole(items.grants ?? [])) {
    out.push({ key: `GRANT TO ${list[0].role}${list[0].grantable ? ' (grant option)' : ''}`, sql: `${prefix}GRANT ${privs(list)} ON ${on} TO ${list[0].role}${list[0].grantable ? ' WITH GRANT OPTION' : ''}` });
  }
  return out;
}

const rolesOf = (r: Row) => [...(r.grants ?? []), ...(r.revokes ?? [])].map((i: AclItem) => i.name).filter((n): n is string => Boolean(n));

export async function readPrivileges(ctx: ReadContext): Promise<PrivilegeDef[]> {
  return (await q(ctx.client, OBJECTS_SQL)).map((r) => {
    const on = r.kind === 'COLUMN' ? `TABLE ${r.name}` : `${r.kind} ${r.name}`;
    return {
      object: r.kind === 'COLUMN' ? `COLUMN ${r.name}.${r.col}` : on,
      relOid: r.reloid ?? null,
      statements: aclStatements(r as { grants: AclItem[]; revokes: AclItem[] }, on, r.col),
      roles: rolesOf(r),
    };
  });
}

const DEFAULT_KIND: Record<string, string> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' };

export async function readDefaultPrivileges(ctx: ReadContext): Promise<DefaultPrivilegeDef[]> {
  const rows = await q(
    ctx.client,
    `WITH d AS (
       SELECT d.defaclrole AS owner, pg_get_userbyid(d.defaclrole) AS rolname, d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS is_current,
              CASE WHEN d.defaclnamespace <> 0 THEN quote_ident(n.nspname) END AS nsp, d.defaclobjtype AS objtype, d.defaclacl AS acl,
              CASE WHEN d.defaclnamespace = 0 THEN acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END::"char", d.defaclrole)
                   ELSE '{}'::aclitem[] END AS base
         FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace)
     SELECT rolname, is_current, nsp, objtype, ${diffColumns('acl', 'base', "CASE WHEN is_current THEN owner ELSE 0::oid END")}
       FROM d ORDER BY rolname, nsp NULLS FIRST, objtype`,
  );
  return rows.map((r) => {
    const role = r.is_current ? 'CURRENT_USER' : `"${String(r.rolname).replace(/"/g, '""')}"`;
    const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${role}${r.nsp ? ` IN SCHEMA ${r.nsp}` : ''} `;
    const kind = DEFAULT_KIND[r.objtype] ?? 'TABLES';
    return {
      object: `${r.is_current ? 'CURRENT_USER' : r.rolname}${r.nsp ? ` in ${r.nsp}` : ''} on ${kind}`,
      statements: aclStatements(r as { grants: AclItem[]; revokes: AclItem[] }, kind, null, prefix),
      roles: [...(r.is_current ? [] : [r.rolname as string]), ...rolesOf(r)],
    };
  });
}
