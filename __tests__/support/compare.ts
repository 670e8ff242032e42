/**
 * An independent judge of "the target equals the source", for the data tests.
 *
 * It never calls the engine's own verify or schema reader: the schema is compared with
 * `pg_dump --schema-only --no-owner` (privileges included, owners excluded) plus the
 * database-level settings pg_dump leaves out without --create; the content with a per-table
 * hash of each row's text form (`t::text`, which keeps float -0, numeric scale, interval
 * fields and array bounds), sequences with their last_value/is_called, and large objects
 * with their bytes, and from the catalogs what the dump leaves out or hides (catalogExtras:
 * ACLs of extension members, languages and catalog objects, TOAST options, trigger states on
 * partitions, column order, shell types, tablespaces, the database's ACL, comment and limit).
 *
 *   const diff = await compareDatabases(sourceUrl, targetUrl);
 *   expect(diff).toEqual(NO_DIFFERENCE);          // or expectSameDatabase(sourceUrl, targetUrl)
 *
 * Connects as whatever user the URL names: use the superuser URL of the test clusters, so
 * row-level security cannot hide rows from the judge.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { PG_BIN } from './postgres';

const PG_DUMP = [join(PG_BIN, 'pg_dump'), '/usr/bin/pg_dump'].find((p) => existsSync(p)) ?? 'pg_dump';

function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
    PGSSLMODE: u.searchParams.get('sslmode') ?? 'prefer',
  };
}

/**
 * `pg_dump --schema-only --no-owner` of a database, comments, blank lines, session SETs and
 * the per-run `\restrict` keys removed, so two dumps of equal schemas are equal text.
 */
export function schemaDump(url: string, extraArgs: readonly string[] = []): string {
  const r = spawnSync(PG_DUMP, ['--schema-only', '--no-owner', ...extraArgs], { env: libpqEnv(url), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`pg_dump failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('--') && !/^\\(un)?restrict /.test(l) && !/^SET |^SELECT pg_catalog\.set_config/.test(l))
    .join('\n');
}

/** A session on `url`; with `snapshot` (an exported one, see {@link holdSnapshot}) it reads in that snapshot. */
async function withClient<T>(url: string, fn: (c: Client) => Promise<T>, snapshot?: string): Promise<T> {
  const c = new Client({ connectionString: url, ssl: false });
  await c.connect();
  try {
    await c.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'");
    if (snapshot) await c.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
    const out = await fn(c);
    if (snapshot) await c.query('COMMIT');
    return out;
  } finally {
    await c.end();
  }
}

/**
 * One database held at one moment, for a comparison made later while it takes writes again: a
 * REPEATABLE READ transaction kept open with its snapshot exported (tables, catalogs and the
 * schema dump are read in it), and the sequences read at once (a sequence is not in any
 * snapshot). `release` ends the transaction.
 */
export interface HeldSnapshot {
  readonly snapshot: string;
  readonly sequences: Record<string, string>;
  /** When the hold was complete, the sequences read (ms since the epoch). */
  readonly takenAt: number;
  release(): Promise<void>;
}

export async function holdSnapshot(url: string): Promise<HeldSnapshot> {
  const c = new Client({ connectionString: url, ssl: false });
  // Held for minutes: a server that stops meanwhile (a failed run's clean-up) is not an uncaught error.
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await c.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0].s;
    const sequences = await readSequences(c);
    const takenAt = Date.now();
    return { snapshot, sequences, takenAt, release: async () => void (await c.query('COMMIT').catch(() => undefined), await c.end().catch(() => undefined)) };
  } catch (e) {
    await c.end().catch(() => undefined);
    throw e;
  }
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

/** md5 of every table's and materialized view's rows (text form, sorted), keyed by `schema.name`. */
export async function contentHashes(url: string, snapshot?: string): Promise<Record<string, string>> {
  return withClient(
    url,
    async (c) => {
      const rels = await c.query<{ q: string }>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND ${USER_SCHEMAS} ORDER BY 1`,
      );
      const out: Record<string, string> = {};
      for (const { q } of rels.rows) out[q] = await tableHash(c, q, Boolean(snapshot));
      return out;
    },
    snapshot,
  );
}

/** Rows fetched at a time by {@link tableHash}. */
const HASH_BATCH = 5000;

/**
 * `<rows>:<md5>` of one table: md5 of its rows' text forms, sorted (C collation), joined by a
 * newline, hashed here as they stream from a cursor (a server-side string_agg fails past 1 GB of
 * text: "out of memory" at 3.8 GB). Read in one REPEATABLE READ transaction (the caller's, when
 * it holds a snapshot), so the count and the hash are of the same rows.
 */
async function tableHash(c: Client, q: string, inTransaction: boolean): Promise<string> {
  if (!inTransaction) await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await c.query(`DECLARE vn_judge NO SCROLL CURSOR FOR SELECT t::text AS r FROM ONLY ${q} t ORDER BY t::text COLLATE "C"`);
    const hash = createHash('md5');
    let n = 0;
    for (;;) {
      const rows = (await c.query<{ r: string }>(`FETCH ${HASH_BATCH} FROM vn_judge`)).rows;
      for (const row of rows) {
        if (n++) hash.update('\n');
        hash.update(row.r);
      }
      if (rows.length < HASH_BATCH) break;
    }
    await c.query('CLOSE vn_judge');
    return `${n}:${n ? hash.digest('hex') : 'empty'}`;
  } finally {
    if (!inTransaction) await c.query('COMMIT');
  }
}

async function readSequences(c: Client): Promise<Record<string, string>> {
  const seqs = await c.query<{ q: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND ${USER_SCHEMAS} ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { q } of seqs.rows) {
    const r = await c.query<{ v: string; called: boolean }>(`SELECT last_value::text AS v, is_called AS called FROM ${q}`);
    out[q] = `${r.rows[0].v}/${r.rows[0].called}`;
  }
  return out;
}

/** last_value/is_called of every sequence, keyed by `schema.name`. */
export async function sequenceStates(url: string): Promise<Record<string, string>> {
  return withClient(url, readSequences);
}

/** `ALTER DATABASE … SET` settings (not in a dump without --create) and large objects. */
export async function databaseExtras(url: string, snapshot?: string): Promise<{ settings: string[]; largeObjects: string[] }> {
  return withClient(
    url,
    async (c) => {
      const s = await c.query<{ cfg: string[] | null }>(
        `SELECT setconfig AS cfg FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0`,
      );
      const lo = await c.query<{ x: string }>(
        `SELECT m.oid::text || ':' || md5(coalesce((SELECT string_agg(encode(data, 'hex'), '' ORDER BY pageno) FROM pg_largeobject WHERE loid = m.oid), '')) AS x
         FROM pg_largeobject_metadata m ORDER BY m.oid`,
      );
      return { settings: [...(s.rows[0]?.cfg ?? [])].sort(), largeObjects: lo.rows.map((r) => r.x) };
    },
    snapshot,
  );
}

/**
 * What `pg_dump --schema-only` of one database leaves out or hides, read from the catalogs,
 * keyed by object: ACLs of extension members, languages and system catalog objects (against
 * their initial privileges, owners written as OWNER), TOAST options, the enabled state of every
 * trigger (clones on partitions included), the column order of every table, shell types,
 * tablespaces, and the database's own ACL, comment and connection limit.
 */
export async function catalogExtras(url: string, snapshot?: string): Promise<Record<string, string>> {
  return withClient(
    url,
    async (c) => {
      const rows = await c.query<{ k: string; v: string }>(`
      WITH acls AS (
        SELECT 'acl ' || pg_describe_object(ip.classoid, ip.objoid, ip.objsubid) AS k, ip.initprivs AS base, o.acl, o.owner
          FROM pg_init_privs ip, LATERAL (
            SELECT p.proacl AS acl, p.proowner AS owner FROM pg_proc p WHERE ip.classoid = 'pg_proc'::regclass AND p.oid = ip.objoid
            UNION ALL SELECT CASE WHEN ip.objsubid = 0 THEN c.relacl ELSE (SELECT attacl FROM pg_attribute WHERE attrelid = c.oid AND attnum = ip.objsubid) END, c.relowner
                        FROM pg_class c WHERE ip.classoid = 'pg_class'::regclass AND c.oid = ip.objoid
            UNION ALL SELECT l.lanacl, l.lanowner FROM pg_language l WHERE ip.classoid = 'pg_language'::regclass AND l.oid = ip.objoid
            UNION ALL SELECT t.typacl, t.typowner FROM pg_type t WHERE ip.classoid = 'pg_type'::regclass AND t.oid = ip.objoid
            UNION ALL SELECT n.nspacl, n.nspowner FROM pg_namespace n WHERE ip.classoid = 'pg_namespace'::regclass AND n.oid = ip.objoid) o
        UNION ALL
        SELECT 'acl ' || pg_describe_object('pg_class'::regclass, a.attrelid, a.attnum), NULL, a.attacl, c.relowner
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ('pg_catalog', 'information_schema') AND a.attacl IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.classoid = 'pg_class'::regclass AND ip.objoid = a.attrelid AND ip.objsubid = a.attnum)
        UNION ALL
        SELECT 'acl ' || pg_describe_object('pg_proc'::regclass, p.oid, 0), acldefault('f', p.proowner), p.proacl, p.proowner
          FROM pg_proc p JOIN pg_depend e ON e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e'
         WHERE NOT EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.classoid = 'pg_proc'::regclass AND ip.objoid = p.oid)
        UNION ALL
        SELECT 'acl ' || pg_describe_object('pg_class'::regclass, c.oid, 0), acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner), c.relacl, c.relowner
          FROM pg_class c JOIN pg_depend e ON e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e'
         WHERE NOT EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.classoid = 'pg_class'::regclass AND ip.objoid = c.oid AND ip.objsubid = 0)
        UNION ALL
        SELECT 'acl ' || pg_describe_object('pg_language'::regclass, l.oid, 0), acldefault('l', l.lanowner), l.lanacl, l.lanowner
          FROM pg_language l WHERE NOT EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.classoid = 'pg_language'::regclass AND ip.objoid = l.oid)
      )
      SELECT k, coalesce((SELECT string_agg(CASE WHEN x.grantee = 0 THEN 'PUBLIC' WHEN x.grantee = acls.owner THEN 'OWNER' ELSE pg_get_userbyid(x.grantee) END
                                            || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END, ',' ORDER BY 1)
                            FROM aclexplode(acl) x), 'none') AS v
        FROM acls WHERE acl IS NOT NULL
         AND (base IS NULL OR (SELECT array_agg(CASE WHEN x.grantee = acls.owner THEN 'OWNER' ELSE x.grantee::text END || x.privilege_type || x.is_grantable ORDER BY 1)
                                 FROM aclexplode(acl) x)
                    IS DISTINCT FROM (SELECT array_agg(CASE WHEN x.grantee = x.grantor THEN 'OWNER' ELSE x.grantee::text END || x.privilege_type || x.is_grantable ORDER BY 1)
                                 FROM aclexplode(base) x))
      UNION ALL
      SELECT 'toast ' || c.oid::regclass::text, array_to_string(t.reloptions, ',') FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.reloptions IS NOT NULL AND ${USER_SCHEMAS}
      UNION ALL
      SELECT 'trigger ' || tg.tgrelid::regclass::text || '.' || tg.tgname, tg.tgenabled::text FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal AND ${USER_SCHEMAS}
      UNION ALL
      SELECT 'columns ' || c.oid::regclass::text, (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f') AND ${USER_SCHEMAS}
      UNION ALL
      SELECT 'shell type ' || t.oid::regtype::text, 'shell' FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE t.typtype = 'p' AND NOT t.typisdefined AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      UNION ALL
      SELECT 'tablespace ' || c.oid::regclass::text, s.spcname FROM pg_class c JOIN pg_tablespace s ON s.oid = c.reltablespace
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMAS}
      UNION ALL
      SELECT 'database acl', coalesce((SELECT string_agg(CASE WHEN x.grantee = 0 THEN 'PUBLIC' WHEN x.grantee = d.datdba THEN 'OWNER' ELSE pg_get_userbyid(x.grantee) END
                                                 || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END, ',' ORDER BY 1) FROM aclexplode(d.datacl) x), 'default')
        FROM pg_database d WHERE d.datname = current_database() AND d.datacl IS DISTINCT FROM acldefault('d', d.datdba) AND d.datacl IS NOT NULL
      UNION ALL
      SELECT 'database comment', shobj_description(d.oid, 'pg_database') FROM pg_database d WHERE d.datname = current_database() AND shobj_description(d.oid, 'pg_database') IS NOT NULL
      UNION ALL
      SELECT 'database connection limit', d.datconnlimit::text FROM pg_database d WHERE d.datname = current_database() AND d.datconnlimit <> -1`);
      return Object.fromEntries(rows.rows.map((r) => [r.k, r.v]));
    },
    snapshot,
  );
}

export interface DatabaseDifference {
  /** Lines of the schema dump only in the source (`-`) or only in the target (`+`); empty when equal. */
  readonly schema: string[];
  /** Tables whose row count or content hash differ, with both values. */
  readonly content: Record<string, { source?: string; target?: string }>;
  readonly sequences: Record<string, { source?: string; target?: string }>;
  readonly settings: { source: string[]; target: string[] } | null;
  readonly largeObjects: { source: string[]; target: string[] } | null;
  /** What {@link catalogExtras} reads, where it differs. */
  readonly catalog: Record<string, { source?: string; target?: string }>;
}

export const NO_DIFFERENCE: DatabaseDifference = { schema: [], content: {}, sequences: {}, settings: null, largeObjects: null, catalog: {} };

function diffRecords(a: Record<string, string>, b: Record<string, string>): Record<string, { source?: string; target?: string }> {
  const out: Record<string, { source?: string; target?: string }> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[k] !== b[k]) out[k] = { source: a[k], target: b[k] };
  return out;
}

/** Line multiset difference of two dumps (order-independent, so it names what differs). */
function diffLines(a: string, b: string): string[] {
  const count = new Map<string, number>();
  for (const l of a.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
  for (const l of b.split('\n')) count.set(l, (count.get(l) ?? 0) - 1);
  const out: string[] = [];
  for (const [l, n] of count) for (let i = 0; i < Math.abs(n); i++) out.push(`${n > 0 ? '-' : '+'} ${l}`);
  return out;
}

export interface CompareOptions {
  /** Compare the schema dump. @default true */
  readonly schema?: boolean;
  /** Extra pg_dump arguments for both sides, e.g. ['--table=public.orgs']. */
  readonly dumpArgs?: readonly string[];
  /** Compare both sides as held at one moment ({@link holdSnapshot}), not as they are now. @default none */
  readonly held?: { readonly source: HeldSnapshot; readonly target: HeldSnapshot };
}

/** Everything that differs between two databases, judged without the engine. */
export async function compareDatabases(sourceUrl: string, targetUrl: string, opts: CompareOptions = {}): Promise<DatabaseDifference> {
  const h = opts.held;
  const dump = (url: string, held?: HeldSnapshot) => schemaDump(url, [...(opts.dumpArgs ?? []), ...(held ? [`--snapshot=${held.snapshot}`] : [])]);
  const schema = opts.schema === false ? [] : diffLines(dump(sourceUrl, h?.source), dump(targetUrl, h?.target));
  const [ca, cb, sa, sb, ea, eb, xa, xb] = await Promise.all([
    contentHashes(sourceUrl, h?.source.snapshot),
    contentHashes(targetUrl, h?.target.snapshot),
    h ? h.source.sequences : sequenceStates(sourceUrl),
    h ? h.target.sequences : sequenceStates(targetUrl),
    databaseExtras(sourceUrl, h?.source.snapshot),
    databaseExtras(targetUrl, h?.target.snapshot),
    catalogExtras(sourceUrl, h?.source.snapshot),
    catalogExtras(targetUrl, h?.target.snapshot),
  ]);
  return {
    schema,
    content: diffRecords(ca, cb),
    sequences: diffRecords(sa, sb),
    settings: JSON.stringify(ea.settings) === JSON.stringify(eb.settings) ? null : { source: ea.settings, target: eb.settings },
    largeObjects: JSON.stringify(ea.largeObjects) === JSON.stringify(eb.largeObjects) ? null : { source: ea.largeObjects, target: eb.largeObjects },
    catalog: diffRecords(xa, xb),
  };
}

/** Jest assertion: the target equals the source by the independent judge. */
export async function expectSameDatabase(sourceUrl: string, targetUrl: string, opts: CompareOptions = {}): Promise<void> {
  expect(await compareDatabases(sourceUrl, targetUrl, opts)).toEqual(NO_DIFFERENCE);
}

/** The freeze's own schema objects as pg_dump prints them (one trigger line per frozen table). */
const FREEZE_TRIGGER_LINE = /^[-+] CREATE TRIGGER vn_freeze BEFORE INSERT OR DELETE OR UPDATE OR TRUNCATE ON \S+ FOR EACH STATEMENT EXECUTE FUNCTION vn_freeze\.refuse\(\);$/;

/**
 * {@link compareDatabases} with db:sync's write freeze set aside, on either side: its schema
 * `vn_freeze` (left out of the dump) and its `vn_freeze` triggers (one line per table, in the
 * dump and in the catalog's trigger states). The freeze's database setting stays in `settings`;
 * everything else is judged.
 */
export async function compareBesideFreeze(sourceUrl: string, targetUrl: string, opts: CompareOptions = {}): Promise<DatabaseDifference> {
  const diff = await compareDatabases(sourceUrl, targetUrl, { ...opts, dumpArgs: ['--exclude-schema=vn_freeze', ...(opts.dumpArgs ?? [])] });
  const catalog = Object.fromEntries(Object.entries(diff.catalog).filter(([k]) => !/^trigger \S+\.vn_freeze$/.test(k)));
  return { ...diff, schema: diff.schema.filter((l) => !FREEZE_TRIGGER_LINE.test(l)), catalog };
}
