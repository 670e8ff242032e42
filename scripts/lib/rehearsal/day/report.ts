/**
 * The verdict of the migration-day rehearsal, judged by the stand-in app's ledger and an
 * independent comparison of the databases, never by the toolkit's own verify:
 *
 * - acknowledgedWrites: writes the app answered as committed (ledger, ok)
 * - lostWrites: acknowledged writes whose row (by its request id) is not in the database of
 *   record at the end
 * - writesOnWrongDatabase: acknowledged writes committed by a database that was not allowed
 *   to take writes at that moment (./ledger.ts wrongDatabaseWrites)
 * - readOnlyWindowSeconds: the longest window, over the forward switches (source -> RDS), from
 *   the last write the source acknowledged to the first write RDS acknowledged, as the app saw
 *   it; every switch's window is listed in `windows`
 * - freezeSeconds / verifySeconds / toVerifiedSeconds: as the first `db:sync finish` printed them
 *   (writes stopped -> writes open on RDS; the verification; finish's start -> "verified"); each
 *   run's in `freezes`
 */
import { APP_TABLES, type AppTable, type LedgerEntry } from './app';
import { ridsIn, type DayDatabases } from './databases';
import { errorsPerStage, readOnlyWindow, wrongDatabaseWrites, writerAt, type ReadOnlyWindow, type WriterChange } from './ledger';

export interface StepResult {
  readonly id: string;
  /** As the user types it. */
  readonly command: string;
  readonly ok: boolean;
  readonly code: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly seconds: number;
  readonly stdout: string;
  /** Last lines of its output when it failed. */
  readonly error?: string;
}

export interface DayReport {
  readonly ok: boolean;
  readonly acknowledgedWrites: number;
  readonly refusedWrites: number;
  readonly lostWrites: number;
  readonly writesOnWrongDatabase: number;
  readonly readOnlyWindowSeconds: number | null;
  /** The same, without the rehearsal's own comparisons inside it (JudgedWindow.besideJudgeSeconds). */
  readonly readOnlyWindowBesideJudgeSeconds: number | null;
  readonly freezeSeconds: number | null;
  readonly verifySeconds: number | null;
  /** From the start of the first finish to its "verified". */
  readonly toVerifiedSeconds: number | null;
  readonly errorsPerStage: Record<string, number>;
  readonly windows: JudgedWindow[];
  readonly freezes: FreezeFigures[];
  readonly comparisons: Comparison[];
  readonly steps: { id: string; command: string; ok: boolean; seconds: number; error?: string }[];
  /** The first step that failed (the walk stops there). */
  readonly failedStep?: { id: string; command: string; error?: string };
  readonly databaseOfRecord: 'source' | 'rds';
  readonly scale: number;
  readonly databaseBytes: number;
  readonly requests: number;
  readonly superuserSteps: string[];
  readonly examples: { lost: LedgerEntry[]; wrongDatabase: LedgerEntry[] };
  readonly problems: string[];
  readonly logDir: string;
  readonly seconds: number;
}

const seconds = (text: string, re: RegExp): number | null => {
  const m = re.exec(text);
  if (!m) return null;
  return m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
};

/** An independent comparison of the two databases, and when the rehearsal held the walk for it. */
export interface Comparison {
  readonly after: string;
  readonly same: boolean;
  readonly difference: unknown;
  /** When it started (ms since the epoch) and how long the walk waited for it. */
  readonly at?: number;
  readonly seconds?: number;
}

/** A read-only window, with the time inside it the rehearsal itself spent comparing (no user step). */
export interface JudgedWindow extends ReadOnlyWindow {
  /** Seconds of independent comparisons inside the window: the rehearsal's own pause, not a step of the runbook. */
  readonly judgeSeconds: number;
  /** The window without that pause: what a user who runs the next command at once sees. */
  readonly besideJudgeSeconds: number;
}

/** Seconds of comparisons that fall inside a window. */
export function judgeInside(w: ReadOnlyWindow, comparisons: readonly (Comparison | { readonly at: number; readonly seconds: number })[]): number {
  let ms = 0;
  for (const c of comparisons) {
    if (c.at === undefined || c.seconds === undefined) continue;
    const from = Math.max(c.at, w.lastOldAck);
    const to = Math.min(c.at + c.seconds * 1000, w.firstNewAck);
    if (to > from) ms += to - from;
  }
  return ms / 1000;
}

export interface FreezeFigures {
  readonly step: string;
  readonly freezeSeconds: number | null;
  readonly verifySeconds: number | null;
  /** finish only: its start -> "verified" (null for a rollback, or a finish that printed none). */
  readonly toVerifiedSeconds: number | null;
}

/** freeze / verify figures a finish or rollback printed. */
export function freezeFigures(s: StepResult): FreezeFigures {
  const freeze = seconds(s.stdout, /^freeze: ([\d.]+) (ms|s)\b/m) ?? seconds(s.stdout, /read-only for ([\d.]+) (ms|s)\b/);
  const verify = seconds(s.stdout, /^verify: ([\d.]+) (ms|s)\b/m) ?? seconds(s.stdout, /; verify ([\d.]+) (ms|s)\b/);
  const toVerified = seconds(s.stdout, /^finish start -> verified: ([\d.]+) (ms|s)\b/m);
  return { step: s.id, freezeSeconds: freeze, verifySeconds: verify, toVerifiedSeconds: toVerified };
}

export interface JudgeInput {
  readonly ledger: LedgerEntry[];
  readonly db: DayDatabases;
  readonly timeline: readonly WriterChange[];
  readonly switches: readonly { at: number; from: 'source' | 'rds'; to: 'source' | 'rds' }[];
  readonly stages: readonly { at: number; stage: string }[];
  readonly steps: readonly StepResult[];
  readonly comparisons: Comparison[];
  /** The judge's holds at the open (their time in a window is the rehearsal's, not the user's). */
  readonly holds?: readonly { at: number; seconds: number }[];
  readonly superuserSteps: string[];
  readonly scale: number;
  readonly databaseBytes: number;
  readonly requests: number;
  readonly logDir: string;
  readonly startedAt: number;
  readonly problems: string[];
}

/** Judges a finished (or stopped) run. */
export async function judge(i: JudgeInput): Promise<DayReport> {
  const ports = { source: `:${i.db.source.cluster.port}/${i.db.source.database}`, rds: `:${i.db.target.cluster.port}/${i.db.target.database}` };
  const databaseOf = (db: string) => (db.endsWith(ports.source) ? 'source' : db.endsWith(ports.rds) ? 'rds' : 'unknown') as 'source' | 'rds' | 'unknown';
  const acks = i.ledger.filter((e) => e.ok);
  const last = writerAt(i.timeline, Date.now());
  const record = last.writer === 'switching' ? last.from! : last.writer;
  const finalDb = record === 'rds' ? i.db.target : i.db.source;
  const present = new Map<AppTable, Set<string>>();
  for (const t of APP_TABLES) present.set(t, await ridsIn(finalDb, t));
  const lost = acks.filter((e) => !present.get(e.table)?.has(e.rid));
  const wrong = wrongDatabaseWrites(i.ledger, i.timeline, databaseOf);
  const perSwitch = i.switches.map((s) => readOnlyWindow(i.ledger, s.at, s.from, s.to, databaseOf));
  const windows: JudgedWindow[] = perSwitch
    .filter((w): w is ReadOnlyWindow => w !== undefined)
    .map((w) => {
      const judgeSeconds = Number(judgeInside(w, [...i.comparisons, ...(i.holds ?? [])]).toFixed(3));
      return { ...w, judgeSeconds, besideJudgeSeconds: Number((w.seconds - judgeSeconds).toFixed(3)) };
    });
  const forward = windows.filter((w) => w.to === 'rds').map((w) => w.seconds);
  const forwardBeside = windows.filter((w) => w.to === 'rds').map((w) => w.besideJudgeSeconds);
  const freezes = i.steps.filter((s) => /^finish|^rollback/.test(s.id) && s.ok).map(freezeFigures);
  const firstFinish = freezes.find((f) => f.step.startsWith('finish'));
  const failed = i.steps.find((s) => !s.ok);
  const problems = [...i.problems];
  if (failed) problems.push(`step ${failed.id} failed: ${failed.command}`);
  for (const c of i.comparisons) if (!c.same) problems.push(`the independent comparison after ${c.after} found differences`);
  if (lost.length) problems.push(`${lost.length} acknowledged write(s) are not in the database of record (${record})`);
  if (wrong.length) problems.push(`${wrong.length} acknowledged write(s) were committed by a database that was not the writer`);
  if (!acks.length) problems.push('no write was acknowledged: the traffic did not reach the app');
  // A switch after which the new writer acknowledged nothing: users stayed read-only (or refused) to the end.
  perSwitch.forEach((w, n) => {
    if (w) return;
    const s = i.switches[n];
    const refused = i.ledger.filter((e) => !e.ok && e.at >= s.at);
    problems.push(`after the switch ${s.from} -> ${s.to} at ${new Date(s.at).toISOString()}, ${s.to === 'rds' ? 'RDS' : 'the source'} never acknowledged a write (${refused.length} refused${refused[0]?.error ? `, e.g. "${refused[0].error}"` : ''})`);
  });
  return {
    ok: problems.length === 0,
    acknowledgedWrites: acks.length,
    refusedWrites: i.ledger.length - acks.length,
    lostWrites: lost.length,
    writesOnWrongDatabase: wrong.length,
    readOnlyWindowSeconds: forward.length ? Math.max(...forward) : null,
    readOnlyWindowBesideJudgeSeconds: forwardBeside.length ? Math.max(...forwardBeside) : null,
    freezeSeconds: firstFinish?.freezeSeconds ?? null,
    verifySeconds: firstFinish?.verifySeconds ?? null,
    toVerifiedSeconds: firstFinish?.toVerifiedSeconds ?? null,
    errorsPerStage: errorsPerStage(i.ledger, i.stages),
    windows,
    freezes,
    comparisons: i.comparisons,
    steps: i.steps.map((s) => ({ id: s.id, command: s.command, ok: s.ok, seconds: Number(s.seconds.toFixed(1)), error: s.error })),
    failedStep: failed ? { id: failed.id, command: failed.command, error: failed.error } : undefined,
    databaseOfRecord: record,
    scale: i.scale,
    databaseBytes: i.databaseBytes,
    requests: i.requests,
    superuserSteps: i.superuserSteps,
    examples: { lost: lost.slice(0, 5), wrongDatabase: wrong.slice(0, 5) },
    problems,
    logDir: i.logDir,
    seconds: (Date.now() - i.startedAt) / 1000,
  };
}
