/**
 * Reading the stand-in app's ledger (./app.ts) and judging the day by it: which writes were
 * acknowledged, which database answered each, how long no write succeeded around each switch
 * of the database of record.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { LedgerEntry } from './app';

/** Reads a ledger file (JSON lines); a torn last line (a process stopped mid-write) is skipped. */
export function readLedger(file: string): LedgerEntry[] {
  if (!existsSync(file)) return [];
  const out: LedgerEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as LedgerEntry);
    } catch {
      /* torn line */
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Which database is the one that may take writes, from `at` on (`switching`: a finish or rollback is running). */
export interface WriterChange {
  readonly at: number;
  readonly writer: 'source' | 'rds' | 'switching';
  /** While switching: the side whose writes must be carried over (they count as lost if not). */
  readonly from?: 'source' | 'rds';
}

/** Which database a ledger `db` value names. */
export type DatabaseOf = (db: string) => 'source' | 'rds' | 'unknown';

/** The writer at a moment, by the timeline (sorted by `at`). */
export function writerAt(timeline: readonly WriterChange[], at: number): WriterChange {
  let current = timeline[0];
  for (const c of timeline) if (c.at <= at) current = c;
  return current;
}

/**
 * Acknowledged writes on a database that was not allowed to take writes at that moment: the
 * other side while one side is the writer, the receiving side while a switch runs. (A write on
 * the giving side during a switch is allowed only if it was carried over: see lost writes.)
 */
export function wrongDatabaseWrites(entries: readonly LedgerEntry[], timeline: readonly WriterChange[], databaseOf: DatabaseOf): LedgerEntry[] {
  return entries.filter((e) => {
    if (!e.ok) return false;
    const w = writerAt(timeline, e.at);
    const side = databaseOf(e.db ?? '');
    if (side === 'unknown') return true;
    return w.writer === 'switching' ? side !== w.from : side !== w.writer;
  });
}

/** A read-only window: from the last write acknowledged by the old database to the first one acknowledged by the new. */
export interface ReadOnlyWindow {
  readonly from: 'source' | 'rds';
  readonly to: 'source' | 'rds';
  readonly lastOldAck: number;
  readonly firstNewAck: number;
  readonly seconds: number;
  /** Writes refused in the window (as the app saw them). */
  readonly refused: number;
  /** First refused write in the window, if any (ms since the epoch). */
  readonly firstRefused?: number;
}

/**
 * The window around one switch that started at `switchStart`: the last acknowledged write on
 * `from` before the first acknowledged write on `to` after `switchStart`.
 */
export function readOnlyWindow(entries: readonly LedgerEntry[], switchStart: number, from: 'source' | 'rds', to: 'source' | 'rds', databaseOf: DatabaseOf): ReadOnlyWindow | undefined {
  const firstNew = entries.find((e) => e.ok && e.at >= switchStart && databaseOf(e.db ?? '') === to);
  if (!firstNew) return undefined;
  const olds = entries.filter((e) => e.ok && e.at <= firstNew.at && databaseOf(e.db ?? '') === from);
  const lastOld = olds.length ? olds[olds.length - 1].at : switchStart;
  const refused = entries.filter((e) => !e.ok && e.at > lastOld && e.at < firstNew.at);
  return { from, to, lastOldAck: lastOld, firstNewAck: firstNew.at, seconds: (firstNew.at - lastOld) / 1000, refused: refused.length, firstRefused: refused[0]?.at };
}

/** Refused writes per stage (the stage that was live when the write was refused). */
export function errorsPerStage(entries: readonly LedgerEntry[], stages: readonly { readonly at: number; readonly stage: string }[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(stages.map((s) => [s.stage, 0]));
  for (const e of entries) {
    if (e.ok) continue;
    let stage = stages[0]?.stage ?? 'before';
    for (const s of stages) if (s.at <= e.at) stage = s.stage;
    out[stage] = (out[stage] ?? 0) + 1;
  }
  return out;
}
