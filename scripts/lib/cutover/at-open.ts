/**
 * `cutover --to rds --apply --at-open`: the app switch that follows the open of `db:sync finish`
 * within a second, whatever the database's size.
 *
 * Started before finish (or beside it, in a second terminal), it runs the checks that do not
 * depend on the data move (health, alarms, the standby), then reads the record of the day every
 * `pollMs` until finish has opened writes on the target: the record says "open, verifying" (or,
 * when this starts late, already "verified"). From there it goes on as `--before-verdict`: the
 * record and the live source are checked, and the prepared switch is applied. The verification
 * goes on in finish; should it fail, `db:rollback` carries every write made on RDS since the open
 * back to the source (the reverse replication finish armed before it opened).
 *
 * It gives up, changing nothing, when a data move recorded after it started failed (the
 * record's message is named), and after `timeoutMs`; Ctrl-C while it waits changes nothing.
 */
import { dayState, type DayLedger, type EnvironmentState } from './ledger';

export interface AtOpenOptions {
  /** How often the record is read. @default 250 */
  readonly pollMs?: number;
  /** How long to wait for the open. @default 3_600_000 (an hour: a prepared switch's life) */
  readonly timeoutMs?: number;
  /** Told once when the wait starts and every `noticeMs` after. */
  readonly onWait?: (detail: string) => void;
  /** @default 30_000 */
  readonly noticeMs?: number;
}

/** Whether the record says writes are open on the target after a finish (verifying or verified). */
export function opened(record: EnvironmentState): boolean {
  const s = dayState(record).state;
  return s === 'forward-verifying' || s === 'forward-finished';
}

const key = (r: EnvironmentState) => JSON.stringify(r.lastSync ?? null);

/** Reads the record until it says finish opened writes on the target. */
export async function waitForOpen(ledger: DayLedger, first: EnvironmentState, o: AtOpenOptions = {}): Promise<{ record: EnvironmentState } | { error: string }> {
  if (opened(first)) return { record: first };
  const started = Date.now();
  const deadline = started + (o.timeoutMs ?? 3_600_000);
  const before = key(first);
  const say = (elapsed: number) =>
    o.onWait?.(`waiting for db:sync finish to open writes on the target (record in ${ledger.where}: ${dayState(first).state}${elapsed ? `; ${Math.round(elapsed / 1000)} s so far` : ''}); nothing is changed until then, Ctrl-C stops the wait`);
  say(0);
  let noticed = started;
  for (;;) {
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
    const record = await ledger.read();
    if (opened(record)) return { record };
    const s = dayState(record);
    if (s.state === 'failed' && key(record) !== before) {
      return { error: `db:sync finish failed before writes opened on the target (recorded ${record.lastSync?.at}): ${s.message}; the app was not moved: fix it and run finish again (this command waits for it again)` };
    }
    const now = Date.now();
    if (now >= deadline) return { error: `db:sync finish did not open writes on the target within ${((o.timeoutMs ?? 3_600_000) / 1000).toFixed((o.timeoutMs ?? 3_600_000) < 10_000 ? 1 : 0)} s (record in ${ledger.where}: ${s.state}); the app was not moved` };
    if (now - noticed >= (o.noticeMs ?? 30_000)) {
      noticed = now;
      say(now - started);
    }
  }
}
