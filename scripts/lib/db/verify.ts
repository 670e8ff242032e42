/**
 * Verification of a copy: per table exact row counts and an order-independent content hash
 * computed inside each database (constant memory: a sum of 64-bit row hashes) in a type-exact
 * form, the same for populated materialized views, plus a comparison of every schema object
 * kind the copy carries (privileges, replica identity, rules, triggers and database settings
 * included) and of sequence values (free-standing ones too).
 *
 * Both sides run with the same session settings (STABLE_SESSION_SQL) so the text form of
 * every row is identical when the data is. Within db:copy the source side reads the copy's
 * exported snapshot, so verification is exact even while the source keeps taking writes.
 */
import type { Client } from 'pg';
import { closeQuietly, DEFAULT_JOBS, runPool } from './pool';
import { readSequenceValues, type SequenceValue } from './sequences';
import { connect, MigrationError, quoteIdent, STABLE_SESSION_SQL } from './connection';
import { refuseSameDatabaseSessions } from './session';
import { readSchema, type SchemaModel, type Table, type View } from './schema/catalog';
import { schemaSignature } from './schema/ddl';
import { select, type TableFilter } from './schema/selection';


export interface TableCheck {
  readonly table: string;
  readonly sourceRows: number;
  readonly targetRows: number | null;
  readonly sourceHash: string;
  readonly targetHash: string | null;
  readonly match: boolean;
  readonly ms: number;
}

export interface SchemaDiff {
  readonly object: string;
  readonly problem: 'missing on target' | 'extra on target' | 'differs';
  readonly source?: string;
  readonly target?: string;
}

export interface SequenceCheck {
  readonly sequence: string;
  readonly source: string;
  readonly target: string | null;
  readonly match: boolean;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly tables: TableCheck[];
  readonly schema: SchemaDiff[];
  readonly sequences: SequenceCheck[];
  /** One human line per problem, naming the table or object. */
  readonly mismatches: string[];
  readonly ms: number;
}

export type VerifyEvent = { readonly type: 'verify-table'; readonly table: string; readonly match: boolean; readonly ms: number };

export interface VerifyOptions {
  readonly from: string;
  readonly to: string;
  /** Tables hashed at the same time (each uses one connection per side). @default DEFAULT_JOBS */
  readonly jobs?: number;
  readonly tables?: TableFilter;
  /** Compare schema objects too. @default true */
  readonly schema?: boolean;
  /** Compare table contents and sequence values. @default true */
  readonly data?: boolean;
  /** Read the source through this exported snapshot (db:copy passes its own). */
  readonly sourceSnapshot?: string;
  /**
   * Read the target through this exported snapshot (db:sync finish: the target as it stood when
   * writes opened on it, held by the session that exported it). Sequences are not transactional,
   * so a snapshot cannot show their values then: pass `sequences: false` and check them before.
   */
  readonly targetSnapshot?: string;
  /** Compare sequence values. @default true (with `data`) */
  readonly sequences?: boolean;
  /**
   * Source sessions the caller already opened inside its snapshot (db:copy passes the sessions
   * that hold ACCESS SHARE locks on the tables, so a queued TRUNCATE cannot block the reads).
   * Used instead of opening new source sessions; the caller closes them.
   */
  readonly sourceSessions?: readonly Client[];
  /** Compare target sequences to these values instead of the source's current ones. */
  readonly expectedSequences?: readonly SequenceValue[];
  readonly onEvent?: (event: VerifyEvent) => void;
  /** Not-carried kinds the copy skipped (`--skip`): not compared. */
  readonly skip?: readonly string[];
  /**
   * Compare materialized views as refreshed now: REFRESH them on the target, and compare them
   * with what their query returns on the source (a periodically refreshed view is usually stale
   * on the source). @default false (their stored rows are compared)
   */
  readonly refreshMatviews?: boolean;
}

/**
 * Built-in types whose extended hash function is portable between clusters (the ones hash
 * partitioning relies on) and whose equal values are identical values. Every other column is
 * hashed as its text form, which is type-exact where equality is not: float -0 and 0, numeric
 * 1.0 and 1.000, interval '1 day' and '24 hours', bpchar 'a' and 'a ', jsonb numbers and
 * array bounds '{1,2}' and '[0:1]={1,2}' are equal by value but differ as text.
 */
const HASHABLE_TYPES = new Set([16, 17, 18, 19, 20, 21, 23, 25, 26, 650, 774, 829, 869, 1043, 1082, 1083, 1114, 1184, 1266, 2950, 3220]);

export interface HashColumn {
  readonly name: string;
  readonly typeOid: number;
}

/**
 * SQL computing `n` (row count) and `h` (order-independent content hash) of one table: the sum
 * of one 64-bit hash per row, so memory stays constant whatever the table size.
 *
 * With `record` (both servers 14+) the row is hashed with hash_record_extended, columns of
 * built-in hashable types as they are and every other column as its text form; otherwise the
 * whole row's text form is hashed with hashtextextended.
 */
export function tableHashSql(qname: string, columns: readonly (string | HashColumn)[], method: 'record' | 'text' = 'text'): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { name: c, typeOid: 0 } : c));
  let rowHash: string;
  if (method === 'record' && cols.length > 0) {
    const parts = cols.map((c) => (HASHABLE_TYPES.has(c.typeOid) ? `t.${quoteIdent(c.name)}` : `t.${quoteIdent(c.name)}::text`));
    rowHash = `hash_record_extended(ROW(${parts.join(', ')}), 0)`;
  } else {
    rowHash = `hashtextextended(ROW(${cols.map((c) => `t.${quoteIdent(c.name)}`).join(', ')})::text, 0)`;
  }
  return `SELECT count(*)::bigint AS n, coalesce(sum(${rowHash}), 0)::text AS h FROM ONLY ${qname} AS t`;
}

/** SQL hashing a relation's whole rows as text (materialized views). */
export function relationHashSql(qname: string): string {
  return `SELECT count(*)::bigint AS n, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS h FROM ${qname} AS t`;
}

/** SQL hashing what a view's query returns now (a materialized view's rows as a REFRESH would make them). */
export function queryHashSql(definition: string): string {
  return `SELECT count(*)::bigint AS n, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS h FROM (${definition}) AS t`;
}

interface MatviewSides {
  readonly source: Client;
  readonly target: Client;
  readonly refresh: boolean;
}

/** Why a materialized view's rows differ when the source's are stale (its query returns the target's rows). */
async function matviewMismatch(sides: MatviewSides, v: View, src: { n: string; h: string }, dst: { n: string; h: string }): Promise<string> {
  const what = src.n !== dst.n ? `${src.n} rows on source, ${dst.n} on target` : `content differs (same row count ${src.n})`;
  if (sides.refresh) return `materialized view ${v.qname}: ${what}, after a refresh on the target, against its query on the source`;
  const [now] = (await sides.source.query(queryHashSql(v.definition))).rows;
  if (now.n !== dst.n || now.h !== dst.h) return `materialized view ${v.qname}: ${what}`;
  return (
    `materialized view ${v.qname}: ${what}: it is stale on the source (its rows are from its last REFRESH there; the copy computed the target's, which equal what its query returns now). ` +
    `REFRESH MATERIALIZED VIEW ${v.qname} on the source, or compare views as refreshed with --refresh-matviews`
  );
}

/** Populated materialized views: the same rows on both sides. */
async function verifyMatviews(sides: MatviewSides, sourceModel: SchemaModel, targetModel: SchemaModel, filter: TableFilter): Promise<{ checks: TableCheck[]; mismatches: string[] }> {
  const { source, target } = sides;
  const kept = new Set(select(sourceModel, filter).views.filter((v) => v.kind === 'm').map((v) => v.qname));
  const onTarget = new Map(targetModel.views.map((v) => [v.qname, v]));
  const checks: TableCheck[] = [];
  const mismatches: string[] = [];
  for (const v of sourceModel.views.filter((x) => x.kind === 'm' && x.populated && kept.has(x.qname))) {
    const t0 = Date.now();
    const [src] = (await source.query(sides.refresh ? queryHashSql(v.definition) : relationHashSql(v.qname))).rows;
    const other = onTarget.get(v.qname);
    let dst: { n: string; h: string } | null = null;
    if (!other) mismatches.push(`materialized view ${v.qname}: missing on target`);
    else if (!other.populated && !sides.refresh) mismatches.push(`materialized view ${v.qname}: not populated on target (REFRESH MATERIALIZED VIEW ${v.qname}, or --refresh-matviews)`);
    else {
      if (sides.refresh) await target.query(`REFRESH MATERIALIZED VIEW ${v.qname}`);
      [dst] = (await target.query(relationHashSql(v.qname))).rows;
      if (dst!.n !== src.n || dst!.h !== src.h) mismatches.push(await matviewMismatch(sides, v, src, dst!));
    }
    const match = Boolean(dst && dst.n === src.n && dst.h === src.h);
    checks.push({ table: v.qname, sourceRows: Number(src.n), targetRows: dst ? Number(dst.n) : null, sourceHash: src.h, targetHash: dst?.h ?? null, match, ms: Date.now() - t0 });
  }
  return { checks, mismatches };
}

/**
 * Why a table's content differs when only its stored generated columns do: PostgreSQL computed
 * them again on the target, and their expression gives another result there.
 */
async function generatedOnly(source: Client, target: Client, t: Table, method: 'record' | 'text', inSnapshot = false): Promise<string | null> {
  const generated = t.columns.filter((c) => c.generated === 's');
  if (!generated.length) return null;
  const sql = tableHashSql(t.qname, t.columns.filter((c) => c.generated !== 's'), method);
  const [[a], [b]] = await Promise.all([source.query(sql).then((r) => r.rows), hashTargetTable(target, t.qname, sql, inSnapshot).then((r) => [r])]);
  if (a.n !== b.n || a.h !== b.h) return null;
  const names = generated.map((c) => quoteIdent(c.name)).join(', ');
  return (
    `table ${t.qname}: content differs only in generated column(s) ${names}: the target computed them again and got other values, so their expression depends on a session setting ` +
    `(TimeZone, DateStyle, lc_*...), e.g. through a function marked IMMUTABLE that is not; make it independent of settings (e.g. AT TIME ZONE 'UTC') and recompute them on the source (UPDATE ${t.qname} SET ${generated.map((c) => `${quoteIdent(c.name)} = DEFAULT`).join(', ')})`
  );
}

/** Opens a session with the stable settings; on the source optionally inside a snapshot. */
export async function openVerifySession(url: string, role: 'source' | 'target', snapshot?: string): Promise<Client> {
  const client = await connect(url, { role, applicationName: `db-verify ${role}` });
  await client.query(`${STABLE_SESSION_SQL}; SET row_security = off; SET search_path = ''`);
  if (snapshot) {
    // the target's session may lift FORCE ROW LEVEL SECURITY inside a savepoint (hashTargetTable)
    await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ${role === 'source' ? ' READ ONLY' : ''}`);
    await client.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, '')}'`);
  }
  return client;
}


function compareSchemas(source: SchemaModel, target: SchemaModel, filter: TableFilter, skip: readonly string[]): SchemaDiff[] {
  // Grants to the role that owns the copied objects on the target are its own there (a source table
  // owned by a service role, granted WITH GRANT OPTION to the user that copies it, as on Supabase).
  const self = target.session?.user;
  const a = schemaSignature(source, filter, { skip, self });
  const b = schemaSignature(target, filter, { skip, self });
  const diffs: SchemaDiff[] = [];
  for (const [object, sql] of a) {
    const other = b.get(object);
    if (other === undefined) diffs.push({ object, problem: 'missing on target', source: sql });
    else if (other !== sql) diffs.push({ object, problem: 'differs', source: sql, target: other });
  }
  // An extension installed only on the target (e.g. a provider's monitoring extension) is not a difference.
  for (const [object, sql] of b) if (!a.has(object) && !object.startsWith('extension ')) diffs.push({ object, problem: 'extra on target', target: sql });
  return diffs;
}

/**
 * Runs a table's hash query on the target. A table with FORCE ROW LEVEL SECURITY refuses
 * `row_security = off` to its owner when the owner lacks BYPASSRLS (as the RDS master user
 * does): it is then read with FORCE lifted inside a transaction that is rolled back.
 */
async function hashTargetTable(client: Client, qname: string, sql: string, inSnapshot = false): Promise<{ n: string; h: string }> {
  // inside a snapshot's transaction a failed query would end it: a savepoint keeps it
  if (inSnapshot) await client.query('SAVEPOINT vn_hash');
  try {
    const row = (await client.query(sql)).rows[0];
    if (inSnapshot) await client.query('RELEASE SAVEPOINT vn_hash');
    return row;
  } catch (err) {
    if (inSnapshot) await client.query('ROLLBACK TO SAVEPOINT vn_hash');
    if ((err as { code?: string }).code !== '42501' || !/row-level security/i.test((err as Error).message)) throw err;
    await client.query(inSnapshot ? 'SAVEPOINT vn_rls' : 'BEGIN');
    try {
      await client.query(`ALTER TABLE ${qname} NO FORCE ROW LEVEL SECURITY`);
      return (await client.query(sql)).rows[0];
    } finally {
      await client.query(inSnapshot ? 'ROLLBACK TO SAVEPOINT vn_rls' : 'ROLLBACK');
    }
  }
}

/** Compares two databases; `ok` is false when any table, object or sequence differs. */
export async function verifyDatabases(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const borrowed = options.sourceSessions?.length ? [...options.sourceSessions] : null;
  const jobs = borrowed ? borrowed.length : Math.max(1, options.jobs ?? DEFAULT_JOBS);
  const filter = options.tables ?? {};
  const sources: Client[] = borrowed ?? [];
  const targets: Client[] = [];
  try {
    if (!borrowed) sources.push(await openVerifySession(options.from, 'source', options.sourceSnapshot));
    targets.push(await openVerifySession(options.to, 'target', options.targetSnapshot));
    if (!borrowed) await refuseSameDatabaseSessions(sources[0], targets[0], options.from);
    const [sourceModel, targetModel] = await Promise.all([readSchema(sources[0]), readSchema(targets[0])]);
    for (let i = 1; i < jobs; i++) {
      if (!borrowed) sources.push(await openVerifySession(options.from, 'source', options.sourceSnapshot));
      targets.push(await openVerifySession(options.to, 'target', options.targetSnapshot));
    }
    const mismatches: string[] = [];
    const schema = options.schema === false ? [] : compareSchemas(sourceModel, targetModel, filter, options.skip ?? []);
    for (const d of schema) mismatches.push(`schema: ${d.object} ${d.problem}`);

    const targetTables = new Map(targetModel.tables.map((t) => [t.qname, t]));
    const method = sourceModel.serverVersionNum >= 140000 && targetModel.serverVersionNum >= 140000 ? 'record' : 'text';
    const selection = select(sourceModel, filter);
    const tables = options.data === false ? [] : selection.dataTables;
    const checks: TableCheck[] = [];
    await runPool(tables, jobs, async (t, w) => {
      const t0 = Date.now();
      const other = targetTables.get(t.qname);
      const columns = t.columns.map((c) => c.name);
      const missingCols = other ? columns.filter((c) => !other.columns.some((o) => o.name === c)) : [];
      if (!other || missingCols.length) {
        const [src] = (await sources[w].query(tableHashSql(t.qname, t.columns, method))).rows;
        const why = !other ? 'missing on target' : `column(s) ${missingCols.join(', ')} missing on target`;
        mismatches.push(`table ${t.qname}: ${why}`);
        checks.push({ table: t.qname, sourceRows: Number(src.n), targetRows: null, sourceHash: src.h, targetHash: null, match: false, ms: Date.now() - t0 });
        options.onEvent?.({ type: 'verify-table', table: t.qname, match: false, ms: Date.now() - t0 });
        return;
      }
      // a column whose type differs between the sides is hashed as text on both
      const hashCols = t.columns.map((c) => ({ name: c.name, typeOid: other.columns.find((o) => o.name === c.name)?.typeOid === c.typeOid ? c.typeOid : 0 }));
      const sql = tableHashSql(t.qname, hashCols, method);
      let src: { n: string; h: string };
      let dst: { n: string; h: string };
      try {
        [src, dst] = await Promise.all([sources[w].query(sql).then((r) => r.rows[0]), hashTargetTable(targets[w], t.qname, sql, Boolean(options.targetSnapshot))]);
      } catch (err) {
        throw new MigrationError(`[verify] table ${t.qname}: ${(err as Error).message}`, { phase: 'verify', table: t.qname, cause: err });
      }
      const match = src.n === dst.n && src.h === dst.h;
      if (src.n !== dst.n) mismatches.push(`table ${t.qname}: ${src.n} rows on source, ${dst.n} on target`);
      else if (src.h !== dst.h) mismatches.push((await generatedOnly(sources[w], targets[w], t, method, Boolean(options.targetSnapshot))) ?? `table ${t.qname}: content differs (same row count ${src.n})`);
      checks.push({ table: t.qname, sourceRows: Number(src.n), targetRows: Number(dst.n), sourceHash: src.h, targetHash: dst.h, match, ms: Date.now() - t0 });
      options.onEvent?.({ type: 'verify-table', table: t.qname, match, ms: Date.now() - t0 });
    });
    if (options.data !== false) {
      const mv = await verifyMatviews({ source: sources[0], target: targets[0], refresh: options.refreshMatviews === true }, sourceModel, targetModel, filter);
      checks.push(...mv.checks);
      mismatches.push(...mv.mismatches);
    }
    checks.sort((a, b) => a.table.localeCompare(b.table));

    const seqNames = options.data === false || options.sequences === false ? [] : selection.sequences;
    const expected = options.sequences === false ? [] : (options.expectedSequences ?? (await readSequenceValues(sources[0], seqNames)));
    const targetSeqNames = new Set(targetModel.sequences.map((s) => s.qname));
    const present = expected.filter((s) => targetSeqNames.has(s.sequence));
    const actual = new Map((await readSequenceValues(targets[0], present.map((s) => s.sequence))).map((s) => [s.sequence, s]));
    const fmt = (s: SequenceValue) => `${s.lastValue}${s.isCalled ? '' : ' (not called)'}`;
    const sequences: SequenceCheck[] = expected.map((s) => {
      const t = actual.get(s.sequence);
      const match = Boolean(t && t.lastValue === s.lastValue && t.isCalled === s.isCalled);
      if (!match) mismatches.push(`sequence ${s.sequence}: ${fmt(s)} on source, ${t ? fmt(t) : 'missing'} on target`);
      return { sequence: s.sequence, source: fmt(s), target: t ? fmt(t) : null, match };
    });
    return { ok: mismatches.length === 0, tables: checks, schema, sequences, mismatches, ms: Date.now() - started };
  } finally {
    await Promise.all([...(borrowed ? [] : sources), ...targets].map(closeQuietly));
  }
}
