/**
 * Roles the schema names (grants, default privileges, policies) must exist on the target
 * before any data moves: a missing one would otherwise fail only in schema:post.
 */
import type { ClientBase } from 'pg';
import { MigrationError } from '../errors';
import type { SchemaModel } from './model';
import { requiredRoles } from './ddl';

/** Roles {@link requiredRoles} names that the connected (target) server lacks. */
export async function missingRoles(target: ClientBase, model: SchemaModel): Promise<string[]> {
  const wanted = requiredRoles(model);
  if (!wanted.length) return [];
  const r = await target.query<{ name: string }>('SELECT rolname AS name FROM pg_roles WHERE rolname = ANY($1::text[])', [wanted]);
  const have = new Set(r.rows.map((x) => x.name));
  return wanted.filter((w) => !have.has(w));
}

/** Throws a preflight error naming every missing role and what names it. */
export async function assertRolesExist(target: ClientBase, model: SchemaModel): Promise<void> {
  const missing = await missingRoles(target, model);
  if (!missing.length) return;
  const uses = (role: string) =>
    [
      ...model.privileges.filter((p) => p.roles.includes(role)).map((p) => `grant on ${p.object}`),
      ...model.defaultPrivileges.filter((d) => d.roles.includes(role)).map((d) => `default privileges ${d.object}`),
      ...model.policies.filter((p) => p.roles.includes(role)).map((p) => `policy ${p.name} on ${p.table}`),
    ].join(', ');
  throw new MigrationError(
    `[preflight] the target lacks role(s) the schema names; nothing was written:\n` +
      missing.map((m) => `  - ${m} (${uses(m)})`).join('\n') +
      `\ncreate them on the target first (CREATE ROLE ...), e.g. with the app's migrations`,
    { phase: 'preflight' },
  );
}
