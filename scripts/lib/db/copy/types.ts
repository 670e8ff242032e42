/** The copy engine's public shapes: options, events and the summary. */
import type { Client } from 'pg';
import { MigrationError, type Phase } from '../errors';
import type { Table } from '../schema/catalog';
import type { NotCarried } from '../schema/carried';
import type { TableFilter } from '../schema/selection';
import type { SequenceValue } from '../sequences';
import type { VerifyEvent, VerifyReport } from '../verify';

export type CopyMode = 'full' | 'schema-only' | 'data-only';
export type CopyFormat = 'auto' | 'binary' | 'text';

export type CopyEvent =
  | { readonly type: 'phase'; readonly phase: Phase; readonly status: 'start' | 'end'; readonly ms?: number }
  | { readonly type: 'table-start'; readonly table: string; readonly estimatedRows: number; readonly estimatedBytes: number; readonly format: 'binary' | 'text' }
  | { readonly type: 'table-progress'; readonly table: string; readonly bytes: number }
  | { readonly type: 'table-end'; readonly table: string; readonly rows: number; readonly bytes: number; readonly ms: number }
  /** A DDL statement done; `ms` is set for keys and indexes (the bench splits data and index time with it). */
  | { readonly type: 'statement'; readonly phase: Phase; readonly object: string; readonly ms?: number }
  | { readonly type: 'warning'; readonly message: string }
  /** The exported snapshot every worker reads (valid until the copy returns). */
  | { readonly type: 'snapshot'; readonly id: string }
  | VerifyEvent;

export interface CopyOptions {
  readonly from: string;
  readonly to: string;
  /** Parallel workers for data, indexes and verification. @default DEFAULT_JOBS (scripts/lib/db/pool.ts) */
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
   * (full mode, source 14+, jobs > 1). Off by default: a split table loses COPY FREEZE (the
   * index builds after it must then set hint bits on every page), and on the 2-core bench a
   * 1.2 GB pgbench copy took 65-71 s split against 47-53 s whole (interleaved, same run).
   * Worth trying on targets with many cores. @default no splitting
   */
  readonly splitBytes?: number;
  /**
   * maintenance_work_mem for the key and index builds on the target (a PostgreSQL size:
   * `64MB`, `1GB`, `512kB`). @default {@link DEFAULT_MAINTENANCE_WORK_MEM}
   */
  readonly maintenanceWorkMem?: string;
  /**
   * While the data phase runs, a target session commits an empty transaction every this many
   * milliseconds, so the loaders find their WAL flushed (wal-flusher.ts); 0 turns it off.
   * @default 20
   */
  readonly walFlushIntervalMs?: number;
  /**
   * Kinds of objects the copy cannot carry that the user accepts to lose (`--skip <kind>`,
   * e.g. `large-objects`). Any other object that is not carried refuses the run in preflight.
   */
  readonly skip?: readonly string[];
  /**
   * Continue an interrupted or failed full copy from the record it left on the target
   * (resume.ts): the tables loaded then, checked again against the source, are kept; the
   * others are loaded. Refused when no record is there or the source's schema changed.
   */
  readonly resume?: boolean;
  /**
   * Stops the run (db:copy aborts it on SIGINT/SIGTERM with the signal's name as the reason):
   * the run's sessions are ended, the target is undone, rolled back or left with its resume
   * record, and the error says which (interrupt.ts).
   */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: CopyEvent) => void;
}

export interface TableResult {
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  readonly ms: number;
  readonly format: 'binary' | 'text';
}

export interface PlannedTable {
  readonly table: string;
  readonly format: 'binary' | 'text';
  readonly estimatedRows: number;
  readonly bytes: number;
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
  /** Objects left out because they depend on tables outside the selection. */
  readonly skipped: string[];
  /** Objects the copy does not carry and the user skipped with `skip` (`--skip <kind>`). */
  readonly notCarried: NotCarried[];
  /** What `force` drops on the target before recreating it (also with dryRun). */
  readonly drops: string[];
  readonly warnings: string[];
  readonly verify: VerifyReport | null;
  /** The DDL that was (or, with dryRun, would be) run. */
  readonly ddl: string;
  /** With resume: tables the interrupted run had loaded, found equal to the source again and kept. */
  readonly resumed: string[];
  /** Data tables with their planned COPY format. */
  readonly plan: PlannedTable[];
  readonly totalMs: number;
}

/**
 * The index builds' default maintenance_work_mem. Measured on the 2-core bench machine
 * (PostgreSQL 15, 8 M rows): the primary key on presorted integers built in 2.7-3.0 s at
 * 32-96MB against 3.7-3.9 s at 256MB, and an index on 8 M random UUIDs in 3.8 s at 64MB against
 * 5.5 s at 256MB and 6.7 s at 512MB: past a few tens of MB the in-memory sort loses to the
 * cache-friendly external one. Raise it with `--maintenance-work-mem` where a bigger target says so.
 */
export const DEFAULT_MAINTENANCE_WORK_MEM = '64MB';

/** A PostgreSQL memory size as `SET maintenance_work_mem` takes it: digits and kB, MB, GB or TB. */
export function checkMemorySize(value: string, field: string): string {
  const v = value.trim();
  if (!/^[1-9]\d{0,9}(kB|MB|GB|TB)$/.test(v)) {
    throw new MigrationError(`${field} must be a PostgreSQL size such as 64MB, 1GB or 512kB (got "${value}")`, { phase: 'connect' });
  }
  return v;
}

/** What the data phase hands on (table-data.ts), and the atomic loader's view of a worker (atomic-load.ts). */
export interface DataResult {
  readonly tables: TableResult[];
  /** Tables whose keys and indexes were built during the data phase. */
  readonly indexesDone: Set<string>;
  /** Foreign keys dropped for the load and not yet restored (always empty after a successful data phase). */
  readonly droppedFks: ForeignKey[];
}

/** The atomic loader's view of a worker: its target session, and a copy of one whole table into it. */
export interface TaskLoader {
  readonly target: Client;
  copy(table: Table): Promise<void>;
}

/** A foreign key dropped on the target for a load and restored after it (foreign-keys.ts). */
export interface ForeignKey {
  readonly table: string;
  readonly name: string;
  readonly def: string;
}
