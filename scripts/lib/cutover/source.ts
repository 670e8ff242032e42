/**
 * The live state of the source, for `cutover --to rds` (run where the source is reachable: the
 * operator's machine reaches Vercel Postgres, not RDS). The record says finish succeeded; these
 * checks say the source still is what finish left:
 *
 *   frozen            `isFrozen` of the freeze (scripts/lib/db/sync/freeze.ts)
 *   replication gone  no slot `<prefix>_slot` and no publication `<prefix>_pub` on the source
 *   no write since    see below
 *
 * "No write since finish", by the mark finish recorded ({@link readSourceMark}, taken after the
 * publication was dropped, on a session that assigns no transaction id):
 *
 *   1. no open transaction holds a transaction id in the database (pg_stat_activity.backend_xid),
 *      and no prepared transaction waits (pg_prepared_xacts): either could still commit a write;
 *   2. `pg_snapshot_xmax(pg_current_snapshot())` is the mark's: not one transaction id was
 *      assigned since, so nothing was written (no row, no DDL). This is the usual case;
 *   3. when ids were assigned and the user tables' ANALYZE counters (analyze_count +
 *      autoanalyze_count, which an ANALYZE updates in the shared statistics at once, PG 15+) went up
 *      by exactly that many, with the row counters unchanged, each id was an ANALYZE (autovacuum's,
 *      on a source that took writes all day): no wait. (Not told apart: a write whose counters are
 *      not flushed yet hiding behind an ANALYZE that assigned no id, of an empty table, in the same
 *      seconds; such a write must also have got past the freeze's triggers.)
 *   4. otherwise (DDL, a write, or ids and analyses that do not match), the statistics decide: the sum of n_tup_ins + n_tup_upd + n_tup_del over the user tables must
 *      equal the mark's, read again after `settleMs` (a backend flushes its counters within
 *      about 10 s of going idle, and on exit) and with the statistics not reset since. Rows written
 *      since finish fail the check; ids without rows pass with a note saying how many (a DDL
 *      change on the source is not caught by this step).
 */
import type { Client } from 'pg';
import { connect, describeUrl } from '../db/connection';
import { syncNames } from '../db/sync/context';
import { isFrozen } from '../db/sync/freeze';
import type { SourceMark } from './ledger';

export const CHECK_APP = 'venture-nudge-cutover';

async function counters(client: Client): Promise<{ modifications: string; statsReset: string | null; analyses: string }> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const r = await client.query<{ modifications: string; stats_reset: string | null; analyses: string }>(
    `SELECT (SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text FROM pg_stat_user_tables) AS modifications,
            (SELECT coalesce(sum(analyze_count + autoanalyze_count), 0)::text FROM pg_stat_user_tables) AS analyses,
            (SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()) AS stats_reset`,
  );
  return { modifications: r.rows[0].modifications, statsReset: r.rows[0].stats_reset, analyses: r.rows[0].analyses };
}

async function xmax(client: Client): Promise<string> {
  return (await client.query<{ x: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x')).rows[0].x;
}

/** The mark of the source now (after finish): next transaction id and the row counters. */
export async function readSourceMark(client: Client, prefix: string): Promise<SourceMark> {
  const c = await counters(client);
  return { xmax: await xmax(client), ...c, prefix };
}

/** Opens the source, reads its mark, closes it. */
export async function markSource(url: string, prefix: string): Promise<SourceMark> {
  const client = await connect(url, { role: 'source', applicationName: CHECK_APP });
  try {
    return await readSourceMark(client, prefix);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One finding of the live check. */
export interface LiveFinding {
  readonly what: 'frozen' | 'replication' | 'no-write';
  readonly ok: boolean;
  readonly detail: string;
}

export interface LiveCheckOptions {
  /** The environment, for the commands named in the findings. */
  readonly envName: string;
  /** How long to let the statistics settle when transaction ids were assigned. @default 11000 */
  readonly settleMs?: number;
}

async function replicationLeft(client: Client, prefix: string): Promise<string[]> {
  const n = syncNames(prefix);
  const slots = await client.query<{ name: string }>('SELECT slot_name AS name FROM pg_replication_slots WHERE slot_name = $1', [n.slot]);
  const pubs = await client.query<{ name: string }>('SELECT pubname AS name FROM pg_publication WHERE pubname = $1', [n.publication]);
  return [...slots.rows.map((r) => `slot ${r.name}`), ...pubs.rows.map((r) => `publication ${r.name}`)];
}

async function noWriteSince(client: Client, mark: SourceMark, o: LiveCheckOptions): Promise<LiveFinding> {
  const fail = (detail: string): LiveFinding => ({ what: 'no-write', ok: false, detail });
  const restart = `the source may hold writes RDS does not have: find them, then start the move again (npm run db:sync -- cleanup, start, finish --freeze --env ${o.envName})`;
  const open = await client.query<{ pid: number; xid: string; app: string | null }>(
    `SELECT pid, backend_xid::text AS xid, application_name AS app FROM pg_stat_activity
      WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`,
  );
  if (open.rowCount) return fail(`open transaction(s) holding a transaction id on the source: ${open.rows.map((r) => `pid ${r.pid} (${r.app || 'no application_name'}, xid ${r.xid})`).join(', ')}: they may still commit writes; end them (pg_terminate_backend) and rerun`);
  const prepared = await client.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE database = current_database()');
  if (prepared.rowCount) return fail(`prepared transaction(s) on the source: ${prepared.rows.map((r) => r.gid).join(', ')}: ROLLBACK PREPARED them (or they commit writes RDS never gets) and rerun`);
  const assigned = BigInt(await xmax(client)) - BigInt(mark.xmax);
  if (assigned === 0n) return { what: 'no-write', ok: true, detail: 'no transaction id assigned on the source since finish: nothing was written' };
  let now = await counters(client);
  if (mark.analyses !== undefined && now.statsReset === mark.statsReset && now.modifications === mark.modifications && BigInt(now.analyses) - BigInt(mark.analyses) === assigned) {
    return { what: 'no-write', ok: true, detail: `no row written on the source since finish (${assigned} transaction id(s) assigned, each an ANALYZE: the tables' analyze counters went up by as many)` };
  }
  if (now.modifications === mark.modifications && now.statsReset === mark.statsReset && (o.settleMs ?? 11000) > 0) {
    await new Promise((r) => setTimeout(r, o.settleMs ?? 11000));
    now = await counters(client);
  }
  if (now.statsReset !== mark.statsReset) return fail(`${assigned} transaction id(s) assigned on the source since finish and its statistics were reset (${now.statsReset}), so whether rows were written cannot be told: ${restart}`);
  const rows = BigInt(now.modifications) - BigInt(mark.modifications);
  if (rows !== 0n) return fail(`${rows} row(s) inserted, updated or deleted on the source since finish (${assigned} transaction id(s) assigned): ${restart}`);
  return { what: 'no-write', ok: true, detail: `no row written on the source since finish (${assigned} transaction id(s) assigned without a row change: autovacuum ANALYZE or DDL)` };
}

/** The three live findings on an open source session. */
export async function checkSourceLive(client: Client, mark: SourceMark, o: LiveCheckOptions): Promise<LiveFinding[]> {
  const db = (await client.query<{ d: string }>('SELECT current_database() AS d')).rows[0].d;
  const frozen = await isFrozen(client);
  const left = await replicationLeft(client, mark.prefix);
  return [
    frozen
      ? { what: 'frozen', ok: true, detail: `source database ${db} is frozen` }
      : { what: 'frozen', ok: false, detail: `source database ${db} is not frozen: the app could write there and RDS would never get it; if nothing was written since finish, freeze it again, else start the move again (npm run db:sync -- start, finish --freeze --env ${o.envName})` },
    left.length
      ? { what: 'replication', ok: false, detail: `${left.join(' and ')} still on the source: finish did not end cleanly; run npm run db:sync -- cleanup --prefix ${mark.prefix}, then check the data again` }
      : { what: 'replication', ok: true, detail: `no slot or publication ${mark.prefix}_* left on the source` },
    await noWriteSince(client, mark, o),
  ];
}

/** Opens the source URL and runs {@link checkSourceLive}; a failed connection is one failed finding. */
export async function checkSourceUrl(url: string, mark: SourceMark, o: LiveCheckOptions): Promise<LiveFinding[]> {
  let client: Client;
  try {
    client = await connect(url, { role: 'source', applicationName: CHECK_APP });
  } catch (err) {
    return [{ what: 'frozen', ok: false, detail: `cannot reach the source ${describeUrl(url)} to check it (${(err as Error).message.split('\n')[0]})` }];
  }
  try {
    return await checkSourceLive(client, mark, o);
  } finally {
    await client.end().catch(() => undefined);
  }
}
