/** Logical replication for the cutover: see context.ts for the names and each step's file. */
export * from './context';
export * from './preflight';
export * from './start';
export * from './status';
export * from './freeze';
export * from './finish';
export * from './cleanup';
export * from './rollback';
export * from './state';
export * from './lock';
export * from './expected';
export * from './interrupt';
