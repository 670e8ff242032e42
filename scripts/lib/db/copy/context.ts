/**
 * The run context every copy phase works on: options, the two coordinating connections, the
 * exported snapshot, the source and target models, the table selection (computed once, in
 * preflight), and the run's event sink, timings and warnings.
 */
import type { Client } from 'pg';
import { errText, type Phase } from '../errors';

// the one phase wrapper and error mapper of every data command (phase.ts), used by every copy phase
export { phaseError, rerunAdvice, rerunHint, runPhase } from '../phase';
import type { Pair } from '../session';
import type { NotCarried } from '../schema/carried';
import type { SchemaModel } from '../schema/catalog';
import type { DdlPlan } from '../schema/kinds/kind';
import type { Selection, TableFilter } from '../schema/selection';
import type { CopyEvent, CopyMode, CopyOptions, PlannedTable } from './types';

/** What a run has before preflight: options, connections, snapshot, event sink. */
export interface Session {
  readonly options: CopyOptions;
  /** The two-database session: both URLs parsed once, the refusals passed (../session.ts). */
  readonly pair: Pair;
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
  /** Backend pids of every session the run opened, per side (what an interrupt ends). */
  readonly pids: { readonly source: Set<number>; readonly target: Set<number> };
  /** The phase running now, and the interrupt when one came (interrupt.ts). */
  readonly state: RunState;
}

export interface RunState {
  phase?: Phase;
  interrupted?: 'SIGINT' | 'SIGTERM';
  /** Settles once the run's sessions were ended after an interrupt. */
  stopping?: Promise<void>;
}

/** Everything the phases after preflight read. */
export interface RunContext extends Session {
  readonly model: SchemaModel;
  readonly targetModel: SchemaModel;
  readonly plan: DdlPlan;
  /** The table selection, computed once in preflight. */
  readonly selection: Selection;
  readonly dataPlan: PlannedTable[];
  /** Objects not carried that the user skipped explicitly. */
  readonly notCarried: NotCarried[];
  /** Statements `force` runs on the target before recreating the selection. */
  readonly drops: string[];
  /** Selected tables the target already holds with the same definition: reloaded in place (force.ts). */
  readonly reload: string[];
  /**
   * The whole write (drops, schema:pre, data, sequences, schema:post) is ONE transaction on
   * {@link Session.target}, one worker: --force over a target that holds objects to drop or
   * reload, so a failure or an interrupt rolls back to the earlier copy (index.ts).
   */
  readonly atomic: boolean;
  /** The run keeps a resume record on the target (resume.ts): full mode, not atomic. */
  readonly record: boolean;
  /** With resume: tables loaded by the interrupted run, equal to the source again, kept. */
  readonly kept: string[];
}

/** A statement's failure named by its object, keeping the driver's code, DETAIL, HINT and CONTEXT. */
export function statementError(object: string, err: unknown): Error {
  const e = err as { code?: string; detail?: string; hint?: string; where?: string };
  return Object.assign(new Error(`${object}: ${errText(err)}`), { code: e?.code, detail: e?.detail, hint: e?.hint, where: e?.where });
}

/**
 * Settings of every target session that writes: no wait for the WAL flush at commit (a crash
 * of the target loses at most the last commits, in order: a table's resume mark is committed
 * after its data, so a surviving mark means surviving data), no search path (all names are qualified), and the index builds'
 * maintenance_work_mem (checked in openSession).
 */
export function targetSessionSql(s: Session): string {
  return `SET synchronous_commit = off; SET search_path = ''; SET maintenance_work_mem = '${s.maintenanceWorkMem}'`;
}

/** Records a session's backend pid, so an interrupt can end it (interrupt.ts); returns the client. */
export function track<C extends Client>(s: Pick<Session, 'pids'>, side: 'source' | 'target', client: C): C {
  const pid = (client as unknown as { processID?: number | null }).processID;
  if (pid) s.pids[side].add(pid);
  return client;
}

/** Double-quotes an identifier (for names read from the catalogs unquoted). */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
