/** Schemas (namespaces) outside the system ones and not created by an extension. */
import { quoteIdent } from '../../sql';
import { notExtensionMember, q, SYSTEM_NS, type ReadContext } from './context';
import type { Kind } from './kind';

export async function readSchemas(ctx: ReadContext): Promise<{ readonly name: string }[]> {
  const rows = await q(ctx.client, `SELECT n.nspname AS name FROM pg_namespace n WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_namespace', 'n.oid')} ORDER BY n.nspname`);
  return rows.map((r) => ({ name: r.name as string }));
}

export const schemas: Kind = {
  name: 'schemas',
  fields: ['schemas'],
  read: async (ctx) => ({ schemas: await readSchemas(ctx) }),
  emit: [{ phase: 'pre', at: 10, statements: ({ model }) => model.schemas.map((s) => ({ object: `schema ${quoteIdent(s.name)}`, sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s.name)}` })) }],
  undo: {
    pass: 3,
    statement(o, { targetModel }) {
      if (!o.startsWith('schema ')) return undefined;
      const name = o.slice('schema '.length);
      const had = new Set(targetModel.schemas.map((s) => s.name));
      return had.has(name.replace(/^"|"$/g, '').replace(/""/g, '"')) ? undefined : `DROP SCHEMA IF EXISTS ${name}`;
    },
  },
};
