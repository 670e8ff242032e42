/**
 * Reads a database's schema from the system catalogs (no pg_dump needed, so any server
 * version from 13 up works, including newer than the local client binaries).
 *
 * One reader per object kind (kinds/*.ts, listed in kinds/index.ts), composed here into a
 * plain {@link SchemaModel}; `ddl.ts` turns it into ordered statements. Objects that belong to
 * extensions and system schemas are left out (the extension brings them).
 */
import type { ClientBase } from 'pg';
import type { NotCarried } from './carried';
import type { SchemaModel } from './model';
import { q, type ReadContext } from './kinds/context';
import { KINDS } from './kinds/index';

export * from './model';

/** Reads the schema of the connected database. Run inside the copy's snapshot transaction. */
export async function readSchema(client: ClientBase): Promise<SchemaModel> {
  // With an empty search_path every name the pg_get_*def functions print is schema-qualified.
  await client.query(`SELECT set_config('search_path', '', false)`);
  const [{ server_version: serverVersion, num }] = await q(
    client,
    `SELECT current_setting('server_version') AS server_version, current_setting('server_version_num')::int AS num`,
  );
  const unsupported: NotCarried[] = [];
  const ctx: ReadContext = { client, version: Number(num), unsupported };
  let model: Partial<SchemaModel> = { serverVersion, serverVersionNum: ctx.version, unsupported };
  for (const kind of KINDS) model = { ...model, ...(await kind.read(ctx, model)) };
  return model as SchemaModel;
}
