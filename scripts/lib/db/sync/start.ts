/**
 * db:sync start: target schema (the copy engine's schema code), publication on the source,
 * slot on the source, subscription on the target; the initial copy then runs server to
 * server (the subscription's table-sync workers). Idempotent: every step first looks for
 * what an earlier (possibly killed) run left and reuses it.
 *
 * A target whose tables already hold rows (a `db:copy`, or the data a rollback left on RDS) is
 * refused unless `--truncate`: its selected tables are emptied and the subscription refills
 * them. A frozen source is refused (after a finish the target may be the database of record;
 * see status). A freeze left on the target by db:rollback is lifted: while start replicates, the
 * target is not the database of record.
 */
import { maskUrl, MigrationError, quoteIdent, quoteLiteral } from '../connection';
import { copyDatabase } from '../copy/index';
import { readSchema, type SchemaModel } from '../schema/catalog';
import { publishedTables, type SyncContext } from './context';
import { runPhase } from '../phase';
import { freezeState, liftFreeze } from './freeze';
import { describeGaps, preflight, type PreflightReport } from './preflight';

export interface StartOptions {
  /** Empty target tables that already hold rows before subscribing (`--truncate`; rollback). @default false */
  readonly truncate?: boolean;
  /** Start from a frozen source (db:rollback: RDS frozen by an interrupted rollback). @default false */
  readonly allowFrozenSource?: boolean;
}

export interface StartResult {
  /** False when the subscription already existed: nothing was created. */
  readonly created: boolean;
  readonly schemaCreated: boolean;
  readonly tables: string[];
  readonly preflight: PreflightReport;
}

/** Creates the selected tables on the target unless they all exist; refuses a half-made schema. */
async function ensureTargetSchema(ctx: SyncContext, tables: readonly string[], truncate: boolean, sourceModel: SchemaModel): Promise<boolean> {
  const model = await readSchema(ctx.target);
  const present = new Set(model.tables.map((t) => t.qname));
  const missing = tables.filter((t) => !present.has(t));
  if (missing.length === tables.length) {
    const summary = await copyDatabase({ from: ctx.options.from, to: ctx.options.to, mode: 'schema-only', verify: false, tables: ctx.options.tables, jobs: 1 });
    for (const w of summary.warnings) ctx.emit({ type: 'warning', message: w });
    return true; // the copy's schema code carries REPLICA IDENTITY itself
  }
  if (missing.length) {
    throw new MigrationError(`[schema:pre] target has some of the tables but not ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (+${missing.length - 3})` : ''}: run the app's migrations on the target, or empty it and rerun start`, { phase: 'schema:pre' });
  }
  await carryReplicaIdentity(ctx, tables, sourceModel);
  if (truncate) {
    await ctx.target.query(`TRUNCATE ${tables.join(', ')}`);
    return false;
  }
  for (const t of tables) {
    const r = await ctx.target.query(`SELECT 1 FROM ONLY ${t} LIMIT 1`);
    if (r.rowCount) {
      throw new MigrationError(`[schema:pre] target table ${t} already has rows (e.g. from db:copy): the initial copy would duplicate them; rerun start with --truncate (empties the selected target tables, the subscription refills them)`, { phase: 'schema:pre', table: t });
    }
  }
  return false;
}

/**
 * REPLICA IDENTITY FULL/NOTHING of the source tables, set on a target whose tables the app's
 * migrations made (a schema the copy creates carries it already): the target is the publisher
 * of a later rollback.
 */
async function carryReplicaIdentity(ctx: SyncContext, tables: readonly string[], sourceModel: SchemaModel): Promise<void> {
  for (const t of sourceModel.tables.filter((x) => tables.includes(x.qname))) {
    if (t.replicaIdentity === 'f') await ctx.target.query(`ALTER TABLE ONLY ${t.qname} REPLICA IDENTITY FULL`);
    else if (t.replicaIdentity === 'n') await ctx.target.query(`ALTER TABLE ONLY ${t.qname} REPLICA IDENTITY NOTHING`);
    else if (t.replicaIdentity === 'i') ctx.emit({ type: 'warning', message: `table ${t.qname} uses REPLICA IDENTITY USING INDEX on the source: set the same on the target before a rollback by replication` });
  }
}

export async function ensurePublication(ctx: SyncContext, tables: readonly string[]): Promise<void> {
  const { publication } = ctx.names;
  const exists = await ctx.source.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  const list = tables.join(', ');
  if (exists.rowCount) await ctx.source.query(`ALTER PUBLICATION ${quoteIdent(publication)} SET TABLE ${list}`);
  else await ctx.source.query(`CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${list}`);
}

async function ensureSlot(ctx: SyncContext): Promise<void> {
  const { slot } = ctx.names;
  const exists = await ctx.source.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  if (!exists.rowCount) await ctx.source.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
}

async function createSubscription(ctx: SyncContext): Promise<void> {
  const { subscription, publication, slot } = ctx.names;
  const conninfo = ctx.options.sourceConninfo ?? ctx.options.from;
  try {
    await ctx.target.query(
      `CREATE SUBSCRIPTION ${quoteIdent(subscription)} CONNECTION ${quoteLiteral(conninfo)} PUBLICATION ${quoteIdent(publication)}
         WITH (create_slot = false, slot_name = ${quoteLiteral(slot)}, copy_data = true, enabled = true)`,
    );
  } catch (err) {
    const msg = maskUrl(((err as Error).message ?? '').split('\n')[0]);
    if (/could not connect to the publisher/i.test(msg)) {
      throw new MigrationError(`[replication] the target server cannot reach the source (${msg}): give the source as the target sees it with --source-conninfo-env, or open the network path`, { phase: 'replication', cause: err });
    }
    throw err;
  }
}

/** Starts replication from the source into the target. */
export async function startSync(ctx: SyncContext, options: StartOptions = {}): Promise<StartResult> {
  // the source's catalog, read once for preflight, the published tables and the replica identity
  // (no step of start changes the source's tables before the publication is made)
  const { report, sourceModel } = await runPhase(ctx, 'preflight', async () => {
    const model = await readSchema(ctx.source);
    return { report: await preflight(ctx, model), sourceModel: model };
  });
  if (!report.ok) {
    throw new MigrationError(`[preflight] ${describeGaps(report).join(' | ')}`, { phase: 'preflight' });
  }
  const existing = await ctx.target.query('SELECT 1 FROM pg_subscription WHERE subname = $1', [ctx.names.subscription]);
  if (existing.rowCount) {
    ctx.emit({ type: 'step', step: 'start', detail: `subscription ${ctx.names.subscription} already exists: nothing to do (see status)` });
    return { created: false, schemaCreated: false, tables: report.tables, preflight: report };
  }
  if (!options.allowFrozenSource && (await freezeState(ctx.source)).frozen) {
    throw new MigrationError(`[preflight] the source ${ctx.sourceDb} is frozen: after a finish the target may be the database of record; npm run db:sync -- status names the state and the way on`, { phase: 'preflight' });
  }
  if ((await freezeState(ctx.target)).frozen) {
    await liftFreeze(ctx.target, ctx.targetDb);
    ctx.emit({ type: 'warning', message: `the target ${ctx.targetDb} was frozen (left by db:rollback): lifted, it is not the database of record while start replicates into it` });
  }
  const tables = await publishedTables(ctx, sourceModel);
  const schemaCreated = await runPhase(ctx, 'schema:pre', () => ensureTargetSchema(ctx, tables, options.truncate ?? false, sourceModel));
  await runPhase(ctx, 'replication', async () => {
    await ensurePublication(ctx, tables);
    ctx.emit({ type: 'step', step: 'publication', detail: `${ctx.names.publication}: ${tables.length} tables` });
    await ensureSlot(ctx);
    ctx.emit({ type: 'step', step: 'slot', detail: ctx.names.slot });
    await createSubscription(ctx);
    ctx.emit({ type: 'step', step: 'subscription', detail: `${ctx.names.subscription}: initial copy started` });
  });
  return { created: true, schemaCreated, tables, preflight: report };
}
