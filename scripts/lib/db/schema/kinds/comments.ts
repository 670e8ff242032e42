/** COMMENT ON for every object kind the copy carries. */
import type { CommentDef } from '../model';
import { q, type ReadContext } from './context';
import type { Kind } from './kind';

/** pg_identify_object type -> COMMENT ON keyword. */
const COMMENT_KIND: Record<string, string> = {
  table: 'TABLE',
  'table column': 'COLUMN',
  'view column': 'COLUMN',
  'materialized view column': 'COLUMN',
  view: 'VIEW',
  'materialized view': 'MATERIALIZED VIEW',
  sequence: 'SEQUENCE',
  index: 'INDEX',
  type: 'TYPE',
  'composite type': 'TYPE',
  domain: 'DOMAIN',
  function: 'FUNCTION',
  procedure: 'PROCEDURE',
  schema: 'SCHEMA',
  'table constraint': 'CONSTRAINT',
  'domain constraint': 'CONSTRAINT',
  trigger: 'TRIGGER',
  policy: 'POLICY',
  aggregate: 'AGGREGATE',
  collation: 'COLLATION',
  operator: 'OPERATOR',
  rule: 'RULE',
  'statistics object': 'STATISTICS',
};

const COMMENTS_SQL = `
SELECT o.type, CASE WHEN d.classoid = 'pg_proc'::regclass AND o.type = 'aggregate'
                    THEN (SELECT format('%I.%I(%s)', n.nspname, p.proname, coalesce(nullif(pg_get_function_identity_arguments(p.oid), ''), '*'))
                            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = d.objoid)
                    ELSE o.identity END AS identity, quote_literal(d.description) AS text,
       CASE d.classoid WHEN 'pg_class'::regclass THEN coalesce((SELECT ix.indrelid FROM pg_index ix WHERE ix.indexrelid = d.objoid), d.objoid)
                       WHEN 'pg_constraint'::regclass THEN (SELECT nullif(k.conrelid, 0) FROM pg_constraint k WHERE k.oid = d.objoid)
                       WHEN 'pg_trigger'::regclass THEN (SELECT tg.tgrelid FROM pg_trigger tg WHERE tg.oid = d.objoid)
                       WHEN 'pg_policy'::regclass THEN (SELECT po.polrelid FROM pg_policy po WHERE po.oid = d.objoid)
                       WHEN 'pg_rewrite'::regclass THEN (SELECT rw.ev_class FROM pg_rewrite rw WHERE rw.oid = d.objoid)
                       WHEN 'pg_statistic_ext'::regclass THEN (SELECT sx.stxrelid FROM pg_statistic_ext sx WHERE sx.oid = d.objoid) END::int AS reloid
  FROM pg_description d, LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
 WHERE d.objoid >= 16384 AND o.schema IS DISTINCT FROM 'pg_catalog' AND o.schema IS DISTINCT FROM 'information_schema'
   AND d.classoid IN ('pg_class'::regclass, 'pg_type'::regclass, 'pg_proc'::regclass, 'pg_namespace'::regclass,
                      'pg_constraint'::regclass, 'pg_trigger'::regclass, 'pg_policy'::regclass, 'pg_collation'::regclass,
                      'pg_operator'::regclass, 'pg_rewrite'::regclass, 'pg_statistic_ext'::regclass)
   AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
 ORDER BY o.type, o.identity`;

export async function readComments(ctx: ReadContext): Promise<CommentDef[]> {
  return (await q(ctx.client, COMMENTS_SQL)).flatMap((r) => {
    const kind = COMMENT_KIND[r.type as string];
    if (!kind) return [];
    let target = r.identity as string;
    if (r.type === 'domain constraint') target = target.replace(/ on (.*)$/, ' ON DOMAIN $1');
    else if (kind === 'CONSTRAINT' || kind === 'TRIGGER' || kind === 'POLICY' || kind === 'RULE') target = target.replace(/ on (.*)$/, ' ON $1');
    return [{ relOid: r.reloid ?? null, key: `${kind} ${target}`, sql: `COMMENT ON ${kind} ${target} IS ${r.text}` }];
  });
}

export const comments: Kind = {
  name: 'comments',
  fields: ['comments'],
  read: async (ctx) => ({ comments: await readComments(ctx) }),
  emit: [{ phase: 'post:final', at: 380, statements: ({ model, sel }) => model.comments.filter((c) => sel.keeps(c.relOid)).map((c) => ({ object: `comment ${c.key}`, sql: c.sql })) }],
};
