/**
 * Phase data: every selected table copied by parallel workers, all reading the run's exported
 * snapshot. Per table: BEGIN; TRUNCATE; COPY ... FREEZE; COMMIT (binary COPY when every
 * column has a built-in type, text otherwise), streamed with backpressure. With `splitBytes`,
 * larger tables are copied in block ranges by several workers (without FREEZE). In full mode a table's keys and
 * indexes are built by its worker right after its data, overlapping other tables' data.
 */
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { closeQuietly, runPool } from '../pool';
import type { Table } from '../schema/catalog';
import type { Statement } from '../schema/kinds/kind';
import { ident, phaseError, statementError, runPhase, type RunContext } from './context';
import { loadAtomically } from './atomic-load';
import { copyColumns } from './columns';
import { framedCopyIn, framedCopyOut } from './relay';
import { startWalFlusher } from './wal-flusher';
import { markLoaded, prepareReload } from './resume';
import type { CopyFormat, DataResult, TaskLoader } from './types';

type Format = 'binary' | 'text';


function quoteCols(cols: readonly string[]): string {
  return cols.map(ident).join(', ');
}

/**
 * OID-alias types (regclass, regtype, regproc, ... and their arrays): their binary form is the
 * raw OID, which names another object (or nothing) on the target; their text form is the name.
 */
export const OID_ALIAS_TYPES: ReadonlySet<number> = new Set([
  24, 2202, 2203, 2204, 2205, 2206, 3734, 3769, 4089, 4096, 4191, // regproc .. regcollation
  1008, 2207, 2208, 2209, 2210, 2211, 3735, 3770, 4090, 4097, 4192, // their arrays
]);

/**
 * Picks binary COPY only when every copied column has a built-in type of the same OID on both
 * sides and none is an OID alias (regclass and kin always go as text, whatever `format` says).
 */
export function chooseFormat(t: Table, target: Table | undefined, format: CopyFormat, sameOrNewer: boolean): Format {
  const cols = t.columns.filter((c) => c.generated === '');
  if (cols.some((c) => OID_ALIAS_TYPES.has(c.typeOid))) return 'text';
  if (format !== 'auto') return format;
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

export interface DataTask {
  readonly table: Table;
  readonly bytes: number;
  readonly chunk?: { readonly index: number; readonly count: number; readonly fromPage: number; readonly toPage: number | null };
}

/** One task per table; big tables become block-range chunks. Largest first. */
export function splitTasks(tables: readonly Table[], opts: { enabled: boolean; splitBytes: number; maxChunks: number }): DataTask[] {
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

/** A source session in the snapshot and a target session, one pair per worker. */
export interface Worker {
  readonly source: Client;
  readonly target: Client;
}

/** The COPY TO (source) and COPY FROM (target) statements of a task. */
function copySql(task: DataTask, format: Format): { out: string; in: string } {
  const { table, chunk } = task;
  const cols = quoteCols(copyColumns(table));
  // A table with no copyable column (none at all, or only generated ones) is copied without a
  // column list: COPY then carries the row count (one empty line per row), and `()` is no syntax.
  const list = cols ? ` (${cols})` : '';
  const opts = `FORMAT ${format}`;
  const range = chunk ? `ctid >= '(${chunk.fromPage},0)'::tid${chunk.toPage === null ? '' : ` AND ctid < '(${chunk.toPage},0)'::tid`}` : '';
  return {
    out: chunk ? `COPY (SELECT ${cols} FROM ONLY ${table.qname} WHERE ${range}) TO STDOUT (${opts})` : `COPY ${table.qname}${list} TO STDOUT (${opts})`,
    // FREEZE needs the TRUNCATE in the same transaction: whole tables only.
    in: `COPY ${table.qname}${list} FROM STDIN (${opts}${chunk ? '' : ', FREEZE'})`,
  };
}

/** Relays one task's rows from source to target with backpressure (relay.ts); returns rows and payload bytes. */
async function streamRows(w: Worker, sql: { out: string; in: string }, onBytes: (bytes: number) => void): Promise<{ rows: number; bytes: number }> {
  const reader = w.source.query(framedCopyOut(sql.out));
  const writer = w.target.query(framedCopyIn(sql.in));
  let bytes = 0;
  reader.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    onBytes(bytes);
  });
  await pipeline(reader, writer);
  return { rows: writer.rowCount, bytes: reader.framer.payloadBytes };
}

/** Streams one task, emitting progress events at most every 200 ms. */
async function copyRows(ctx: RunContext, w: Worker, task: DataTask, format: Format, label: string): Promise<{ rows: number; bytes: number }> {
  let last = 0;
  return streamRows(w, copySql(task, format), (bytes) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    ctx.emit({ type: 'table-progress', table: label, bytes });
  });
}

/**
 * Loads one task in its own target transaction (a whole table is truncated first, for FREEZE);
 * in an atomic run inside the run's one transaction (the table was created in it: FREEZE holds).
 */
async function loadTask(ctx: RunContext, w: Worker, task: DataTask, format: Format, label: string): Promise<{ rows: number; bytes: number }> {
  const own = !ctx.atomic;
  try {
    if (own) await w.target.query('BEGIN');
    if (!task.chunk) await w.target.query(`TRUNCATE ONLY ${task.table.qname}`);
    const result = await copyRows(ctx, w, task, format, label);
    if (own) await w.target.query('COMMIT');
    return result;
  } catch (err) {
    if (own) await w.target.query('ROLLBACK').catch(() => undefined);
    throw phaseError('data', err, task.table.qname, ctx.mode);
  }
}

/** Builds a table's keys and indexes on the worker that just loaded it. */
async function buildIndexes(ctx: RunContext, target: Client, table: string, statements: readonly Statement[]): Promise<void> {
  for (const st of statements) {
    const t0 = Date.now();
    try {
      await target.query(st.sql);
    } catch (err) {
      throw phaseError('schema:post', statementError(st.object, err), table, ctx.mode);
    }
    ctx.emit({ type: 'statement', phase: 'schema:post', object: st.object, ms: Date.now() - t0 });
  }
}

interface TableState {
  remaining: number;
  rows: number;
  bytes: number;
  readonly started: number;
}

/** What the data phase hands on to the later phases. */
function formatOf(ctx: RunContext, table: Table): Format {
  return ctx.dataPlan.find((p) => p.table === table.qname)?.format ?? 'text';
}

/** Copies whole tables inside the caller's transaction (the table was truncated in it: FREEZE holds). */
function atomicLoader(ctx: RunContext, w: Worker, out: DataResult): TaskLoader {
  return {
    target: w.target,
    async copy(table) {
      const format = formatOf(ctx, table);
      const t0 = Date.now();
      ctx.emit({ type: 'table-start', table: table.qname, estimatedRows: table.estimatedRows, estimatedBytes: table.bytes, format });
      const { rows, bytes } = await copyRows(ctx, w, { table, bytes: table.bytes }, format, table.qname);
      const ms = Date.now() - t0;
      out.tables.push({ table: table.qname, rows, bytes, ms, format });
      ctx.emit({ type: 'table-end', table: table.qname, rows, bytes, ms });
    },
  };
}

/** Copies one task (a table or a chunk of it); the worker finishing a table builds its indexes. */
export async function copyTable(ctx: RunContext, w: Worker, task: DataTask, progress: Map<string, TableState>, out: DataResult): Promise<void> {
  const { table, chunk } = task;
  const format = formatOf(ctx, table);
  const t0 = Date.now();
  const state = progress.get(table.qname) ?? { remaining: chunk?.count ?? 1, rows: 0, bytes: 0, started: t0 };
  progress.set(table.qname, state);
  const label = chunk ? `${table.qname} [${chunk.index + 1}/${chunk.count}]` : table.qname;
  ctx.emit({ type: 'table-start', table: label, estimatedRows: table.estimatedRows / (chunk?.count ?? 1), estimatedBytes: task.bytes, format });
  const { rows, bytes } = await loadTask(ctx, w, task, format, label);
  state.rows += rows;
  state.bytes += bytes;
  state.remaining -= 1;
  if (chunk) ctx.emit({ type: 'table-end', table: label, rows, bytes, ms: Date.now() - t0 });
  if (state.remaining > 0) return;
  const ms = Date.now() - state.started;
  out.tables.push({ table: table.qname, rows: state.rows, bytes: state.bytes, ms, format });
  if (!chunk) ctx.emit({ type: 'table-end', table: table.qname, rows: state.rows, bytes: state.bytes, ms });
  const indexes = ctx.mode === 'full' ? ctx.plan.postIndexes.filter((s) => s.table === table.qname) : [];
  await buildIndexes(ctx, w.target, table.qname, indexes);
  out.indexesDone.add(table.qname);
  if (ctx.record) await markLoaded(w.target, table.qname, state.rows);
}

/** The tables the data phase loads in parallel, and the workers (an atomic run: one, on its transaction). */
async function plan(ctx: RunContext, inPlace: ReadonlySet<string>, out: DataResult): Promise<{ tables: Table[]; workers: Worker[] }> {
  const kept = new Set(ctx.kept);
  for (const q of kept) out.indexesDone.add(q);
  const tables = ctx.selection.dataTables.filter((t) => !inPlace.has(t.qname) && !kept.has(t.qname));
  if (ctx.options.resume) await prepareReload(ctx.target, tables.map((t) => t.qname));
  const n = ctx.atomic ? 1 : Math.min(ctx.readers.length, Math.max(1, tables.length));
  const workers: Worker[] = ctx.readers.slice(0, n).map((source, i) => ({ source, target: ctx.atomic ? ctx.target : ctx.writers[i] }));
  return { tables, workers };
}

/** Phase data. */
export async function copyTableData(ctx: RunContext): Promise<DataResult> {
  const out: DataResult = { tables: [], indexesDone: new Set(), droppedFks: [] };
  const interval = ctx.options.walFlushIntervalMs ?? 20;
  const flusher = interval > 0 ? startWalFlusher({ url: ctx.options.to, intervalMs: interval, onError: ctx.warn }) : undefined;
  try {
    await runPhase(ctx, 'data', async () => {
      // Tables already on the target are reloaded in one transaction; new ones in parallel.
      const related = ctx.mode === 'data-only' ? ctx.selection.onTarget : ctx.reload;
      const inPlace = new Set(related);
      const { tables, workers } = await plan(ctx, inPlace, out);
      const n = workers.length;
      if (inPlace.size) await loadAtomically(ctx, ctx.selection.dataTables.filter((t) => inPlace.has(t.qname)), related, atomicLoader(ctx, workers[0], out), out);
      const tasks = splitTasks(tables, {
        enabled: ctx.mode === 'full' && n > 1 && ctx.model.serverVersionNum >= 140000,
        splitBytes: ctx.options.splitBytes ?? Number.POSITIVE_INFINITY,
        maxChunks: n * 4,
      });
      const progress = new Map<string, TableState>();
      await runPool(tasks, n, (task, i) => copyTable(ctx, workers[i], task, progress, out));
    });
  } catch (err) {
    // a failed load may leave a writer inside its transaction: closing ends it before the undo
    await Promise.all(ctx.writers.splice(0).map(closeQuietly));
    throw err;
  } finally {
    await flusher?.stop();
  }
  out.tables.sort((a, b) => a.table.localeCompare(b.table));
  return out;
}
