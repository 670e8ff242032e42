/** Logical replication for the cutover: see context.ts for the names and each step's file. */
export * from './context';
export * from './preflight';
export * from './start';
export * from './status';
export * from './freeze';
export * from './finish';
export * from './finish-record';
export * from './reverse';
export * from './cleanup';
export * from './rollback';
export * from './state';
export * from './lock';
export * from './expected';
export * from './interrupt';
// status.ts and state.ts (the record's, re-exported from cutover/ledger) both name these: here they are status's.
export { dayState, type DayState } from './status';
