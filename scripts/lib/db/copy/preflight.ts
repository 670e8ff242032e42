/**
 * Phase preflight: read both schemas inside the snapshot, compute the selection once, and
 * refuse before anything is written when the run cannot succeed or cannot carry everything.
 */
import type { Client } from 'pg';
import { connect, describeUrl, MigrationError, quoteIdent, STABLE_SESSION_SQL } from '../connection';
import { missingRoles, policyRoles } from './roles';
import { assertRolesExist } from '../schema/roles';
import { checkCarried, describeNotCarried, type NotCarried } from '../schema/carried';
import { targetNotCarried } from '../schema/target';
import { readSchema, type SchemaModel, type Table } from '../schema/catalog';
import { buildDdl } from '../schema/ddl';
import type { DdlPlan } from '../schema/kinds/kind';
import { select, unmatchedPatterns, type Selection } from '../schema/selection';
import { allSettledOrThrow, closeQuietly, settleAll } from '../pool';
import { runPhase, track, type RunContext, type Session } from './context';
import { openWriter } from './session';
import { planForce } from './force';
import { checkResumable, DROP_RECORD_SQL, readRecord, RECORD_SCHEMA, stillEqual, type ResumeRecord } from './resume';
import { copyColumns } from './columns';
import { chooseFormat } from './table-data';

function fail(message: string, table?: string): never {
  throw new MigrationError(`[preflight] ${message}`, { phase: 'preflight', table });
}

async function targetObjectCount(client: Client): Promise<{ count: number; example: string | null }> {
  const r = await client.query<{ n: number; example: string | null }>(
    `SELECT count(*)::int AS n, min(format('%I.%I', n.nspname, c.relname)) AS example
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')`,
  );
  return { count: r.rows[0].n, example: r.rows[0].example };
}

/** data-only: every selected table exists on the target with every copied column, and is empty unless forced. */
async function checkDataOnlyTarget(s: Session, selected: readonly Table[], targetModel: SchemaModel): Promise<void> {
  const have = new Map(targetModel.tables.map((t) => [t.qname, t]));
  for (const t of selected.filter((x) => x.kind === 'r')) {
    const other = have.get(t.qname);
    if (!other) fail(`table ${t.qname} does not exist on the target: run the app's migrations first, or copy without --data-only`, t.qname);
    const missing = copyColumns(t).filter((c) => !other.columns.some((o) => o.name === c));
    if (missing.length) fail(`table ${t.qname} on the target lacks column(s) ${missing.join(', ')}: run the app's migrations first`, t.qname);
  }
  if (s.options.force) return;
  for (const t of selected.filter((x) => x.kind === 'r')) {
    const r = await s.target.query(`SELECT 1 FROM ONLY ${t.qname} LIMIT 1`);
    if (r.rowCount) fail(`target table ${t.qname} already has rows: pass --force to truncate and reload the copied tables`, t.qname);
  }
}

/** full/schema-only: the target is empty (or forced, or resumed) and offers the source's extensions. */
async function checkEmptyTarget(s: Session, model: SchemaModel, record: ResumeRecord | null): Promise<void> {
  const existing = await targetObjectCount(s.target);
  if (existing.count > 0 && !s.options.force && !s.options.resume) {
    if (record) {
      fail(
        `target database ${describeUrl(s.options.to)} holds an interrupted copy (${record.loaded.size} table(s) loaded; record in schema ${RECORD_SCHEMA}): ` +
          'rerun with --resume to continue it, or with --force to start over',
      );
    }
    fail(
      `target database ${describeUrl(s.options.to)} is not empty (${existing.count} relations, e.g. ${existing.example}): pass --force to drop and recreate the copied objects, or use an empty database`,
    );
  }
  const avail = await s.target.query<{ name: string }>('SELECT name FROM pg_available_extensions');
  const names = new Set(avail.rows.map((r) => r.name));
  const missing = model.extensions.filter((x) => !names.has(x.name)).map((x) => x.name);
  if (missing.length) fail(`extension(s) ${missing.join(', ')} not available on the target: install them there (RDS: check the parameter group / supported extensions)`);
}

/**
 * ACCESS SHARE locks on the selected tables inside the snapshot transaction, as pg_dump takes
 * them: a concurrent TRUNCATE or ALTER (not MVCC-safe) waits until the run is done instead of
 * emptying or changing a table under the snapshot.
 */
async function lockSelection(client: Client, tables: readonly Table[], nowait: boolean): Promise<void> {
  for (let i = 0; i < tables.length; i += 500) {
    const names = tables.slice(i, i + 500).map((t) => t.qname);
    await client.query(`LOCK TABLE ${names.join(', ')} IN ACCESS SHARE MODE${nowait ? ' NOWAIT' : ''}`);
  }
}

/**
 * Opens `count` reader sessions inside the run's snapshot and `count` writer sessions on the
 * target, all at once, while the schemas are read. The readers lock the selection once it is
 * known (keepWorkers).
 */
async function openWorkers(s: Session, count: number): Promise<void> {
  await settleAll(2 * count, async (i) => {
    const n = (i >> 1) + 1;
    if (i % 2) {
      s.writers[n - 1] = await openWriter(s, `db-copy data ${n}`); // by index: worker n pairs reader n with writer n
      return;
    }
    const c = track(s, 'source', await connect(s.options.from, { role: 'source', applicationName: `db-copy data ${n}` }));
    s.readers[n - 1] = c;
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await c.query(`SET TRANSACTION SNAPSHOT '${s.snapshot}'`);
    await c.query(`${STABLE_SESSION_SQL}; SET row_security = off; SET search_path = ''`);
  });
}

/**
 * Keeps the workers the run needs (one per data table at most; the rest are closed). The
 * readers take the snapshot's locks right after it, NOWAIT (as pg_dump's workers do): an
 * exclusive lock request queued in between is named, not waited on.
 */
async function keepWorkers(s: Session, tables: readonly Table[], count: number): Promise<void> {
  await Promise.all([...s.readers.splice(count), ...s.writers.splice(count)].map(closeQuietly));
  try {
    await settleAll(s.readers.length, (i) => lockSelection(s.readers[i], tables, true));
  } catch (err) {
    if ((err as { code?: string }).code !== '55P03') throw err;
    fail(`${(err as Error).message}: another session asked for an exclusive lock (TRUNCATE, ALTER, DROP, VACUUM FULL) on the source as the copy started; rerun when it is done`);
  }
}

/**
 * Every selected source table can be read whole: the readers turn row security off, which a
 * user that is neither superuser nor BYPASSRLS may only do on tables it owns without FORCE ROW
 * LEVEL SECURITY (elsewhere PostgreSQL refuses mid-copy). Refused here, naming the tables and
 * the fix, before anything is written. (db:rollback reads RDS as its master user: NOBYPASSRLS.)
 */
async function checkRowSecurity(s: Session, tables: readonly Table[]): Promise<void> {
  if (!tables.length) return;
  const r = await s.source.query<{ t: string; forced: boolean; who: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t, c.relforcerowsecurity AS forced, current_user AS who
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::regclass[]) AND c.relrowsecurity
        AND NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user)
        AND (c.relforcerowsecurity OR NOT pg_has_role(c.relowner, 'USAGE'))
      ORDER BY 1`,
    [tables.map((t) => t.qname)],
  );
  if (!r.rows.length) return;
  const names = r.rows.map((x) => x.t);
  const forced = r.rows.filter((x) => x.forced).map((x) => x.t);
  fail(
    `user ${r.rows[0].who} cannot read every row of ${names.join(', ')} on the source: row-level security applies to it there (FORCE ROW LEVEL SECURITY, or a table it does not own), and a copy must see all rows. ` +
      `Connect as a superuser or a user with BYPASSRLS${forced.length ? `, or as the owner after ${forced.map((t) => `ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY;`).join(' ')} (FORCE it again afterwards)` : ''}`,
    names[0],
  );
}

/**
 * Every role the copied policies name exists on the target, and every role the schema's grants
 * and default privileges name (schema/roles.ts), checked before any data moves.
 */
async function checkRoles(s: Session, tables: readonly Table[], model: SchemaModel): Promise<void> {
  const missing = await missingRoles(s.target, await policyRoles(s.source, tables.map((t) => t.qname)));
  if (!missing.length) return assertRolesExist(s.target, model);
  fail(
    `role(s) missing on the target: ${missing.map((m) => `${m.role} (named by policy ${m.usedBy.join(', policy ')})`).join('; ')}: ` +
      `create them on the target first, e.g. ${missing.map((m) => `CREATE ROLE ${quoteIdent(m.role)} NOLOGIN;`).join(' ')}`,
  );
}

/** Anything not carried refuses the run, unless the user named its kind in `skip`. */
function checkNotCarried(s: Session, model: SchemaModel, targetModel: SchemaModel): NotCarried[] {
  const carried = checkCarried([...model.unsupported, ...targetNotCarried(model, targetModel)], s.options.skip);
  if (carried.refused.length) {
    const kinds = [...new Set(carried.refused.map((r) => `--skip ${r.kind}`))];
    fail(`the copy cannot carry ${carried.refused.length} object(s), nothing was written: ${carried.refused.map(describeNotCarried).join('; ')}. Fix them on the source, or accept the loss explicitly with ${kinds.join(' ')}`);
  }
  for (const u of carried.skipped) s.warn(`not carried (skipped with --skip ${u.kind}): ${describeNotCarried(u)}`);
  for (const k of carried.unknownSkips) s.warn(`--skip ${k}: the source has nothing of that kind`);
  return carried.skipped;
}

/** What the run does to the target: --force's drops and reloads, or what --resume keeps. */
async function planWrites(s: Session, model: SchemaModel, targetModel: SchemaModel, selection: Selection, plan: DdlPlan, record: ResumeRecord | null) {
  if (s.options.resume) {
    const ok = checkResumable(record, model, s.filter, describeUrl(s.options.to));
    const kept = await stillEqual(s.source, s.target, selection.dataTables, ok);
    const again = [...ok.loaded.keys()].filter((q) => !kept.includes(q));
    if (again.length) s.warn(`--resume: ${again.join(', ')} changed on the source since the interrupted run: loaded again`);
    return { plan, drops: [], reload: [], kept, atomic: false, record: true };
  }
  if (!s.options.force || s.mode === 'data-only') return { plan, drops: [], reload: [], kept: [], atomic: false, record: s.mode === 'full' && !s.options.dryRun };
  const force = await planForce(s.target, model, targetModel, selection, s.filter, plan);
  const drops = record ? [DROP_RECORD_SQL, ...force.drops] : force.drops;
  // something to drop or reload: the whole write becomes one transaction (index.ts)
  const atomic = drops.length > 0 || force.reload.length > 0;
  return { plan: force.plan, drops, reload: force.reload, kept: [], atomic, record: s.mode === 'full' && !atomic && !s.options.dryRun };
}

function checkOptions(s: Session): void {
  if (!s.options.resume) return;
  if (s.mode !== 'full') fail('--resume continues a full copy: it does not go with --schema-only or --data-only');
  if (s.options.force) fail('--resume keeps what the interrupted run loaded and --force drops it: pass one of them');
}

/** Reads both schemas, checks the target and plans the run. */
export async function preflight(s: Session): Promise<RunContext> {
  return runPhase(s, 'preflight', async () => {
    checkOptions(s);
    // Both schemas at once, while the worker sessions open (readers join the snapshot); every one is
    // awaited before an error is thrown, so no session opens after the cleanup.
    const reading = !s.options.dryRun && s.mode !== 'schema-only';
    const [model, targetModel] = await allSettledOrThrow([readSchema(s.source), readSchema(s.target), reading ? openWorkers(s, s.jobs) : Promise.resolve()]);
    const bad = [...unmatchedPatterns(model, s.filter.include), ...unmatchedPatterns(model, s.filter.exclude)];
    if (bad.length) fail(`table pattern ${bad.map((b) => `"${b}"`).join(', ')} matches no table on the source: check --tables / --exclude-tables`);
    const selection = select(model, s.filter, targetModel);
    await lockSelection(s.source, selection.tables, false);
    if (reading) await keepWorkers(s, selection.tables, Math.min(s.jobs, Math.max(1, selection.dataTables.length)));
    if (s.mode !== 'schema-only') await checkRowSecurity(s, selection.dataTables);
    const record = s.mode === 'data-only' ? null : await readRecord(s.target);
    if (s.mode === 'data-only') await checkDataOnlyTarget(s, selection.tables, targetModel);
    else {
      await checkEmptyTarget(s, model, record);
      await checkRoles(s, selection.tables, model);
    }
    // Anything not carried refuses the run, unless the user named its kind in `skip`.
    const notCarried = checkNotCarried(s, model, targetModel);
    const sameOrNewer = Math.floor(targetModel.serverVersionNum / 10000) >= Math.floor(model.serverVersionNum / 10000);
    const targetTables = new Map(targetModel.tables.map((t) => [t.qname, t]));
    const dataPlan = selection.dataTables.map((t) => ({
      table: t.qname,
      format: chooseFormat(t, s.mode === 'data-only' ? targetTables.get(t.qname) : undefined, s.options.format ?? 'auto', sameOrNewer),
      estimatedRows: t.estimatedRows,
      bytes: t.bytes,
    }));
    const writes = await planWrites(s, model, targetModel, selection, buildDdl(model, selection, { skip: s.options.skip }), record);
    for (const sk of writes.plan.skipped) s.warn(`skipped ${sk}`);
    return { ...s, model, targetModel, selection, dataPlan, notCarried, ...writes };
  });
}
