/**
 * Foreign keys around a data-only load: parallel loads cannot satisfy them table by table,
 * so the keys touching the selection are dropped for the load and re-added after it.
 */
import type { Client } from 'pg';
import type { SchemaModel } from '../schema/catalog';
import { ident } from './context';
import type { ForeignKey } from './types';

/** Foreign keys on the target that touch the given tables (either side). */
export async function targetForeignKeys(client: Client, tables: readonly string[]): Promise<ForeignKey[]> {
  const r = await client.query<ForeignKey>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS def
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND k.conparentid = 0
        AND (k.conrelid = ANY($1::regclass[]) OR k.confrelid = ANY($1::regclass[]))`,
    [tables],
  );
  return r.rows;
}

/** Drops the foreign keys touching the tables and returns them. */
export async function dropForeignKeys(client: Client, tables: readonly string[]): Promise<ForeignKey[]> {
  const fks = await targetForeignKeys(client, tables);
  for (const fk of fks) await client.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT IF EXISTS ${ident(fk.name)}`);
  return fks;
}

/**
 * Re-adds the dropped foreign keys, and any foreign key of the source on the selected tables
 * that the target lacks (a rerun after an interrupted run restores what it lost).
 */
export async function restoreForeignKeys(client: Client, dropped: readonly ForeignKey[], model: SchemaModel, tables: readonly string[]): Promise<void> {
  const present = new Set((await targetForeignKeys(client, tables)).map((f) => `${f.table}.${f.name}`));
  const wanted = new Map(dropped.map((f) => [`${f.table}.${f.name}`, f]));
  for (const c of model.constraints) {
    if (c.type === 'f' && tables.includes(c.table) && !wanted.has(`${c.table}.${c.name}`)) wanted.set(`${c.table}.${c.name}`, { table: c.table, name: c.name, def: c.def });
  }
  for (const [key, fk] of wanted) {
    if (present.has(key)) continue;
    try {
      await client.query(`ALTER TABLE ${fk.table} ADD CONSTRAINT ${ident(fk.name)} ${fk.def}`);
    } catch (err) {
      throw Object.assign(new Error(`foreign key ${fk.table}.${fk.name}: ${(err as Error).message}`), { code: (err as { code?: string }).code, table: fk.table });
    }
  }
}
