/**
 * Object kinds the copy does not carry, each object named, so the copy can refuse them
 * before any data moves (or the user skips the kind with `--skip <kind>`). A kind is refused
 * only when RDS PostgreSQL cannot host it, creating it needs a superuser, or it belongs to
 * the source's own setup (replication, foreign servers).
 */
import type { NotCarried } from '../carried';
import { notExtensionMember, q, SYSTEM_NS, type ReadContext } from './context';
import type { Kind } from './kind';

interface RefusedKind {
  readonly kind: string;
  /** SQL returning `name` (one row per object). */
  readonly sql: string;
  readonly reason: string;
  readonly superuser?: boolean;
}

const SU = 'needs a superuser, which RDS does not grant';
const described = (catalog: string, alias: string, where: string) =>
  `SELECT pg_describe_object('${catalog}'::regclass, ${alias}.oid, 0) AS name FROM ${catalog} ${alias} ${where} AND ${notExtensionMember(catalog, `${alias}.oid`)}`;
const inUserSchema = (catalog: string, alias: string, nsCol: string, extra = 'true') =>
  described(catalog, alias, `JOIN pg_namespace n ON n.oid = ${alias}.${nsCol} WHERE ${SYSTEM_NS} AND ${extra}`);

const REFUSED: readonly RefusedKind[] = [
  { kind: 'foreign-tables', sql: inUserSchema('pg_class', 'c', 'relnamespace', "c.relkind = 'f'"), reason: 'not carried: a foreign table reads another server; recreate it with its server on the target, or skip' },
  { kind: 'foreign-servers', sql: described('pg_foreign_server', 's', 'WHERE true'), reason: 'not carried: a foreign server and its user mappings hold addresses and credentials of the old network; recreate them on the target, or skip' },
  { kind: 'foreign-data-wrappers', sql: described('pg_foreign_data_wrapper', 'w', 'WHERE true'), reason: `${SU}; use an extension such as postgres_fdw on the target`, superuser: true },
  {
    kind: 'event-triggers',
    sql: described('pg_event_trigger', 'et', 'WHERE true'),
    reason: 'CREATE EVENT TRIGGER needs a superuser (on RDS the rds_superuser role, not the copying user): not carried by db:copy; recreate it on the target',
    superuser: true,
  },
  { kind: 'languages', sql: described('pg_language', 'l', "WHERE l.lanname NOT IN ('internal', 'c', 'sql', 'plpgsql')"), reason: `${SU}; install the language as an extension on the target`, superuser: true },
  { kind: 'operator-classes', sql: inUserSchema('pg_opfamily', 'f', 'opfnamespace'), reason: `operator classes and families: ${SU}`, superuser: true },
  { kind: 'conversions', sql: inUserSchema('pg_conversion', 'v', 'connamespace'), reason: `encoding conversions use C functions: ${SU}`, superuser: true },
  { kind: 'text-search', sql: inUserSchema('pg_ts_config', 't', 'cfgnamespace'), reason: 'text search configurations are not carried by db:copy: create them on the target first, or skip' },
  { kind: 'text-search', sql: inUserSchema('pg_ts_dict', 't', 'dictnamespace'), reason: 'text search dictionaries are not carried by db:copy: create them on the target first, or skip' },
  { kind: 'text-search', sql: inUserSchema('pg_ts_parser', 't', 'prsnamespace'), reason: `text search parsers use C functions: ${SU}`, superuser: true },
  { kind: 'text-search', sql: inUserSchema('pg_ts_template', 't', 'tmplnamespace'), reason: `text search templates use C functions: ${SU}`, superuser: true },
  { kind: 'access-methods', sql: described('pg_am', 'a', 'WHERE a.oid >= 16384'), reason: SU, superuser: true },
  { kind: 'transforms', sql: described('pg_transform', 't', 'WHERE true'), reason: `transforms use C functions: ${SU}`, superuser: true },
  { kind: 'publications', sql: described('pg_publication', 'p', 'WHERE true'), reason: 'not carried: a publication belongs to the source\'s replication setup; create it on the target when needed' },
  {
    kind: 'index-statistics',
    sql: `SELECT format('%s column %s', a.attrelid::regclass, a.attnum) AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('i', 'I') AND a.attstattarget >= 0 AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')}`,
    reason: 'ALTER INDEX ... ALTER COLUMN ... SET STATISTICS is not carried by db:copy: set it again on the target after the copy, or skip',
  },
  {
    kind: 'tablespaces',
    sql: `SELECT format('%s %s (TABLESPACE %I)', CASE c.relkind WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'm' THEN 'materialized view' ELSE 'table' END,
                  format('%I.%I', n.nspname, c.relname), s.spcname) AS name
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_tablespace s ON s.oid = c.reltablespace
           WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I') AND ${SYSTEM_NS} AND ${notExtensionMember('pg_class', 'c.oid')} ORDER BY 1`,
    reason:
      "the target (RDS) manages its own storage and has none of the source's tablespaces: move it on the source (ALTER ... SET TABLESPACE pg_default), or accept with --skip tablespaces, which creates it in the target's default tablespace",
  },
  { kind: 'security-labels', sql: `SELECT pg_describe_object(classoid, objoid, objsubid) AS name FROM pg_seclabel`, reason: 'security labels need a label provider module (e.g. sepgsql) that RDS does not load' },
];

export async function readNotCarried(ctx: ReadContext): Promise<void> {
  const add = (n: NotCarried) => ctx.unsupported.push(n);
  for (const k of REFUSED) {
    for (const r of await q(ctx.client, k.sql)) add({ kind: k.kind, object: r.name, reason: k.reason, ...(k.superuser ? { superuser: true } : {}) });
  }
  const [misc] = await q(
    ctx.client,
    `SELECT (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects,
            (SELECT count(*) FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()))::int AS subscriptions`,
  );
  if (misc.large_objects > 0) add({ kind: 'large-objects', object: `${misc.large_objects} large object(s)`, reason: 'pg_largeobject is not carried: move them into bytea columns first' });
  for (const r of await q(
    ctx.client,
    `SELECT pg_get_userbyid(setrole) AS role, unnest(setconfig) AS setting FROM pg_db_role_setting
      WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole <> 0 ORDER BY 1, 2`,
  )) {
    add({ kind: 'role-settings', object: `ALTER ROLE ${r.role} IN DATABASE ... SET ${r.setting}`, reason: 'a per-role setting belongs to the role, which db:copy does not create: set it on the target' });
  }
  if (misc.subscriptions > 0) add({ kind: 'subscriptions', object: `${misc.subscriptions} subscription(s)`, reason: `${SU} (or pg_create_subscription on 16+); recreate them on the target`, superuser: true });
}

export const notCarried: Kind = {
  name: 'not-carried',
  fields: [],
  read: async (ctx) => {
    await readNotCarried(ctx);
    return {};
  },
  // Placement the copy refuses: compared so a target that lacks it fails.
  signature: (model, skip) => (skip.has('tablespaces') ? [] : model.unsupported.filter((x) => x.kind === 'tablespaces').map((u) => [`tablespace ${u.object}`, u.object])),
};
