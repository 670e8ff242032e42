/**
 * What db:sync finish and db:rollback call to record their outcome in the record of the day
 * (ledger.ts): after a successful finish, the source's mark (source.ts) is taken first, so
 * `cutover --to rds` can tell whether the source took a write since.
 */
import { DEFAULT_PREFIX } from '../db/sync/context';
import { dayLedger, type DayLedger, type SyncRecord } from './ledger';
import { markSource } from './source';

export interface RecordOutcomeOptions {
  /** The source URL (forward): its mark is taken after a successful finish. */
  readonly from?: string;
  /** Prefix of the publication and slot. @default 'vn_sync' */
  readonly prefix?: string;
  /** Where warnings go (a cache that could not be written, a mark that could not be read). @default stderr */
  readonly warn?: (line: string) => void;
  /** @default dayLedger(envName) */
  readonly ledger?: DayLedger;
}

/** Records a finish or rollback outcome; returns where. Throws when the record itself cannot be written. */
export async function recordOutcome(envName: string, record: SyncRecord, o: RecordOutcomeOptions = {}): Promise<string> {
  const warn = o.warn ?? ((l: string) => process.stderr.write(`warning: ${l}\n`));
  let rec = record;
  if (record.ok && record.direction === 'forward' && o.from) {
    try {
      rec = { ...record, sourceMark: await markSource(o.from, o.prefix ?? DEFAULT_PREFIX) };
    } catch (err) {
      // recorded without a mark: cutover --to rds then refuses and says why
      warn(`could not read the source's mark after finish (${(err as Error).message.split('\n')[0]}): cutover --to rds will refuse until finish is recorded with it`);
    }
  }
  const ledger = o.ledger ?? dayLedger(envName);
  const out = await ledger.update({ lastSync: rec });
  if (out.cacheError) warn(`the record of the day is in ${out.where}, but its local cache was not written (${out.cacheError})`);
  return out.where;
}
