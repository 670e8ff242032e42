/**
 * The copy engine behind db:copy and db:rollback. Phases, in order and named the same in
 * code, events, errors and timings:
 *
 *   schema:pre   schemas, extensions, types, sequences, functions, tables, views (one transaction)
 *   data         every table in parallel workers (`jobs`), all reading one exported snapshot;
 *                per table: BEGIN; TRUNCATE; COPY ... FREEZE; COMMIT (binary COPY when every
 *                column has a built-in type, text otherwise), streamed with backpressure
 *   sequences    target sequences set to the source's last_value / is_called
 *   schema:post  keys and indexes (parallel), partition index attachment, foreign keys,
 *                triggers, row-level security, policies, materialized view refresh, comments
 *   verify       row counts + content hashes against the same snapshot, schema comparison
 *
 * Reruns: a failed run leaves a partial target. Rerun with `force`: in full mode every object
 * the copy creates is dropped (CASCADE) and recreated; in data-only mode each table is
 * truncated and reloaded in its own transaction. Nothing is resumed, so a rerun converges.
 */
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { connect, describeUrl, MigrationError, parseUrl, sameDatabase, serverIdentity, STABLE_SESSION_SQL, type Phase } from '../connection';
import { describeNotCarried } from '../schema/carried';
import { readSchema, type SchemaModel, type Table } from '../schema/catalog';
import { buildDdl, renderDdl, selectTables, unmatchedPatterns, type DdlPlan, type Statement, type TableFilter } from '../schema/ddl';
import { closeQuietly, runPool } from '../pool';
import { readSequenceValues, selectedSequences, type SequenceValue } from '../sequences';
import { verifyDatabases, type VerifyEvent, type VerifyReport } from '../verify';

export type CopyMode = 'full' | 'schema-only' | 'data-only';
export type CopyFormat = 'auto' | 'binary' | 'text';

export type CopyEvent =
  | { readonly type: 'phase'; readonly phase: Phase; readonly status: 'start' | 'end'; readonly ms?: number }
  | { readonly type: 'table-start'; readonly table: string; readonly estimatedRows: number; readonly estimatedBytes: number; readonly format: 'binary' | 'text' }
  | { readonly type: 'table-progress'; readonly table: string; readonly bytes: number }
  | { readonly type: 'table-end'; readonly table: string; readonly rows: number; readonly bytes: number; readonly ms: number }
  | { readonly type: 'statement'; readonly phase: Phase; readonly object: string }
  | { readonly type: 'warning'; readonly message: string }
  /** The exported snapshot every worker reads (valid until the copy returns). */
  | { readonly type: 'snapshot'; readonly id: string }
  | VerifyEvent;

export interface CopyOptions {
  readonly from: string;
  readonly to: string;
  /** Parallel workers for data, indexes and verification. @default 2 */
  readonly jobs?: number;
  /** @default 'full' */
  readonly mode?: CopyMode;
  /** Allow a non-empty target: drop and recreate copied objects (full) or truncate (data-only). */
  readonly force?: boolean;
  /** Read everything, plan, write nothing. */
  readonly dryRun?: boolean;
  readonly tables?: TableFilter;
  /** Run the verify phase at the end. @default true */
  readonly verify?: boolean;
  /** @default 'auto' (binary when every column type is built-in and the target major is not older) */
  readonly format?: CopyFormat;
  /**
   * Tables whose heap is larger than this are copied in block ranges by several workers
   * (full mode, source 14+, jobs > 1). @default 256 MiB
   */
  readonly splitBytes?: number;
  /** maintenance_work_mem for index builds on the target. @default '256MB' */
  readonly maintenanceWorkMem?: string;
  readonly onEvent?: (event: CopyEvent) => void;
}

export interface TableResult {
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  readonly ms: number;
  readonly format: 'binary' | 'text';
}

export interface CopySummary {
  readonly ok: boolean;
  readonly dryRun: boolean;
  readonly mode: CopyMode;
  readonly source: string;
  readonly target: string;
  readonly sourceVersion: string;
  readonly targetVersion: string;
  readonly snapshot: string;
  readonly timings: { readonly phase: Phase; readonly ms: number }[];
  readonly tables: TableResult[];
  readonly sequences: SequenceValue[];
  readonly statements: { readonly pre: number; readonly post: number };
  readonly skipped: string[];
  readonly warnings: string[];
  readonly verify: VerifyReport | null;
  /** The DDL that was (or, with dryRun, would be) run. */
  readonly ddl: string;
  /** Data tables with their planned COPY format. */
  readonly plan: { readonly table: string; readonly format: 'binary' | 'text'; readonly estimatedRows: number; readonly bytes: number }[];
  readonly totalMs: number;
}

const RETRYABLE_DDL = new Set(['42P01', '42704', '42883', '3F000', '42P07']);

function errText(err: unknown): string {
  const msg = ((err as Error)?.message ?? String(err)).split('\n')[0];
  const code = (err as { code?: string })?.code;
  if (code === 'EPIPE' || code === 'ECONNRESET' || code === '57P01' || /Connection terminated|terminating connection|not queryable|connection error/i.test(msg)) {
    return `connection lost (${msg}): the server ended the session (terminated, restarted or network failure)`;
  }
  return msg;
}

/** Wraps a failure with its phase (and table), adding the rerun hint. */
function phaseError(phase: Phase, err: unknown, table?: string): MigrationError {
  if (err instanceof MigrationError && err.phase && err.phase !== 'connect') return err;
  if (err instanceof MigrationError) return new MigrationError(`[${phase}] ${err.message}`, { ...err.details, phase, table });
  const where = table ? ` table ${table}:` : '';
  const hint = phase === 'preflight' || phase === 'verify' ? '' : ' (rerun with --force to drop and recreate the copied objects)';
  return new MigrationError(`[${phase}]${where} ${errText(err)}${hint}`, { phase, table, code: (err as { code?: string })?.code, cause: err });
}

async function targetObjectCount(client: Client): Promise<{ count: number; example: string | null }> {
  const r = await client.query<{ n: number; example: string | null }>(
    `SELECT count(*)::int AS n, min(format('%I.%I', n.nspname, c.relname)) AS example
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')`,
  );
  return { count: r.rows[0].n, example: r.rows[0].example };
}

function copyColumns(t: Table): string[] {
  return t.columns.filter((c) => c.generated === '').map((c) => c.name);
}

function quoteCols(cols: readonly string[]): string {
  return cols.map((c) => `"${c.replace(/"/g, '""')}"`).join(', ');
}

function chooseFormat(t: Table, target: Table | undefined, format: CopyFormat, sameOrNewer: boolean): 'binary' | 'text' {
  if (format !== 'auto') return format;
  const cols = t.columns.filter((c) => c.generated === '');
  if (!sameOrNewer || !cols.every((c) => c.builtinType)) return 'text';
  if (target) {
    // data-only: the target's column types must match exactly for binary
    for (const c of cols) {
      const o = target.columns.find((x) => x.name === c.name);
      if (!o || o.typeOid !== c.typeOid) return 'text';
    }
  }
  return 'binary';
}

/** Executes the pre-data statements in one transaction, retrying ones whose dependency came later. */
async function runPreData(client: Client, statements: Statement[], emit: (e: CopyEvent) => void): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL check_function_bodies = off; SET LOCAL search_path = ''`);
    let pending = statements;
    for (;;) {
      const deferred: { s: Statement; err: unknown }[] = [];
      for (const s of pending) {
        await client.query('SAVEPOINT ddl');
        try {
          await client.query(s.sql);
          await client.query('RELEASE SAVEPOINT ddl');
          emit({ type: 'statement', phase: 'schema:pre', object: s.object });
        } catch (err) {
          await client.query('ROLLBACK TO SAVEPOINT ddl');
          if (!RETRYABLE_DDL.has((err as { code?: string }).code ?? '')) throw Object.assign(new Error(`${s.object}: ${errText(err)}`), { code: (err as { code?: string }).code });
          deferred.push({ s, err });
        }
      }
      if (!deferred.length) break;
      if (deferred.length === pending.length) throw new Error(`${deferred[0].s.object}: ${errText(deferred[0].err)}`);
      pending = deferred.map((d) => d.s);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Drops, on the target, every object the copy is about to create (used with force). */
function dropStatements(model: SchemaModel, filter: TableFilter): string[] {
  const tables = selectTables(model, filter);
  const out: string[] = [];
  for (const v of [...model.views].reverse()) out.push(`DROP ${v.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW'} IF EXISTS ${v.qname} CASCADE`);
  for (const t of tables.filter((x) => !x.parent)) out.push(`DROP TABLE IF EXISTS ${t.qname} CASCADE`);
  for (const t of tables.filter((x) => x.parent)) out.push(`DROP TABLE IF EXISTS ${t.qname} CASCADE`);
  for (const s of model.sequences.filter((x) => !x.identity)) out.push(`DROP SEQUENCE IF EXISTS ${s.qname} CASCADE`);
  for (const f of model.functions) out.push(`DROP ROUTINE IF EXISTS ${f.identity} CASCADE`);
  for (const t of [...model.types].reverse()) out.push(`DROP ${t.kind === 'domain' ? 'DOMAIN' : 'TYPE'} IF EXISTS ${t.qname} CASCADE`);
  return out;
}

interface ForeignKey {
  readonly table: string;
  readonly name: string;
  readonly def: string;
}

/** Foreign keys on the target that touch the given tables (either side). */
async function targetForeignKeys(client: Client, tables: readonly string[]): Promise<ForeignKey[]> {
  const r = await client.query<ForeignKey>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS def
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND k.conparentid = 0
        AND (k.conrelid = ANY($1::regclass[]) OR k.confrelid = ANY($1::regclass[]))`,
    [tables],
  );
  return r.rows;
}

interface DataTask {
  readonly table: Table;
  readonly bytes: number;
  readonly chunk?: { readonly index: number; readonly count: number; readonly fromPage: number; readonly toPage: number | null };
}

/** One task per table; big tables become block-range chunks. Largest first. */
function splitTasks(tables: readonly Table[], opts: { enabled: boolean; splitBytes: number; maxChunks: number }): DataTask[] {
  const tasks: DataTask[] = [];
  for (const t of tables) {
    const heap = t.pages * 8192;
    if (!opts.enabled || heap <= opts.splitBytes) {
      tasks.push({ table: t, bytes: t.bytes });
      continue;
    }
    const count = Math.min(opts.maxChunks, Math.ceil(heap / opts.splitBytes));
    const per = Math.ceil(t.pages / count);
    for (let i = 0; i < count; i++) {
      tasks.push({ table: t, bytes: t.bytes / count, chunk: { index: i, count, fromPage: i * per, toPage: i === count - 1 ? null : (i + 1) * per } });
    }
  }
  return tasks.sort((a, b) => b.bytes - a.bytes);
}

/** Copies a database (schema, data, sequences) and verifies the result. */
export async function copyDatabase(options: CopyOptions): Promise<CopySummary> {
  const started = Date.now();
  const jobs = Math.max(1, Math.floor(options.jobs ?? 2));
  const mode = options.mode ?? 'full';
  const filter = options.tables ?? {};
  const emit = (e: CopyEvent) => options.onEvent?.(e);
  const timings: { phase: Phase; ms: number }[] = [];
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  const phase = async <T>(name: Phase, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    emit({ type: 'phase', phase: name, status: 'start' });
    try {
      const out = await fn();
      const ms = Date.now() - t0;
      timings.push({ phase: name, ms });
      emit({ type: 'phase', phase: name, status: 'end', ms });
      return out;
    } catch (err) {
      throw phaseError(name, err);
    }
  };

  // connect: validate both URLs before opening anything
  parseUrl(options.from, 'source');
  parseUrl(options.to, 'target');
  if (sameDatabase(options.from, options.to)) {
    throw new MigrationError(`--from and --to name the same database (${describeUrl(options.from)}): point --to at the new database`, { phase: 'connect' });
  }
  let coordinator: Client | undefined;
  let admin: Client | undefined;
  const workers: Client[] = [];
  try {
    coordinator = await connect(options.from, { role: 'source', applicationName: 'db-copy snapshot' });
    admin = await connect(options.to, { role: 'target', applicationName: 'db-copy ddl' });
    const src = coordinator;
    const dst = admin;
    if ((await serverIdentity(src)) === (await serverIdentity(dst))) {
      throw new MigrationError(`--from and --to reach the same database (${describeUrl(options.from)}): point --to at the new database`, { phase: 'connect' });
    }

    // The snapshot every worker reads; held open until verification is done.
    await src.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await src.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id;
    await src.query(`${STABLE_SESSION_SQL}; SET row_security = off`);
    emit({ type: 'snapshot', id: snapshot });

    const { model, targetModel, plan } = await phase('preflight', async () => {
      const model = await readSchema(src);
      const targetModel = await readSchema(dst);
      const bad = [...unmatchedPatterns(model, filter.include), ...unmatchedPatterns(model, filter.exclude)];
      if (bad.length) throw new MigrationError(`[preflight] table pattern ${bad.map((b) => `"${b}"`).join(', ')} matches no table on the source: check --tables / --exclude-tables`, { phase: 'preflight' });
      const selected = selectTables(model, filter);
      if (mode === 'data-only') {
        const have = new Map(targetModel.tables.map((t) => [t.qname, t]));
        for (const t of selected.filter((x) => x.kind === 'r')) {
          const other = have.get(t.qname);
          if (!other) throw new MigrationError(`[preflight] table ${t.qname} does not exist on the target: run the app's migrations first, or copy without --data-only`, { phase: 'preflight', table: t.qname });
          const missing = copyColumns(t).filter((c) => !other.columns.some((o) => o.name === c));
          if (missing.length) throw new MigrationError(`[preflight] table ${t.qname} on the target lacks column(s) ${missing.join(', ')}: run the app's migrations first`, { phase: 'preflight', table: t.qname });
        }
        if (!options.force) {
          for (const t of selected.filter((x) => x.kind === 'r')) {
            const r = await dst.query(`SELECT 1 FROM ONLY ${t.qname} LIMIT 1`);
            if (r.rowCount) throw new MigrationError(`[preflight] target table ${t.qname} already has rows: pass --force to truncate and reload the copied tables`, { phase: 'preflight', table: t.qname });
          }
        }
      } else {
        const existing = await targetObjectCount(dst);
        if (existing.count > 0 && !options.force) {
          throw new MigrationError(
            `[preflight] target database ${describeUrl(options.to)} is not empty (${existing.count} relations, e.g. ${existing.example}): pass --force to drop and recreate the copied objects, or use an empty database`,
            { phase: 'preflight' },
          );
        }
        const avail = await dst.query<{ name: string }>('SELECT name FROM pg_available_extensions');
        const names = new Set(avail.rows.map((r) => r.name));
        const missing = model.extensions.filter((x) => !names.has(x.name)).map((x) => x.name);
        if (missing.length) throw new MigrationError(`[preflight] extension(s) ${missing.join(', ')} not available on the target: install them there (RDS: check the parameter group / supported extensions)`, { phase: 'preflight' });
      }
      for (const u of model.unsupported) warn(`not carried: ${describeNotCarried(u)}`);
      return { model, targetModel, plan: buildDdl(model, filter) };
    });
    for (const s of plan.skipped) warn(`skipped ${s}`);

    const targetVersionNum = targetModel.serverVersionNum;
    const sameOrNewer = Math.floor(targetVersionNum / 10000) >= Math.floor(model.serverVersionNum / 10000);
    const targetTables = new Map(targetModel.tables.map((t) => [t.qname, t]));
    const dataTables = selectTables(model, filter)
      .filter((t) => t.kind === 'r')
      .sort((a, b) => b.bytes - a.bytes);
    const dataPlan = dataTables.map((t) => ({
      table: t.qname,
      format: chooseFormat(t, mode === 'data-only' ? targetTables.get(t.qname) : undefined, options.format ?? 'auto', sameOrNewer),
      estimatedRows: t.estimatedRows,
      bytes: t.bytes,
    }));
    const ddlText = mode === 'data-only' ? '' : renderDdl(plan);
    const base = {
      mode,
      source: describeUrl(options.from),
      target: describeUrl(options.to),
      sourceVersion: model.serverVersion,
      targetVersion: targetModel.serverVersion,
      snapshot,
      skipped: plan.skipped,
      ddl: ddlText,
      plan: mode === 'schema-only' ? [] : dataPlan,
      statements: mode === 'data-only' ? { pre: 0, post: 0 } : { pre: plan.pre.length, post: plan.postIndexes.length + plan.postAttach.length + plan.postForeignKeys.length + plan.postFinal.length },
    };
    if (options.dryRun) {
      await src.query('COMMIT');
      return { ...base, ok: true, dryRun: true, timings, tables: [], sequences: [], warnings, verify: null, totalMs: Date.now() - started };
    }

    await dst.query(`SET search_path = ''; SET synchronous_commit = off`);
    if (mode !== 'data-only') {
      await phase('schema:pre', async () => {
        if (options.force) {
          for (const sql of dropStatements(model, filter)) await dst.query(sql);
        }
        await runPreData(dst, plan.pre, emit);
      });
    }

    const tables: TableResult[] = [];
    let droppedFks: ForeignKey[] = [];
    // every selected table (partitioned parents too) that exists on the target
    const selectedOnTarget = selectTables(model, filter)
      .map((t) => t.qname)
      .filter((q) => targetTables.has(q));
    const mwm = (options.maintenanceWorkMem ?? '256MB').replace(/'/g, '');
    // Keys and indexes of a table are built by its worker right after its data (schema:post
    // work overlapped with the data of other tables); the rest waits for schema:post.
    const indexGroups = new Map<string, Statement[]>();
    if (mode === 'full') for (const st of plan.postIndexes) if (st.table) indexGroups.set(st.table, [...(indexGroups.get(st.table) ?? []), st]);
    const indexesDone = new Set<string>();
    if (mode !== 'schema-only') {
      await phase('data', async () => {
        if (mode === 'data-only' && dataTables.length) {
          // Parallel loads cannot satisfy foreign keys table by table: drop them, re-add after.
          droppedFks = await targetForeignKeys(dst, selectedOnTarget);
          for (const fk of droppedFks) await dst.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT IF EXISTS "${fk.name.replace(/"/g, '""')}"`);
        }
        const n = Math.min(jobs, Math.max(1, dataTables.length));
        for (let i = 0; i < n; i++) {
          const s = await connect(options.from, { role: 'source', applicationName: `db-copy data ${i + 1}` });
          workers.push(s);
          await s.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          await s.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
          await s.query(`${STABLE_SESSION_SQL}; SET row_security = off; SET search_path = ''`);
          const t = await connect(options.to, { role: 'target', applicationName: `db-copy data ${i + 1}` });
          workers.push(t);
          await t.query(`${STABLE_SESSION_SQL}; SET synchronous_commit = off; SET search_path = ''; SET maintenance_work_mem = '${mwm}'`);
        }
        const formats = new Map(dataPlan.map((p) => [p.table, p.format]));
        const tasks = splitTasks(dataTables, {
          enabled: mode === 'full' && n > 1 && model.serverVersionNum >= 140000,
          splitBytes: options.splitBytes ?? 256 * 1024 * 1024,
          maxChunks: n * 4,
        });
        const progress = new Map<string, { remaining: number; rows: number; bytes: number; started: number }>();
        await runPool(tasks, n, async (task, w) => {
          const { table, chunk } = task;
          const source = workers[w * 2];
          const target = workers[w * 2 + 1];
          const format = formats.get(table.qname) ?? 'text';
          const t0 = Date.now();
          const state = progress.get(table.qname) ?? { remaining: chunk?.count ?? 1, rows: 0, bytes: 0, started: t0 };
          progress.set(table.qname, state);
          const label = chunk ? `${table.qname} [${chunk.index + 1}/${chunk.count}]` : table.qname;
          emit({ type: 'table-start', table: label, estimatedRows: table.estimatedRows / (chunk?.count ?? 1), estimatedBytes: task.bytes, format });
          const cols = quoteCols(copyColumns(table));
          let bytes = 0;
          let rows = 0;
          try {
            await target.query('BEGIN');
            if (!chunk) await target.query(`TRUNCATE ONLY ${table.qname}`);
            const triggers =
              mode === 'data-only'
                ? (
                    await target.query<{ name: string }>(
                      `SELECT tgname AS name FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgenabled <> 'D'`,
                      [table.qname],
                    )
                  ).rows.map((r) => `"${r.name.replace(/"/g, '""')}"`)
                : [];
            for (const tg of triggers) await target.query(`ALTER TABLE ${table.qname} DISABLE TRIGGER ${tg}`);
            const opts = format === 'binary' ? 'FORMAT binary' : 'FORMAT text';
            const range = chunk
              ? `ctid >= '(${chunk.fromPage},0)'::tid${chunk.toPage === null ? '' : ` AND ctid < '(${chunk.toPage},0)'::tid`}`
              : '';
            const reader = source.query(
              copyTo(chunk ? `COPY (SELECT ${cols} FROM ONLY ${table.qname} WHERE ${range}) TO STDOUT (${opts})` : `COPY ${table.qname} (${cols}) TO STDOUT (${opts})`),
            );
            // FREEZE needs the TRUNCATE in the same transaction: whole tables only.
            const writer = target.query(copyFrom(`COPY ${table.qname} (${cols}) FROM STDIN (${opts}${chunk ? '' : ', FREEZE'})`));
            let last = 0;
            reader.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              const now = Date.now();
              if (now - last >= 200) {
                last = now;
                emit({ type: 'table-progress', table: label, bytes });
              }
            });
            await pipeline(reader, writer);
            for (const tg of triggers) await target.query(`ALTER TABLE ${table.qname} ENABLE TRIGGER ${tg}`);
            await target.query('COMMIT');
            rows = (writer as unknown as { rowCount: number }).rowCount;
          } catch (err) {
            await target.query('ROLLBACK').catch(() => undefined);
            throw phaseError('data', err, table.qname);
          }
          state.rows += rows;
          state.bytes += bytes;
          state.remaining -= 1;
          if (chunk) emit({ type: 'table-end', table: label, rows, bytes, ms: Date.now() - t0 });
          if (state.remaining > 0) return;
          const ms = Date.now() - state.started;
          tables.push({ table: table.qname, rows: state.rows, bytes: state.bytes, ms, format });
          if (!chunk) emit({ type: 'table-end', table: table.qname, rows: state.rows, bytes: state.bytes, ms });
          for (const st of indexGroups.get(table.qname) ?? []) {
            try {
              await target.query(st.sql);
            } catch (err) {
              throw phaseError('schema:post', new Error(`${st.object}: ${errText(err)}`), table.qname);
            }
            emit({ type: 'statement', phase: 'schema:post', object: st.object });
          }
          indexesDone.add(table.qname);
        });
        await Promise.all(workers.splice(0).map(closeQuietly));
      });
    }

    let sequences: SequenceValue[] = [];
    if (mode !== 'schema-only') {
      sequences = await phase('sequences', async () => {
        let names = selectedSequences(model, filter);
        if (mode === 'data-only') {
          const onTarget = new Set(targetModel.sequences.map((x) => x.qname));
          for (const n of names.filter((x) => !onTarget.has(x))) warn(`sequence ${n} does not exist on the target: not set`);
          names = names.filter((x) => onTarget.has(x));
        }
        const values = await readSequenceValues(src, names);
        if (values.length) {
          await dst.query(`SELECT setval(s::regclass, v, c) FROM unnest($1::text[], $2::bigint[], $3::bool[]) AS x(s, v, c)`, [
            values.map((v) => v.sequence),
            values.map((v) => v.lastValue),
            values.map((v) => v.isCalled),
          ]);
        }
        return values;
      });
    }

    if (mode !== 'data-only' || droppedFks.length) {
      await phase('schema:post', async () => {
        if (mode === 'data-only') {
          // Re-add the foreign keys dropped for the load, and any the source has that are missing.
          const present = new Set((await targetForeignKeys(dst, selectedOnTarget)).map((f) => `${f.table}.${f.name}`));
          const wanted = new Map(droppedFks.map((f) => [`${f.table}.${f.name}`, f]));
          for (const c of model.constraints) {
            if (c.type === 'f' && selectedOnTarget.includes(c.table) && !wanted.has(`${c.table}.${c.name}`)) wanted.set(`${c.table}.${c.name}`, { table: c.table, name: c.name, def: c.def });
          }
          for (const [key, fk] of wanted) {
            if (present.has(key)) continue;
            try {
              await dst.query(`ALTER TABLE ${fk.table} ADD CONSTRAINT "${fk.name.replace(/"/g, '""')}" ${fk.def}`);
            } catch (err) {
              throw phaseError('schema:post', err, fk.table);
            }
          }
          return;
        }
        await runPostData(options, plan, jobs, emit, indexesDone);
      });
    }

    let verify: VerifyReport | null = null;
    if (options.verify !== false && mode !== 'schema-only') {
      verify = await phase('verify', () =>
        verifyDatabases({
          from: options.from,
          to: options.to,
          jobs,
          tables: filter,
          schema: mode !== 'data-only',
          sourceSnapshot: snapshot,
          expectedSequences: sequences,
          onEvent: emit,
        }),
      );
    } else if (options.verify !== false && mode === 'schema-only') {
      verify = await phase('verify', () => verifyDatabases({ from: options.from, to: options.to, jobs, tables: filter, sourceSnapshot: snapshot, data: false }));
    }
    await src.query('COMMIT');
    return {
      ...base,
      ok: verify ? verify.ok : true,
      dryRun: false,
      timings,
      tables: tables.sort((a, b) => a.table.localeCompare(b.table)),
      sequences,
      warnings,
      verify,
      totalMs: Date.now() - started,
    };
  } finally {
    await Promise.all([coordinator, admin, ...workers].map((c) => closeQuietly(c)));
  }
}

/** Runs the post-data DDL: keys and indexes in parallel per table, then the rest in order. */
async function runPostData(options: CopyOptions, plan: DdlPlan, jobs: number, emit: (e: CopyEvent) => void, done: ReadonlySet<string>): Promise<void> {
  const byTable = new Map<string, Statement[]>();
  for (const s of plan.postIndexes) {
    if (s.table && done.has(s.table)) continue;
    const key = s.table ?? s.object;
    byTable.set(key, [...(byTable.get(key) ?? []), s]);
  }
  const groups = [...byTable.values()];
  const n = Math.min(jobs, Math.max(1, groups.length));
  const conns: Client[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const c = await connect(options.to, { role: 'target', applicationName: `db-copy post ${i + 1}` });
      conns.push(c);
      await c.query(`SET search_path = ''; SET maintenance_work_mem = '${(options.maintenanceWorkMem ?? '256MB').replace(/'/g, '')}'; SET synchronous_commit = off`);
    }
    await runPool(groups, n, async (group, w) => {
      for (const s of group) {
        try {
          await conns[w].query(s.sql);
        } catch (err) {
          throw phaseError('schema:post', new Error(`${s.object}: ${errText(err)}`), s.table);
        }
        emit({ type: 'statement', phase: 'schema:post', object: s.object });
      }
    });
    for (const s of [...plan.postAttach, ...plan.postForeignKeys, ...plan.postFinal]) {
      try {
        await conns[0].query(s.sql);
      } catch (err) {
        throw phaseError('schema:post', new Error(`${s.object}: ${errText(err)}`), s.table);
      }
      emit({ type: 'statement', phase: 'schema:post', object: s.object });
    }
  } finally {
    await Promise.all(conns.map(closeQuietly));
  }
}
