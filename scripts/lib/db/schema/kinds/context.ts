/**
 * What every catalog reader shares: the connection, the server version, the list of what
 * cannot be carried, and the SQL fragments that keep system and extension objects out.
 */
import type { ClientBase } from 'pg';
import type { NotCarried } from '../carried';

export type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ReadContext {
  readonly client: ClientBase;
  /** server_version_num of the connected server. */
  readonly version: number;
  /** Readers add what the copy cannot carry here. */
  readonly unsupported: NotCarried[];
}

/** User schemas only: not the system catalogs, TOAST or temporary schemas. */
// vn_freeze: the write freeze of db:sync (scripts/lib/db/sync/freeze.ts), never part of the schema.
export const SYSTEM_NS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'vn_freeze') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/** The object is not a member of an extension (the extension brings it). */
export const notExtensionMember = (classRel: string, oidExpr: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${classRel}'::regclass AND e.objid = ${oidExpr} AND e.deptype = 'e')`;

/** The object is not made implicitly by another (a range type's constructors and casts). */
export const notInternal = (classRel: string, oidExpr: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = '${classRel}'::regclass AND i.objid = ${oidExpr} AND i.deptype = 'i')`;

/** SQL for a quoted `schema.name`. */
export const QN = (ns: string, rel: string) => `format('%I.%I', ${ns}, ${rel})`;

export async function q(client: ClientBase, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await client.query(sql, params)).rows;
}
