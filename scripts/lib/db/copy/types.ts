/** The copy engine's public shapes: options, events and the summary. */
import type { Phase } from '../errors';
import type { NotCarried } from '../schema/carried';
import type { TableFilter } from '../schema/ddl';
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
  /**
   * Kinds of objects the copy cannot carry that the user accepts to lose (`--skip <kind>`,
   * e.g. `large-objects`). Any other object that is not carried refuses the run in preflight.
   */
  readonly skip?: readonly string[];
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
  /** Data tables with their planned COPY format. */
  readonly plan: PlannedTable[];
  readonly totalMs: number;
}
