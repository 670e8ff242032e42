/** Installed extensions (plpgsql comes with every database). */
import { quoteIdent } from '../../sql';
import { q, type ReadContext } from './context';
import type { Kind } from './kind';

export async function readExtensions(ctx: ReadContext): Promise<{ readonly name: string; readonly schema: string; readonly version: string }[]> {
  const rows = await q(
    ctx.client,
    `SELECT x.extname AS name, n.nspname AS schema, x.extversion AS version FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
     WHERE x.extname <> 'plpgsql' ORDER BY x.oid`,
  );
  return rows.map((r) => ({ name: r.name as string, schema: r.schema as string, version: r.version as string }));
}

export const extensions: Kind = {
  name: 'extensions',
  fields: ['extensions'],
  read: async (ctx) => ({ extensions: await readExtensions(ctx) }),
  emit: [
    {
      phase: 'pre',
      at: 20,
      statements: ({ model }) =>
        model.extensions.map((x) => ({ object: `extension ${quoteIdent(x.name)}`, sql: `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(x.name)} WITH SCHEMA ${quoteIdent(x.schema)}` })),
    },
  ],
  undo: {
    pass: 3,
    statement(o, { targetModel }) {
      if (!o.startsWith('extension ')) return undefined;
      const name = o.slice('extension '.length);
      return targetModel.extensions.some((x) => x.name === name.replace(/^"|"$/g, '')) ? undefined : `DROP EXTENSION IF EXISTS ${name}`;
    },
  },
};
