/**
 * db:copy — copy a PostgreSQL database (schema, data, sequences) and verify it.
 * Also db:rollback (same script with source and target env vars swapped).
 * See docs/data-migration.md.
 */
import { DEFAULT_JOBS } from './lib/db/pool';
import { ERROR_PREFIX, parseCli, runCli, UsageError } from './lib/cli/args';
import { maskUrl, redactSecrets } from './lib/db/url';
import type { CopyMode, CopySummary } from './lib/db/copy/index';
import { checkMemorySize, DEFAULT_MAINTENANCE_WORK_MEM } from './lib/db/copy/types';
import { parseJobs, resolveSourceTarget, skipKinds, SOURCE_TARGET_OPTIONS, TABLE_OPTIONS, tableFilter } from './lib/cli/db-options';
import { createLogger } from './lib/cli/log';
import { MigrationError } from './lib/db/errors';
import { onInterrupt } from './lib/proc/groups';
import { formatBytes, formatMs } from './lib/text/units';

const spec = {
  name: 'npm run db:copy --',
  summary:
    'Copy a database: schema from the catalogs (phase schema:pre), table data in parallel from one consistent snapshot (data),\n' +
    'sequence values (sequences), keys/indexes/triggers/policies (schema:post), then verification (verify).',
  options: {
    ...SOURCE_TARGET_OPTIONS,
    jobs: { type: 'string', short: 'j', valueName: 'n', description: 'parallel workers for data, indexes and verify', default: String(DEFAULT_JOBS) },
    force: { type: 'boolean', description: 'allow a non-empty target: drop and recreate (or reload in place) only the selected objects (data-only: truncate and reload)' },
    resume: { type: 'boolean', description: 'continue an interrupted or failed full copy from the record it left on the target (refused if the source schema changed)' },
    'dry-run': { type: 'boolean', description: 'print the DDL and the plan, write nothing' },
    'schema-only': { type: 'boolean', description: 'copy the schema, no data' },
    'data-only': { type: 'boolean', description: 'target schema exists (app migrations): truncate + copy data and sequences' },
    ...TABLE_OPTIONS,
    skip: { type: 'string', multiple: true, valueName: 'kind', description: 'accept losing objects of a kind the copy cannot carry (e.g. large-objects); repeatable or comma-separated' },
    'no-verify': { type: 'boolean', description: 'skip the verify phase' },
    format: { type: 'string', valueName: 'auto|binary|text', description: 'COPY format', default: 'auto' },
    'maintenance-work-mem': { type: 'string', valueName: 'size', description: "maintenance_work_mem of the target's key and index builds", default: DEFAULT_MAINTENANCE_WORK_MEM },
    verbose: { type: 'boolean', short: 'v', description: 'log every DDL statement' },
  },
  epilog: `Examples:
  SOURCE_DATABASE_URL=... TARGET_DATABASE_URL=... npm run db:copy -- --jobs 4
  npm run db:copy -- --from-env VERCEL_DATABASE_URL --to-env RDS_DATABASE_URL --dry-run
  npm run db:copy -- --data-only --force            # final sync into a schema made by the app's migrations
  npm run db:copy -- --resume                       # continue a copy whose data phase failed or was interrupted
  npm run db:rollback -- --method copy --env production   # copy RDS back into the old database (see its --help)

Anything the copy cannot carry (large objects, foreign tables, ...) stops the run before any data moves;
--skip <kind> accepts the loss explicitly, and the summary lists what was skipped.
A failed or interrupted run (Ctrl-C, SIGTERM) names its phase and table and what the target holds:
as it was (rolled back or undone), or the tables loaded so far with a record for --resume.
--force over existing objects is one target transaction (one worker): a failure keeps the earlier copy.
Exit codes: 0 copied and verified, 1 failure or verification mismatch, 2 bad command line,
130/143 interrupted by SIGINT/SIGTERM (after the undo or rollback).`,
} as const;

export function printSummary(s: CopySummary, out: NodeJS.WritableStream = process.stdout): void {
  const lines: string[] = [];
  lines.push(`${s.dryRun ? 'dry run' : 'copy'} ${s.source} (PostgreSQL ${s.sourceVersion}) -> ${s.target} (PostgreSQL ${s.targetVersion}), mode ${s.mode}`);
  if (s.dryRun) {
    if (s.ddl) lines.push('', s.ddl);
    for (const d of s.drops) lines.push(`-- --force drops: ${d}`);
    lines.push('-- data plan (phase data), largest first:');
    for (const p of s.plan) lines.push(`--   ${p.table}  ${p.format}  ~${Math.round(p.estimatedRows)} rows  ${formatBytes(p.bytes)}`);
    for (const w of s.warnings) lines.push(`-- warning: ${w}`);
    lines.push('-- nothing was written');
    out.write(lines.join('\n') + '\n');
    return;
  }
  lines.push('', 'phase        time');
  for (const t of s.timings) lines.push(`${t.phase.padEnd(12)} ${formatMs(t.ms)}`);
  if (s.tables.length) {
    const w = Math.max(5, ...s.tables.map((t) => t.table.length));
    lines.push('', `${'table'.padEnd(w)}  ${'rows'.padStart(10)}  ${'size'.padStart(9)}  ${'time'.padStart(8)}  format`);
    for (const t of s.tables) lines.push(`${t.table.padEnd(w)}  ${String(t.rows).padStart(10)}  ${formatBytes(t.bytes).padStart(9)}  ${formatMs(t.ms).padStart(8)}  ${t.format}`);
  }
  for (const n of s.notCarried) lines.push('', `not carried (--skip ${n.kind}): ${n.object}: ${n.reason}`);
  lines.push('', `sequences set: ${s.sequences.length}; statements: ${s.statements.pre} pre-data, ${s.statements.post} post-data; total ${formatMs(s.totalMs)}`);
  if (s.verify) {
    lines.push(
      s.verify.ok
        ? `verify: OK (${s.verify.tables.length} tables with equal row counts and content hashes, schema identical, ${s.verify.sequences.length} sequences equal)`
        : `verify: MISMATCH\n  ${s.verify.mismatches.join('\n  ')}`,
    );
  } else lines.push('verify: skipped');
  out.write(lines.join('\n') + '\n');
}

/** A bad option value as a usage error (exit 2), keeping the checker's message. */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * A failed run: the whole message on stderr (headline, then DETAIL/HINT/CONTEXT lines), and with
 * --json the same on stdout as `{ ok: false, error }`; exit 1, or 128 + the signal's number
 * when an interrupt stopped the run.
 */
function failed(err: unknown, json: boolean, redact: (s: string) => string): number {
  if (err instanceof UsageError) throw err;
  const d: MigrationError['details'] = err instanceof MigrationError ? err.details : {};
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    const error = { message, phase: d.phase ?? null, table: d.table ?? null, code: d.code ?? null, target: d.target ?? null, signal: d.signal ?? null };
    process.stdout.write(redact(JSON.stringify({ ok: false, error }, null, 2)) + '\n');
  }
  process.stderr.write(redact(`${ERROR_PREFIX}${message}`) + '\n');
  return d.signal === 'SIGTERM' ? 143 : d.signal === 'SIGINT' ? 130 : 1;
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const mode: CopyMode = args['schema-only'] ? 'schema-only' : args['data-only'] ? 'data-only' : 'full';
  if (args['schema-only'] && args['data-only']) throw new UsageError('--schema-only and --data-only exclude each other: pick one');
  const jobs = parseJobs(args.jobs);
  const format = args.format as 'auto' | 'binary' | 'text';
  if (!['auto', 'binary', 'text'].includes(format)) throw new UsageError(`--format must be auto, binary or text (got ${args.format})`);
  const maintenanceWorkMem = usage(() => checkMemorySize(args['maintenance-work-mem'], '--maintenance-work-mem'));
  const { from, to, redact } = resolveSourceTarget(args);
  const log = createLogger({ level: args.verbose ? 'debug' : undefined, redact });
  if ((args.from && maskUrl(args.from) !== args.from) || (args.to && maskUrl(args.to) !== args.to)) {
    log.warn('a password was given on the command line (visible in the process list): prefer --from-env / --to-env');
  }
  // The engine and the progress bars load after the command line is read: --help loads neither.
  const [{ copyDatabase }, { createProgress }] = await Promise.all([import('./lib/db/copy/index'), import('./lib/cli/progress')]);
  const progress = createProgress(log);
  const abort = new AbortController();
  const offInterrupt = onInterrupt((signal) => {
    log.warn(`${signal}: stopping the copy, then undoing or keeping what it wrote (a second ${signal} exits at once)`);
    abort.abort(signal);
  });
  let summary: CopySummary;
  try {
    summary = await copyDatabase({
      from,
      to,
      jobs,
      mode,
      force: args.force,
      dryRun: args['dry-run'],
      tables: tableFilter(args),
      skip: skipKinds(args.skip),
      verify: !args['no-verify'],
      format,
      maintenanceWorkMem,
      resume: args.resume,
      signal: abort.signal,
      onEvent: progress.handle,
    });
  } catch (err) {
    progress.stop();
    return failed(err, args.json, redact);
  } finally {
    progress.stop();
    offInterrupt();
  }
  if (args.json) process.stdout.write(redact(JSON.stringify({ ...summary, ddl: summary.dryRun ? summary.ddl : undefined }, null, 2)) + '\n');
  else printSummary(summary);
  if (!summary.ok) {
    log.error(`verification failed: ${summary.verify?.mismatches[0] ?? 'unknown'}${(summary.verify?.mismatches.length ?? 0) > 1 ? ` (and ${summary.verify!.mismatches.length - 1} more)` : ''}`);
    return 1;
  }
  return 0;
}

if (require.main === module) runCli(main, { redact: (s) => redactSecrets(s, [process.env.SOURCE_DATABASE_URL, process.env.TARGET_DATABASE_URL]), fullMessage: true });
