/** Object kinds the copy does not carry: listed so the copy can refuse them by name. */
import { notExtensionMember, q, SYSTEM_NS, type ReadContext } from './context';

export async function readNotCarried(ctx: ReadContext): Promise<void> {
  const [misc] = await q(
    ctx.client,
    `SELECT (SELECT count(*) FROM pg_largeobject_metadata)::int AS large_objects,
            (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'f' AND ${SYSTEM_NS})::int AS foreign_tables,
            (SELECT count(*) FROM pg_event_trigger)::int AS event_triggers,
            (SELECT count(*) FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_collation', 'co.oid')})::int AS collations,
            (SELECT count(*) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE ${SYSTEM_NS} AND ${notExtensionMember('pg_operator', 'o.oid')})::int AS operators,
            (SELECT count(*) FROM pg_publication)::int AS publications`,
  );
  const add = (kind: string, object: string, reason: string) => ctx.unsupported.push({ kind, object, reason });
  if (misc.large_objects > 0) add('large-objects', `${misc.large_objects} large object(s)`, 'pg_largeobject is not carried: move them into bytea columns first');
  if (misc.foreign_tables > 0) add('foreign-tables', `${misc.foreign_tables} foreign table(s)`, 'not carried');
  if (misc.event_triggers > 0) add('event-triggers', `${misc.event_triggers} event trigger(s)`, 'not carried: they need a superuser, which RDS does not grant');
  if (misc.collations > 0) add('collations', `${misc.collations} user-defined collation(s)`, 'not carried: create them on the target first');
  if (misc.operators > 0) add('operators', `${misc.operators} user-defined operator(s)`, 'not carried: create them on the target first');
  if (misc.publications > 0) add('publications', `${misc.publications} publication(s)`, 'not carried');
}
