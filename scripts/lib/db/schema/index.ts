/** Catalog reader and DDL generator: see catalog.ts and ddl.ts. */
export * from './catalog';
export * from './ddl';
export * from './carried';
export * from './roles';
export * from './target';
