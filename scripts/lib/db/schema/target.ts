/**
 * What the copy cannot carry onto this particular target: objects whose privileges only the
 * target's superuser can change (members of extensions, languages, system catalog objects: on
 * RDS they belong to rdsadmin, not to the master user), and the database's own privileges,
 * comment and connection limit when the copying user does not own the target database, and
 * shell types (only a superuser creates them).
 * PostgreSQL only warns when such a GRANT or REVOKE changes nothing, so these are refused
 * before anything is written, naming each object, like every other {@link NotCarried} item.
 */
import type { NotCarried } from './carried';
import type { SchemaModel } from './model';

const WHAT: Record<string, string> = {
  extension: 'a member of an extension: on the target the extension creates it, owned by the superuser that runs extension scripts',
  language: 'a procedural language: on the target it belongs to the superuser that installed it',
  catalog: 'a system catalog object: on the target it belongs to the bootstrap superuser',
};

/** Items of the source model the connected target (its {@link SchemaModel.session}) cannot take. */
export function targetNotCarried(model: SchemaModel, target: SchemaModel): NotCarried[] {
  const who = target.session;
  if (!who || who.superuser) return [];
  const out: NotCarried[] = [];
  for (const p of model.privileges.filter((x) => x.system)) {
    out.push({
      kind: `${p.system}-privileges`,
      object: `privileges on ${p.object} (${p.statements.map((s) => s.key).join(', ')})`,
      reason:
        `${WHAT[p.system!]}, so the copying user ${who.user} cannot change its privileges (a superuser of the target can, which RDS does not grant): ` +
        `undo the change on the source, or accept it with --skip ${p.system}-privileges`,
      superuser: true,
    });
  }
  for (const t of model.types.filter((x) => x.kind === 'shell')) {
    out.push({
      kind: 'shell-types',
      object: `type ${t.qname} (a shell type: CREATE TYPE without a definition)`,
      reason: `only a superuser can create a shell type, and the copying user ${who.user} is not one (RDS grants none): drop it on the source if nothing uses it, or accept with --skip shell-types`,
      superuser: true,
    });
  }
  const d = model.database;
  if (d && !who.ownsDatabase && (d.privileges.length || d.comment !== null || d.connectionLimit !== -1)) {
    const parts = [...d.privileges.map((s) => s.key), ...(d.comment !== null ? ['COMMENT'] : []), ...(d.connectionLimit !== -1 ? [`CONNECTION LIMIT ${d.connectionLimit}`] : [])];
    out.push({
      kind: 'database-privileges',
      object: `the database's own settings (${parts.join(', ')})`,
      reason: `the copying user ${who.user} does not own the target database, so it cannot carry them: connect as its owner, or accept with --skip database-privileges`,
    });
  }
  return out;
}
