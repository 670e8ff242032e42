/**
 * The run context every copy phase works on: options, the two coordinating connections, the
 * exported snapshot, the source and target models, the table selection (computed once, in
 * preflight), and the run's event sink, timings and warnings.
 */
import type { Client } from 'pg';
import { MigrationError, type Phase } from '../errors';
import type { NotCarried } from '../schema/carried';
import type { SchemaModel, Table } from '../schema/catalog';
import type { DdlPlan, TableFilter } from '../schema/ddl';
import type { CopyEvent, CopyMode, CopyOptions, PlannedTable } from './types';

/** What a run has before preflight: options, connections, snapshot, event sink. */
export interface Session {
  readonly options: CopyOptions;
  readonly mode: CopyMode;
  readonly jobs: number;
  readonly filter: TableFilter;
  /** maintenance_work_mem of the target sessions, checked. */
  readonly maintenanceWorkMem: string;
  /** Source connection holding the snapshot transaction (and its ACCESS SHARE locks). */
  readonly source: Client;
  /** Target connection for DDL, sequences and foreign keys. */
  readonly target: Client;
  readonly snapshot: string;
  /**
   * Source sessions inside the snapshot that read the tables (data workers, then verification),
   * opened in preflight right after the snapshot's ACCESS SHARE locks and locking the selection
   * themselves, so a TRUNCATE queued behind the locks cannot block their reads.
   */
  readonly readers: Client[];
  /**
   * Target sessions that load the data and build the keys and indexes (one per reader, with
   * {@link targetSessionSql}); opened in preflight while the schemas are read, kept for
   * schema:post, closed before verify (or at once when the data phase fails).
   */
  readonly writers: Client[];
  readonly emit: (e: CopyEvent) => void;
  readonly warn: (message: string) => void;
  readonly timings: { phase: Phase; ms: number }[];
  readonly warnings: string[];
}

/** The tables and sequences a run covers; computed once in preflight. */
export interface Selection {
  /** Selected tables, partitioned parents included. */
  readonly tables: Table[];
  /** Tables holding rows (kind 'r'), largest first. */
  readonly dataTables: Table[];
  /** Sequences whose values the run sets: owned by a selected table or used by its defaults. */
  readonly sequences: string[];
  /** Selected tables that exist on the target before the run. */
  readonly onTarget: string[];
}

/** Everything the phases after preflight read. */
export interface RunContext extends Session {
  readonly model: SchemaModel;
  readonly targetModel: SchemaModel;
  readonly plan: DdlPlan;
  readonly selection: Selection;
  readonly dataPlan: PlannedTable[];
  /** Objects not carried that the user skipped explicitly. */
  readonly notCarried: NotCarried[];
  /** Statements `force` runs on the target before recreating the selection. */
  readonly drops: string[];
  /** Selected tables the target already holds with the same definition: reloaded in place (force.ts). */
  readonly reload: string[];
}

/** One line for a driver error; a lost connection says so. */
export function errText(err: unknown): string {
  const msg = ((err as Error)?.message ?? String(err)).split('\n')[0];
  const code = (err as { code?: string })?.code;
  if (code === 'EPIPE' || code === 'ECONNRESET' || code === '57P01' || /Connection terminated|terminating connection|not queryable|connection error/i.test(msg)) {
    return `connection lost (${msg}): the server ended the session (terminated, restarted or network failure)`;
  }
  return msg;
}

/** SQLSTATE classes a rerun with --force cannot fix: privileges and authorization. */
const NOT_FIXED_BY_FORCE = /^(42501|28|0L|0P)/;

/** The advice appended to a failure, only where it can help. */
export function rerunHint(phase: Phase, mode: CopyMode | undefined, code: string | undefined): string {
  if (phase === 'preflight' || phase === 'verify' || phase === 'connect') return '';
  if (code && NOT_FIXED_BY_FORCE.test(code)) return ' (a privilege problem: grant the target user what it needs, then rerun)';
  if (mode === 'data-only') return ' (the target was left as it was: rerun when the cause is fixed)';
  return ' (rerun with --force to drop and recreate the copied objects)';
}

/** Wraps a failure with its phase (and table), adding the rerun hint where it helps. */
export function phaseError(phase: Phase, err: unknown, table?: string, mode?: CopyMode): MigrationError {
  if (err instanceof MigrationError && err.phase && err.phase !== 'connect') return err;
  if (err instanceof MigrationError) return new MigrationError(`[${phase}] ${err.message}`, { ...err.details, phase, table });
  const where = table ? ` table ${table}:` : '';
  const code = (err as { code?: string })?.code;
  return new MigrationError(`[${phase}]${where} ${errText(err)}${rerunHint(phase, mode, code)}`, { phase, table, code, cause: err });
}

/** Runs one named phase: start/end events, its timing, and errors tagged with the phase. */
export async function runPhase<T>(s: Session, name: Phase, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  s.emit({ type: 'phase', phase: name, status: 'start' });
  try {
    const out = await fn();
    const ms = Date.now() - t0;
    s.timings.push({ phase: name, ms });
    s.emit({ type: 'phase', phase: name, status: 'end', ms });
    return out;
  } catch (err) {
    throw phaseError(name, err, undefined, s.mode);
  }
}

/**
 * Settings of every target session that writes: no wait for the WAL flush at commit (a failed
 * run is rerun, not resumed), no search path (all names are qualified), and the index builds'
 * maintenance_work_mem (checked in openSession).
 */
export function targetSessionSql(s: Session): string {
  return `SET synchronous_commit = off; SET search_path = ''; SET maintenance_work_mem = '${s.maintenanceWorkMem}'`;
}

/** Double-quotes an identifier (for names read from the catalogs unquoted). */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
