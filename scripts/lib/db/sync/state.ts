/**
 * The record of the day moved to the cutover (scripts/lib/cutover/ledger.ts): the record in SSM
 * (`/venture-nudge/<env>/cutover/day`) with `<state dir>/<env>.json` as a cache. These names stay
 * here for the data commands: `recordOutcome` (SSM + cache, with the source's mark after a
 * finish) is what db:sync finish and db:rollback call; `recordSync` writes the cache file only.
 */
export {
  dayState,
  readState,
  recordSync,
  stateDir,
  stateFile,
  type DayState,
  type EnvironmentState,
  type SourceMark,
  type SyncRecord,
} from '../../cutover/ledger';
export { recordOutcome, type RecordOutcomeOptions } from '../../cutover/record';
