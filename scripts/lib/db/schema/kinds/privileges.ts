/**
 * Privileges: GRANT/REVOKE on tables, views, sequences, columns, functions, procedures,
 * aggregates, schemas and types, and ALTER DEFAULT PRIVILEGES. As pg_dump does, each
 * object's ACL is compared with the privileges the object starts with (`acldefault`, or the
 * initial privileges of objects made by initdb such as schema public): what the ACL has
 * beyond them is granted, what it lacks is revoked. The owner's own entry is written as
 * CURRENT_USER, since the copying user owns the objects on the target.
 */
import type { AclStatement, DatabaseDef, DefaultPrivilegeDef, PrivilegeDef, SessionDef } from '../model';
import { quoteLiteral } from '../../sql';
import { notExtensionMember, notInternal, q, SYSTEM_NS, type ReadContext, type Row } from './context';
import type { Kind, Statement } from './kind';

const EXT = (cat: string, oid: string) => `EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${cat}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;
const CATALOG_NS = `n.nspname IN ('pg_catalog', 'information_schema')`;
/** '' for user objects, else what makes the object the target's superuser's: extension or catalog. */
const SYS = (cat: string, oid: string) => `CASE WHEN ${EXT(cat, oid)} THEN 'extension' WHEN ${CATALOG_NS} THEN 'catalog' ELSE '' END`;
/** User objects, extension members and system catalog objects (not TOAST or temporary schemas). */
const ANY_NS = `n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
/** GRANT ... ON FUNCTION takes an ordered-set aggregate's arguments as one list. */
const FN_ARGS = `replace(pg_get_function_identity_arguments(p.oid), ' ORDER BY ', ', ')`;

/**
 * One object per row: kind, name, table oid for selection, ACL, starting ACL and owner. The
 * starting ACL of an extension member or a system catalog object is its initial privileges
 * (pg_init_privs), as pg_dump compares them.
 */
const OBJECTS_SQL = `
WITH objs AS (
  SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, format('%I.%I', n.nspname, c.relname) AS name, NULL::text AS col,
         CASE WHEN c.relkind = 'S' THEN (SELECT d.refobjid FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) ELSE c.oid END AS reloid,
         c.relacl AS acl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner) AS def, c.relowner AS owner,
         'pg_class'::regclass AS classid, c.oid AS objid, 0 AS subid, ${SYS('pg_class', 'c.oid')} AS sys
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relacl IS NOT NULL AND ${ANY_NS}
  UNION ALL
  SELECT 'COLUMN', format('%I.%I', n.nspname, c.relname), quote_ident(a.attname), c.oid, a.attacl, '{}'::aclitem[], c.relowner, 'pg_class'::regclass, c.oid, a.attnum,
         ${SYS('pg_class', 'c.oid')}
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND ${ANY_NS}
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, format('%I.%I(%s)', n.nspname, p.proname, ${FN_ARGS}), NULL,
         NULL, p.proacl, acldefault('f', p.proowner), p.proowner, 'pg_proc'::regclass, p.oid, 0, ${SYS('pg_proc', 'p.oid')}
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE p.proacl IS NOT NULL AND ${ANY_NS} AND ${notInternal('pg_proc', 'p.oid')}
  UNION ALL
  SELECT 'SCHEMA', quote_ident(n.nspname), NULL, NULL, n.nspacl, acldefault('n', n.nspowner), n.nspowner, 'pg_namespace'::regclass, n.oid, 0, ''
    FROM pg_namespace n WHERE n.nspacl IS NOT NULL AND ${SYSTEM_NS} AND ${notExtensionMember('pg_namespace', 'n.oid')}
  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', n.nspname, t.typname), NULL, NULL, t.typacl, acldefault('T', t.typowner), t.typowner,
         'pg_type'::regclass, t.oid, 0, ${SYS('pg_type', 't.oid')}
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE t.typacl IS NOT NULL AND t.typtype IN ('e', 'd', 'c', 'r', 'b') AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') AND ${ANY_NS}
  UNION ALL
  SELECT 'LANGUAGE', quote_ident(l.lanname), NULL, NULL, l.lanacl, acldefault('l', l.lanowner), l.lanowner, 'pg_language'::regclass, l.oid, 0, 'language'
    FROM pg_language l WHERE l.lanacl IS NOT NULL
), based AS (
  -- a catalog object without initial privileges (information_schema's views) is as initdb left it
  SELECT o.*, coalesce((SELECT ip.initprivs FROM pg_init_privs ip WHERE ip.classoid = o.classid AND ip.objoid = o.objid AND ip.objsubid = o.subid),
                       CASE WHEN o.sys = 'catalog' AND o.kind <> 'COLUMN' THEN o.acl ELSE o.def END) AS base
    FROM objs o
)
SELECT kind, name, col, reloid::int AS reloid, sys, ${diffColumns('acl', 'base', 'owner')}
  FROM based WHERE acl IS DISTINCT FROM base
 ORDER BY kind, name, col`;

/** SQL columns `grants` and `revokes`: ACL entries only in `acl`, and only in `base`. */
function diffColumns(acl: string, base: string, owner: string): string {
  const item = (x: string) =>
    `json_build_object('role', CASE WHEN ${x}.grantee = 0 THEN 'PUBLIC' WHEN ${x}.grantee = ${owner} THEN 'CURRENT_USER' ELSE quote_ident(pg_get_userbyid(${x}.grantee)) END,
       'name', CASE WHEN ${x}.grantee NOT IN (0, ${owner}) THEN pg_get_userbyid(${x}.grantee) END, 'priv', ${x}.privilege_type, 'grantable', ${x}.is_grantable)`;
  // a privilege held WITH GRANT OPTION includes the privilege: an entry of the base that the ACL
  // holds with grant option is not revoked (the GRANT ... WITH GRANT OPTION upgrades it)
  const only = (a: string, b: string, x: string, upgrade: boolean) =>
    `(SELECT json_agg(${item(x)} ORDER BY ${x}.grantee, ${x}.privilege_type) FROM aclexplode(nullif(${a}, '{}')) ${x}
       WHERE NOT EXISTS (SELECT 1 FROM aclexplode(nullif(${b}, '{}')) y WHERE y.grantee = ${x}.grantee AND y.privilege_type = ${x}.privilege_type
                          AND (y.is_grantable = ${x}.is_grantable${upgrade ? ' OR y.is_grantable' : ''})))`;
  return `${only(acl, base, 'g', false)} AS grants, ${only(base, acl, 'r', true)} AS revokes`;
}

interface AclItem {
  readonly role: string;
  readonly name: string | null;
  readonly priv: string;
  readonly grantable: boolean;
}

/** What {@link aclStatements} is built from (kept in the model, so a reader can rebuild it for another owner). */
export interface AclSource {
  readonly grants: AclItem[] | null;
  readonly revokes: AclItem[] | null;
  readonly on: string;
  readonly col: string | null;
  readonly prefix?: string;
}

/**
 * `REVOKE ... FROM` then `GRANT ... TO` statements, one per role (and grant option). `self`
 * (unquoted role name) is written as CURRENT_USER: the role that owns the objects on the target,
 * whose grants are then its own.
 */
export function aclStatements(items: { grants: AclItem[] | null; revokes: AclItem[] | null }, on: string, col: string | null, prefix = '', self?: string): AclStatement[] {
  const mapSelf = (list: AclItem[] | null) => (list ?? []).map((i) => (self && i.name === self ? { ...i, role: 'CURRENT_USER', name: null } : i));
  items = { grants: mapSelf(items.grants), revokes: mapSelf(items.revokes) };
  const privs = (list: AclItem[]) => [...new Set(list.map((i) => (col ? `${i.priv} (${col})` : i.priv)))].sort().join(', ');
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

/** The statements of a privilege definition as seen by `self`, the role owning the copied objects (see {@link aclStatements}). */
export function statementsFor(p: PrivilegeDef, self: string): AclStatement[] {
  const a = p.acl as AclSource | undefined;
  return a ? aclStatements(a, a.on, a.col, a.prefix ?? '', self) : p.statements;
}

export async function readPrivileges(ctx: ReadContext): Promise<PrivilegeDef[]> {
  return (await q(ctx.client, OBJECTS_SQL)).map((r) => {
    const on = r.kind === 'COLUMN' ? `TABLE ${r.name}` : `${r.kind} ${r.name}`;
    return {
      object: r.kind === 'COLUMN' ? `COLUMN ${r.name}.${r.col}` : on,
      relOid: r.sys ? null : (r.reloid ?? null),
      statements: aclStatements(r as { grants: AclItem[]; revokes: AclItem[] }, on, r.col),
      roles: rolesOf(r),
      acl: { grants: r.grants, revokes: r.revokes, on, col: r.col },
      ...(r.sys ? { system: r.sys } : {}),
    };
  });
}

/** GRANT/REVOKE ON DATABASE (against acldefault), its comment and connection limit; written for whatever the target database is called. */
export async function readDatabase(ctx: ReadContext): Promise<{ database: DatabaseDef; session: SessionDef }> {
  const [r] = await q(
    ctx.client,
    `SELECT d.datconnlimit AS connlimit, shobj_description(d.oid, 'pg_database') AS comment,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser, current_user AS who, pg_has_role(d.datdba, 'USAGE') AS owns,
            ${diffColumns("coalesce(d.datacl, acldefault('d', d.datdba))", "acldefault('d', d.datdba)", 'd.datdba')}
       FROM pg_database d WHERE d.datname = current_database()`,
  );
  const privileges = r.grants || r.revokes ? aclStatements(r as { grants: AclItem[]; revokes: AclItem[] }, 'DATABASE %I', null) : [];
  return {
    database: { privileges, roles: rolesOf(r), comment: r.comment, connectionLimit: Number(r.connlimit) },
    session: { user: r.who, superuser: r.superuser, ownsDatabase: r.owns },
  };
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

export const privileges: Kind = {
  name: 'privileges',
  fields: ['privileges'],
  read: async (ctx) => ({ privileges: await readPrivileges(ctx) }),
  emit: [
    {
      phase: 'post:final',
      at: 390,
      statements: ({ model, sel }) =>
        model.privileges
          .filter((p) => sel.keeps(p.relOid))
          .flatMap((p) => p.statements.map((st) => ({ object: `privileges ${p.object} ${st.key}`, sql: st.sql, ...(p.system ? { kind: `${p.system}-privileges` } : {}) }))),
    },
  ],
  roles: (model) => model.privileges.flatMap((p) => p.roles),
  asSeenBy: (model, self) => ({ privileges: model.privileges.map((p) => ({ ...p, statements: statementsFor(p, self) })) }),
};

export const defaultPrivileges: Kind = {
  name: 'default-privileges',
  fields: ['defaultPrivileges'],
  read: async (ctx) => ({ defaultPrivileges: await readDefaultPrivileges(ctx) }),
  // last but the database's own, so they do not touch the objects the copy itself created
  emit: [
    {
      phase: 'post:final',
      at: 400,
      statements: ({ model }) => model.defaultPrivileges.flatMap((d) => d.statements.map((st) => ({ object: `default-privileges ${d.object} ${st.key}`, sql: st.sql }))),
    },
  ],
  roles: (model) => model.defaultPrivileges.flatMap((d) => d.roles),
};

/** `sql` (with `%I` for the database name) run against whatever the target database is called. */
function onThisDatabase(sql: string): string {
  const template = sql.replace(/%/g, '%%').replace('DATABASE %%I', 'DATABASE %I');
  return `DO $vn$BEGIN EXECUTE format(${quoteLiteral(template)}, current_database()); END$vn$`;
}

/** GRANT/REVOKE ON DATABASE, COMMENT ON DATABASE, CONNECTION LIMIT. */
export function databaseSql(d: DatabaseDef | undefined): Statement[] {
  if (!d) return [];
  const kind = 'database-privileges';
  const out: Statement[] = d.privileges.map((p) => ({ object: `database-privileges ${p.key}`, sql: onThisDatabase(p.sql), kind }));
  if (d.comment !== null) out.push({ object: 'database-comment', sql: onThisDatabase(`COMMENT ON DATABASE %I IS ${quoteLiteral(d.comment)}`), kind });
  if (d.connectionLimit !== -1) out.push({ object: 'database-connection-limit', sql: onThisDatabase(`ALTER DATABASE %I CONNECTION LIMIT ${d.connectionLimit}`), kind });
  return out;
}

export const database: Kind = {
  name: 'database',
  fields: ['database', 'session'],
  read: (ctx) => readDatabase(ctx),
  emit: [{ phase: 'post:final', at: 420, statements: ({ model }) => databaseSql(model.database) }],
  roles: (model) => model.database?.roles ?? [],
};
