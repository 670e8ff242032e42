/**
 * db:rollback — move the database of record back from RDS to the old database (stage rds ->
 * aws) without losing a write made on AWS. See scripts/lib/db/sync/rollback.ts and the
 * README's cutover runbook.
 */
import { DEFAULT_JOBS } from './lib/db/pool';
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { parseJobs, TABLE_OPTIONS, tableFilter } from './lib/cli/db-options';
import { createLogger } from './lib/cli/log';
import { formatMs } from './lib/text/units';
import { describeUrl, redactSecrets, resolveUrl } from './lib/db/url';
import type { RollbackMethod, SyncEvent } from './lib/db/sync/index';

const spec = {
  name: 'npm run db:rollback --',
  summary:
    'Move the data back from RDS (--from, the database of record at stage rds) to the old database (--to), losing no write:\n' +
    'the old database\'s read-only freeze is lifted, then either reverse logical replication (the old database must reach RDS;\n' +
    'RDS is frozen only while the last changes arrive) or the verified full data copy (RDS frozen for the whole copy).\n' +
    'One finish or rollback at a time (a lock on the old database). On success RDS stays frozen (writes refused) until\n' +
    '`db:sync start --truncate` goes forward again; on failure, SIGINT or SIGTERM its freeze is lifted. The app role\'s\n' +
    'grants on RDS (db:sync app-role) are expected, not differences.',
  options: {
    from: { type: 'string', valueName: 'url', description: 'RDS URL (prefer --from-env: argv is visible to other users)' },
    'from-env': { type: 'string', valueName: 'NAME', description: 'environment variable holding the RDS URL', default: 'TARGET_DATABASE_URL' },
    to: { type: 'string', valueName: 'url', description: 'old database URL (prefer --to-env)' },
    'to-env': { type: 'string', valueName: 'NAME', description: 'environment variable holding the old (Vercel Postgres) URL', default: 'SOURCE_DATABASE_URL' },
    'source-conninfo-env': { type: 'string', valueName: 'NAME', description: 'variable holding the RDS URL as the OLD database server reaches it (default: --from)' },
    method: { type: 'string', valueName: 'auto|replication|copy', description: 'auto: replication when its preflight passes and the old database reaches RDS, else copy', default: 'auto' },
    prefix: { type: 'string', valueName: 'name', description: 'prefix of the reverse publication, slot and subscription', default: 'vn_back' },
    ...TABLE_OPTIONS,
    env: { type: 'string', valueName: 'name', description: 'record the outcome for `npm run cutover` (required to go back from stage rds to aws)' },
    jobs: { type: 'string', short: 'j', valueName: 'n', description: 'parallel workers for the copy and verify', default: String(DEFAULT_JOBS) },
    'app-role': { type: 'string', valueName: 'name', description: 'the app role of db:sync app-role: its grants on RDS are expected', default: 'venturenudge_app' },
    'dry-run': { type: 'boolean', description: 'print what would happen; write nothing' },
  },
  epilog: `Examples:
  SOURCE_DATABASE_URL=<vercel> TARGET_DATABASE_URL=<rds> npm run db:rollback -- --env production
  npm run db:rollback -- --from-env RDS_DATABASE_URL --to-env VERCEL_DATABASE_URL --method copy --env production
then: npm run cutover -- --env production --to aws

Exit codes: 0 moved back and verified, 1 failure or verification mismatch (RDS freeze lifted), 2 bad command line.`,
} as const;

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const method = args.method as RollbackMethod;
  if (!['auto', 'replication', 'copy'].includes(method)) throw new UsageError(`--method must be auto, replication or copy (got ${args.method})`);
  const jobs = parseJobs(args.jobs);
  const from = resolveUrl({ url: args.from, env: args['from-env'], defaultEnv: 'TARGET_DATABASE_URL', role: 'source', flags: ['--from', '--from-env'] });
  const to = resolveUrl({ url: args.to, env: args['to-env'], defaultEnv: 'SOURCE_DATABASE_URL', role: 'target', flags: ['--to', '--to-env'] });
  const conninfoEnv = args['source-conninfo-env'];
  const sourceConninfo = conninfoEnv ? resolveUrl({ env: conninfoEnv, defaultEnv: conninfoEnv, role: 'source', flags: ['--from', '--source-conninfo-env'] }) : undefined;
  const redact = (s: string) => redactSecrets(s, [from, to, sourceConninfo]);
  const log = createLogger({ redact });
  if (args['dry-run']) {
    process.stdout.write(`would move ${describeUrl(from)} -> ${describeUrl(to)} by ${method}: lift the freeze on ${describeUrl(to)}, freeze ${describeUrl(from)}, carry every change, set sequences, verify; nothing was written\n`);
    return 0;
  }
  const onEvent = (e: SyncEvent) => {
    if (e.type === 'phase' && e.status === 'end') log.info(`[${e.phase}] done in ${formatMs(e.ms ?? 0)}`);
    else if (e.type === 'step') log.info(`[${e.step}] ${e.detail ?? ''}`);
    else if (e.type === 'warning') log.warn(e.message);
  };
  const { recordOutcome, rollbackDatabase } = await import('./lib/db/sync/index');
  const base = { direction: 'reverse' as const, source: describeUrl(from), target: describeUrl(to) };
  let result;
  try {
    result = await rollbackDatabase({ from, to, method, prefix: args.prefix, sourceConninfo, tables: tableFilter(args), jobs, onEvent, appRoles: [args['app-role']], liftOnSignal: true });
  } catch (err) {
    if (args.env) await recordOutcome(args.env, { ...base, ok: false, at: new Date().toISOString(), message: redact((err as Error).message.split('\n')[0]) }).catch((e: Error) => log.error(`not recorded: ${e.message}`));
    throw err;
  }
  if (args.env) await recordOutcome(args.env, { ...base, ok: result.ok, at: new Date().toISOString(), method: result.method, freezeMs: result.freezeMs, verifyMs: result.verifyMs, message: result.mismatches[0] });
  if (result.fallbackReason) log.warn(`used the full copy: ${redact(result.fallbackReason)}`);
  if (args.json) process.stdout.write(redact(JSON.stringify(result, null, 2)) + '\n');
  else {
    process.stdout.write(
      [
        `rollback by ${result.method}: RDS read-only for ${formatMs(result.freezeMs)} until the old database caught up with sequences set; verify ${formatMs(result.verifyMs)}`,
        result.ok ? `OK: ${describeUrl(to)} is the database of record again; RDS stays frozen (to go forward again: npm run db:sync -- start --truncate)` : `MISMATCH (RDS freeze lifted):\n  ${result.mismatches.join('\n  ')}`,
      ].join('\n') + '\n',
    );
  }
  return result.ok ? 0 : 1;
}

if (require.main === module) runCli(main, (s) => redactSecrets(s, [process.env.SOURCE_DATABASE_URL, process.env.TARGET_DATABASE_URL]));
