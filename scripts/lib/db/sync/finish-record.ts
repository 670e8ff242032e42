/**
 * db:sync finish with its record of the day (cutover/ledger.ts), what `finish --env` runs:
 *
 *   writes open on the target   `forward`, `verification: verifying`, `openedAt`, the source's mark
 *                               (`cutover --to rds` refuses until the verdict is recorded, unless
 *                               `--before-verdict`)
 *   the verdict                 `verified` (with the source's mark, taken after the armed reverse
 *                               replication was removed) or `failed` (its first mismatch; with
 *                               `openedAt` when writes had opened: the way out is db:rollback)
 *   an error                    `failed` with its message (and `openedAt` when writes had opened)
 *
 * A finish that dies between the open and the verdict leaves `verifying`: `cutover` names the
 * next command (rerun finish, which verifies again, or db:rollback).
 */
import { describeUrl } from '../connection';
import { recordOutcome } from '../../cutover/record';
import type { DayLedger, SyncRecord } from '../../cutover/ledger';
import { withSync, type SyncOptions } from './context';
import { finishSync, type FinishOptions, type FinishResult } from './finish';

export interface RecordedFinishOptions {
  readonly envName: string;
  /** @default dayLedger(envName) */
  readonly ledger?: DayLedger;
  /** Where warnings go. @default stderr */
  readonly warn?: (line: string) => void;
  /** Told where each record went. */
  readonly onRecorded?: (where: string, record: SyncRecord) => void;
}

/** Runs finish over `options`, recording "open, verifying" at the open and then the verdict. */
export async function finishRecorded(options: SyncOptions, finish: FinishOptions, rec: RecordedFinishOptions): Promise<FinishResult> {
  const at = () => new Date().toISOString();
  const base = { direction: 'forward' as const, source: describeUrl(options.from), target: describeUrl(options.to) };
  const o = { ledger: rec.ledger, warn: rec.warn };
  const write = async (record: SyncRecord, from?: string) => {
    const where = await recordOutcome(rec.envName, record, { ...o, from, prefix: options.prefix });
    rec.onRecorded?.(where, record);
  };
  let openedAt: string | undefined;
  let result: FinishResult;
  try {
    result = await withSync(options, (ctx) =>
      finishSync(ctx, {
        ...finish,
        onOpen: async (open) => {
          openedAt = at();
          // with the source's mark, taken after the reverse subscription was made on it (cutover --before-verdict compares with it)
          await write({ ...base, ok: true, at: openedAt, openedAt, verification: 'verifying', mode: 'verify-after-open', freezeMs: open.freezeMs, message: 'open, verifying' }, options.from);
          await finish.onOpen?.(open);
        },
      }),
    );
  } catch (err) {
    const failed: SyncRecord = { ...base, ok: false, at: at(), message: (err as Error).message.split('\n')[0], ...(openedAt ? { openedAt, verification: 'failed' as const } : {}) };
    await write(failed).catch((e: Error) => (rec.warn ?? ((l: string) => process.stderr.write(`warning: ${l}\n`)))(`not recorded: ${e.message}`));
    throw err;
  }
  await write(
    {
      ...base,
      ...(result.opened ? { openedAt } : {}),
      mode: result.mode,
      ok: result.ok,
      at: at(),
      freezeMs: result.freezeMs,
      verifyMs: result.verifyMs,
      toVerifiedMs: result.toVerifiedMs,
      verification: result.ok ? 'verified' : 'failed',
      message: result.verify.mismatches[0],
    },
    options.from,
  );
  return result;
}
