/**
 * The one phase wrapper and the one error mapper of every data command (copy, verify, sync,
 * rollback): a named phase emits start/end events, records its timing, and a failure in it
 * becomes a {@link MigrationError} naming the phase (and table), the driver's headline (a lost
 * connection says so, errText) and its DETAIL/HINT/CONTEXT whole (errDetail). The copy adds its
 * rerun advice (it passes its mode); the other commands have none.
 */
import { errDetail, errText, MigrationError, type Phase } from './errors';

/** SQLSTATE classes a rerun cannot fix by itself: privileges and authorization. */
const PRIVILEGE = /^(42501|28|0L|0P)/;
/**
 * SQLSTATE classes of a failure that comes back on every rerun until its cause is fixed: syntax,
 * undefined or duplicate objects, data that breaks a constraint, unsupported features.
 */
const DETERMINISTIC = /^(42|23|22|0A|2B|2F|38|39|XX)/;

/** What a copy run loads (types.ts CopyMode; repeated here so the phase module imports no engine). */
export type RunMode = 'full' | 'schema-only' | 'data-only';

/** The advice for a rerun after a failure that left the target as it was. */
export function rerunAdvice(code: string | undefined): string {
  if (code && PRIVILEGE.test(code)) return 'a privilege problem: grant the target user what it needs, then rerun';
  if (code && DETERMINISTIC.test(code)) return 'a rerun meets the same error: fix its cause first';
  return 'rerun when the cause is fixed';
}

/**
 * The advice appended to a copy's failure where the phase alone says what the target holds:
 * schema:pre is one transaction and a data-only load is one transaction, so the target was
 * left as it was. After schema:pre of a full or schema-only run the undo (copy/undo.ts) or the
 * resume record (copy/resume.ts) decides, and adds its own advice. --force is never offered where
 * it cannot change the outcome. No mode (sync, rollback): no advice.
 */
export function rerunHint(phase: Phase, mode: RunMode | undefined, code: string | undefined): string {
  if (mode === undefined) return '';
  if (phase === 'preflight' || phase === 'verify' || phase === 'connect') return '';
  if (code && PRIVILEGE.test(code)) return ` (${rerunAdvice(code)})`;
  if (mode === 'data-only' || phase === 'schema:pre') return ` (the target was left as it was: ${rerunAdvice(code)})`;
  return '';
}

/**
 * The one error mapper: wraps a failure with its phase (and table), adding the copy's rerun hint
 * where it helps; the driver's DETAIL, HINT and CONTEXT follow on their own lines
 * (MigrationError.detail). A MigrationError that already names a phase (other than connect) is
 * kept as it is.
 */
export function phaseError(phase: Phase, err: unknown, table?: string, mode?: RunMode): MigrationError {
  if (err instanceof MigrationError && err.phase && err.phase !== 'connect') return err;
  if (err instanceof MigrationError) return new MigrationError(`[${phase}] ${err.headline}`, { ...err.details, phase, table });
  const where = table ? ` table ${table}:` : '';
  const code = (err as { code?: string })?.code;
  return new MigrationError(`[${phase}]${where} ${errText(err)}${rerunHint(phase, mode, code)}`, { phase, table, code, cause: err, detail: errDetail(err) || undefined });
}

export type PhaseEvent = { readonly type: 'phase'; readonly phase: Phase; readonly status: 'start' | 'end'; readonly ms?: number };

export interface PhaseTiming {
  readonly phase: Phase;
  readonly ms: number;
}

/** What a phase runs on: a copy's session, a sync context, anything with an event sink. */
export interface PhaseHost {
  emit(event: PhaseEvent): void;
  /** Every finished phase is appended here. */
  readonly timings?: PhaseTiming[];
  /** Set to the phase running now (the copy's interrupt and failure handling read it). */
  readonly state?: { phase?: Phase };
  /** The copy's mode: its rerun advice (see {@link rerunHint}). */
  readonly mode?: RunMode;
}

/** Runs one named phase: start/end events, its timing, and errors mapped by {@link phaseError}. */
export async function runPhase<T>(host: PhaseHost, name: Phase, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  if (host.state) host.state.phase = name;
  host.emit({ type: 'phase', phase: name, status: 'start' });
  try {
    const out = await fn();
    const ms = Date.now() - t0;
    host.timings?.push({ phase: name, ms });
    host.emit({ type: 'phase', phase: name, status: 'end', ms });
    return out;
  } catch (err) {
    throw phaseError(name, err, undefined, host.mode);
  }
}

/** The time the phase `name` took when it ran last on `host` (0 when it did not run). */
export function lastPhaseMs(host: PhaseHost, name: Phase): number {
  return [...(host.timings ?? [])].reverse().find((t) => t.phase === name)?.ms ?? 0;
}
