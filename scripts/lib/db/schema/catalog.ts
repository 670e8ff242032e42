/**
 * Reads a database's schema from the system catalogs (no pg_dump needed, so any server
 * version from 13 up works, including newer than the local client binaries).
 *
 * One reader per object kind (kinds/*.ts), composed here into a plain {@link SchemaModel};
 * `ddl.ts` turns it into ordered statements. Objects that belong to extensions and system
 * schemas are left out (the extension brings them).
 */
import type { ClientBase } from 'pg';
import type { NotCarried } from './carried';
import type { SchemaModel } from './model';
import { q, type ReadContext } from './kinds/context';
import { readSchemas } from './kinds/schemas';
import { readExtensions } from './kinds/extensions';
import { readTypes } from './kinds/types';
import { readFunctions } from './kinds/functions';
import { readTables } from './kinds/tables';
import { readSequences } from './kinds/sequences';
import { readViews } from './kinds/views';
import { readIndexes } from './kinds/indexes';
import { readConstraints } from './kinds/constraints';
import { readTriggers } from './kinds/triggers';
import { readPolicies } from './kinds/policies';
import { readComments } from './kinds/comments';
import { readNotCarried } from './kinds/not-carried';
import { readCollations } from './kinds/collations';
import { readOperators } from './kinds/operators';
import { readRules } from './kinds/rules';
import { readStatistics } from './kinds/statistics';
import { readDatabase, readDefaultPrivileges, readPrivileges } from './kinds/privileges';
import { readSettings } from './kinds/settings';

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

  const schemas = await readSchemas(ctx);
  const extensions = await readExtensions(ctx);
  const types = await readTypes(ctx);
  const functions = await readFunctions(ctx);
  const tables = await readTables(ctx);
  const sequences = await readSequences(ctx);
  const views = await readViews(ctx);
  const depthOf = new Map(tables.map((t) => [t.oid, t.partitionDepth]));
  const tableOids = tables.map((t) => t.oid);
  const indexes = await readIndexes(ctx, [...tableOids, ...views.filter((w) => w.kind === 'm').map((w) => w.oid)], depthOf);
  const { constraints, attachments } = await readConstraints(ctx, tableOids, depthOf);
  const triggers = await readTriggers(ctx);
  const policies = await readPolicies(ctx);
  const comments = await readComments(ctx);
  const collations = await readCollations(ctx);
  const operators = await readOperators(ctx);
  const rules = await readRules(ctx);
  const statistics = await readStatistics(ctx);
  const privileges = await readPrivileges(ctx);
  const defaultPrivileges = await readDefaultPrivileges(ctx);
  const settings = await readSettings(ctx);
  const { database, session } = await readDatabase(ctx);
  await readNotCarried(ctx);

  return {
    serverVersion,
    serverVersionNum: ctx.version,
    schemas,
    extensions,
    types,
    functions,
    sequences,
    tables,
    views,
    indexes: [...indexes, ...attachments],
    constraints,
    triggers,
    policies,
    comments,
    collations,
    operators,
    rules,
    statistics,
    privileges,
    defaultPrivileges,
    settings,
    database,
    session,
    unsupported,
  };
}
