/**
 * db:sync — logical replication from the source (Vercel Postgres) into the target (RDS), and
 * the cutover step. Commands: preflight, start, status, finish, unfreeze, cleanup, app-role,
 * source-params. See the README's cutover runbook and scripts/lib/db/sync/.
 */
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { parseJobs, resolveSourceTarget, SOURCE_TARGET_OPTIONS, TABLE_OPTIONS, tableFilter } from './lib/cli/db-options';
import { createLogger, type Logger } from './lib/cli/log';
import { formatBytes, formatMs } from './lib/text/units';
import { describeUrl, redactSecrets, resolveUrl } from './lib/db/url';
import { closeQuietly, DEFAULT_JOBS } from './lib/db/pool';
import { DEFAULT_PREFIX } from './lib/db/sync/prefix';
import type { FinishOptions, SyncEvent, SyncOptions, SyncStatus } from './lib/db/sync/index';

/** The sync engine, loaded once the command line is read: `--help` loads none of it. */
const engine = () => import('./lib/db/sync/index');

const COMMANDS = ['preflight', 'start', 'status', 'finish', 'cleanup', 'unfreeze', 'app-role', 'source-params'] as const;
type Command = (typeof COMMANDS)[number];

const spec = {
  name: 'npm run db:sync -- <preflight|start|status|finish|unfreeze|cleanup|app-role|source-params>',
  summary:
    'Logical replication from --from (source) into --to (target) for a cutover with a freeze of seconds:\n' +
    '  preflight  check wal_level, privileges, free slots/workers, a primary key or REPLICA IDENTITY FULL per table; print each fix\n' +
    '  start      create the target schema, a publication + slot on the source and a subscription on the target (idempotent;\n' +
    '             a target that already has rows, e.g. from db:copy, needs --truncate)\n' +
    '  status     each table\'s state, the lag, the freeze on both sides, a running finish, and the state of the day with\n' +
    '             the one command that continues it (--watch)\n' +
    '  finish     wait for a small lag, freeze the source (--freeze, or your app\'s read-only mode), wait for zero lag, copy\n' +
    '             sequences, arm the reverse replication, open writes on the target, then verify the frozen source against\n' +
    '             the target\'s snapshot at the open (--verify-in-freeze: verify before the open); prints the freeze time, the\n' +
    '             verify time and the time from start to "verified"\n' +
    '  unfreeze   lift the write freeze on the source (or --side target: RDS after a rollback)\n' +
    '  cleanup    remove the publication, slots and subscription of --prefix on both sides (also after a killed start)\n' +
    '  app-role   on --to (RDS, as the master user): create the app\'s least-privilege role and write its Secrets Manager secret (--secret-id)\n' +
    '  source-params  write the --from URL (and its PG* parts) as SSM SecureStrings SOURCE_* under --ssm-path (read by tasks at web stages)',
  options: {
    ...SOURCE_TARGET_OPTIONS,
    'source-conninfo-env': { type: 'string', valueName: 'NAME', description: 'variable holding the source URL as the TARGET server reaches it (default: the --from URL)' },
    prefix: { type: 'string', valueName: 'name', description: 'prefix of the publication, slot and subscription names', default: DEFAULT_PREFIX },
    ...TABLE_OPTIONS,
    freeze: { type: 'boolean', description: 'finish: freeze the source (write-refusing triggers on every published table, read-only default, the app\'s sessions ended); lifted on failure, SIGINT or SIGTERM before writes open on the target' },
    'verify-in-freeze': { type: 'boolean', description: 'finish: verify before writes open on the target, while the source is frozen (default: arm the reverse replication, open, then verify the frozen source against the target\'s snapshot at the open)' },
    'reverse-prefix': { type: 'string', valueName: 'name', description: 'finish: prefix of the armed reverse replication (db:rollback\'s --prefix)', default: 'vn_back' },
    'reverse-conninfo-env': { type: 'string', valueName: 'NAME', description: 'finish: variable holding the target URL as the SOURCE server reaches it, for the armed reverse replication (default: the --to URL)' },
    truncate: { type: 'boolean', description: 'start: empty the selected target tables that already hold rows (e.g. from db:copy); the subscription refills them' },
    side: { type: 'string', valueName: 'source|target', description: 'unfreeze: which database to lift the freeze on', default: 'source' },
    'max-lag-mb': { type: 'string', valueName: 'n', description: 'finish: wait until the lag is at most this before freezing', default: '8' },
    'max-transaction-seconds': { type: 'string', valueName: 's', description: 'finish: refuse to freeze while a write transaction older than this is open on the source', default: '10' },
    'lock-timeout-seconds': { type: 'string', valueName: 's', description: 'finish: longest wait, while freezing, for transactions still writing a table', default: '10' },
    env: { type: 'string', valueName: 'name', description: 'finish: record the outcome for `npm run cutover` under this environment' },
    jobs: { type: 'string', short: 'j', valueName: 'n', description: 'finish: tables verified in parallel', default: String(DEFAULT_JOBS) },
    'timeout-seconds': { type: 'string', valueName: 's', description: 'finish: longest wait for zero lag after the freeze', default: '60' },
    watch: { type: 'boolean', description: 'status: repeat every --interval seconds until interrupted' },
    interval: { type: 'string', valueName: 's', description: 'status --watch period', default: '2' },
    'dry-run': { type: 'boolean', description: 'start/finish/unfreeze/cleanup/app-role/source-params: run the checks and print what would change; write nothing' },
    role: { type: 'string', valueName: 'name', description: 'app-role: the app role; finish: its grants on the target are expected, not differences', default: 'venturenudge_app' },
    'secret-id': { type: 'string', valueName: 'id', description: 'app-role: the app secret (stack output / <app>-<env>/app-database)' },
    'ssm-path': { type: 'string', valueName: 'path', description: 'source-params: e.g. /venture-nudge/production/' },
  },
  epilog: `Examples:
  SOURCE_DATABASE_URL=... TARGET_DATABASE_URL=... npm run db:sync -- preflight
  npm run db:sync -- start --from-env VERCEL_DATABASE_URL --to-env RDS_DATABASE_URL
  npm run db:sync -- status --watch
  npm run db:sync -- finish --freeze --env production     # the cutover step; then npm run cutover -- --env production --to rds
  npm run db:sync -- unfreeze                              # lift a freeze left on the source (status says when)
  npm run db:sync -- cleanup                               # abandon: drop what start created on both sides

The subscription stores the source URL (with its password) in the target's catalog, readable by superusers only;
cleanup and finish drop it.
Exit codes: 0 done (finish: caught up and verified), 1 failure, a preflight gap or a verification mismatch, 2 bad command line.`,
} as const;

function printStatus(s: SyncStatus, out: string[]): void {
  out.push(`subscription: ${s.subscribed ? (s.workerRunning ? 'streaming' : 'not running') : 'none'}; slot: ${s.slot.exists ? (s.slot.active ? 'active' : 'inactive') : 'none'}; publication: ${s.publication ? 'yes' : 'none'}`);
  out.push(`lag: ${s.lagBytes === null ? '-' : formatBytes(s.lagBytes)}, ${s.lagSeconds === null ? '-' : `${s.lagSeconds} s`}`);
  const fz = (f: SyncStatus['frozen']['source']) => (f.frozen ? `FROZEN (${f.triggers} tables refuse writes${f.readOnlyDefault ? ', read-only default' : ''})` : 'writable');
  out.push(`source: ${fz(s.frozen.source)}; target: ${fz(s.frozen.target)}${s.lock ? `; finish/rollback running: pid ${s.lock.pid} (${s.lock.applicationName}, since ${s.lock.since})` : ''}`);
  const w = Math.max(5, ...s.tables.map((t) => t.table.length));
  for (const t of s.tables) out.push(`  ${t.table.padEnd(w)}  ${t.state}`);
  out.push(`state: ${s.day.state}: ${s.day.summary}`, `next: ${s.day.next}`);
  if (s.day.undo) out.push(`undo: ${s.day.undo}`);
}

function onEvent(log: Logger): (e: SyncEvent) => void {
  return (e) => {
    if (e.type === 'phase' && e.status === 'end') log.info(`[${e.phase}] done in ${formatMs(e.ms ?? 0)}`);
    else if (e.type === 'step') log.info(`[${e.step}] ${e.detail ?? ''}`);
    else if (e.type === 'warning') log.warn(e.message);
  };
}

async function runStatus(options: SyncOptions, args: { watch?: boolean; interval: string; json: boolean; env?: string }): Promise<number> {
  const period = Number(args.interval);
  if (!(period > 0)) throw new UsageError(`--interval must be a positive number of seconds (got ${args.interval})`);
  const { readStatus, withSync } = await engine();
  return withSync(options, async (ctx) => {
    for (;;) {
      const s = await readStatus(ctx, { env: args.env });
      if (args.json) process.stdout.write(JSON.stringify({ at: new Date().toISOString(), ...s }) + '\n');
      else {
        const out = [`${new Date().toISOString()} ${describeUrl(options.from)} -> ${describeUrl(options.to)}`];
        printStatus(s, out);
        process.stdout.write(out.join('\n') + '\n');
      }
      if (!args.watch) return s.subscribed ? 0 : 1;
      await new Promise((r) => setTimeout(r, period * 1000));
    }
  });
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`--${flag} must be a positive number (got ${value})`);
  return n;
}

interface FinishArgs {
  freeze?: boolean;
  env?: string;
  jobs: string;
  role: string;
  'timeout-seconds': string;
  'max-lag-mb': string;
  'max-transaction-seconds': string;
  'lock-timeout-seconds': string;
  'verify-in-freeze'?: boolean;
  'reverse-prefix': string;
  json: boolean;
}

async function runFinish(options: SyncOptions, args: FinishArgs, log: Logger, reverseConninfo?: string): Promise<number> {
  const timeout = positive(args['timeout-seconds'], 'timeout-seconds');
  const [{ finishSync, withSync }, { finishRecorded }] = await Promise.all([engine(), import('./lib/db/sync/finish-record')]);
  const finishOptions: FinishOptions = {
    freeze: args.freeze,
    jobs: parseJobs(args.jobs),
    catchUpTimeoutMs: timeout * 1000,
    maxLagBytes: positive(args['max-lag-mb'], 'max-lag-mb') * 1048576,
    maxTransactionSeconds: positive(args['max-transaction-seconds'], 'max-transaction-seconds'),
    lockTimeoutMs: positive(args['lock-timeout-seconds'], 'lock-timeout-seconds') * 1000,
    appRoles: [args.role],
    liftOnSignal: true,
    verifyInFreeze: args['verify-in-freeze'],
    reverseConninfo,
    reversePrefix: args['reverse-prefix'],
    onOpen: async (o) => log.info(`open: writes open on the target after a ${formatMs(o.freezeMs)} freeze (reverse replication armed); verifying the frozen source against the target's snapshot`),
  };
  const result = args.env
    ? await finishRecorded(options, finishOptions, {
        envName: args.env,
        warn: (l) => log.warn(l),
        onRecorded: (where, r) => log.info(`recorded ${r.verification === 'verifying' ? '"open, verifying"' : r.ok ? 'the verified finish' : 'the failure'} in ${where}`),
      })
    : await withSync(options, (ctx) => finishSync(ctx, finishOptions));
  if (args.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const after = result.mode === 'verify-after-open';
    const lines = [
      result.resumed ? 'resumed an interrupted finish: the frozen source was verified against the target again' : '',
      result.fallbackReason ? `verified inside the freeze: ${result.fallbackReason}` : '',
      `freeze: ${formatMs(result.freezeMs)} (writes stopped -> target caught up with ${result.sequences.length} sequences set${after ? `, reverse replication armed in ${formatMs(result.armMs)}, writes open` : ''}; catch-up ${formatMs(result.catchUpMs)}, ${result.terminatedSessions} sessions ended)`,
      `verify: ${formatMs(result.verifyMs)}${after ? ' (after the open, against the target\'s snapshot)' : ''} ${result.verify.ok ? `OK (${result.verify.tables.length} tables, schema, ${result.sequences.length || result.verify.sequences.length} sequences)` : `MISMATCH\n  ${result.verify.mismatches.join('\n  ')}`}`,
      `finish start -> ${result.ok ? 'verified' : 'verdict'}: ${formatMs(result.toVerifiedMs)}`,
    ];
    if (result.expected.length) lines.push(`expected on the target only (db:sync app-role): ${result.expected.length} grants to ${args.role}`);
    if (result.ok) lines.push(result.frozen ? 'verified; the source stays frozen (writes refused): the target is the database of record' : 'done: the target is caught up and verified; keep writes stopped on the source');
    else if (result.opened) lines.push('writes were open on the target before this verdict: the source stays frozen and the reverse replication stays armed; npm run db:rollback carries every write made on the target since back, then fix the difference and start --truncate');
    else if (result.resumed) lines.push('the source stays frozen: if the target took writes since the finish (stage rds) that is expected (npm run db:rollback carries them back); otherwise npm run db:sync -- unfreeze, then cleanup and start --truncate');
    else lines.push(result.frozen ? '' : 'the freeze was lifted; the subscription is kept: investigate, then rerun finish');
    process.stdout.write(lines.filter(Boolean).join('\n') + '\n');
  }
  if (!result.ok) {
    log.error(`verification failed: ${result.verify.mismatches[0]}; ${result.opened ? 'writes were open on the target: run npm run db:rollback' : result.resumed ? 'the source stays frozen' : 'the source freeze was lifted and the subscription kept'}`);
    return 1;
  }
  return 0;
}

async function runUnfreeze(options: SyncOptions, args: { side: string; json: boolean; 'dry-run'?: boolean }): Promise<number> {
  if (args.side !== 'source' && args.side !== 'target') throw new UsageError(`--side must be source or target (got ${args.side})`);
  const side = args.side;
  const { freezeState, liftFreeze, withPairLock, withSync } = await engine();
  return withSync(options, async (ctx) => {
    const client = side === 'source' ? ctx.source : ctx.target;
    const database = side === 'source' ? ctx.sourceDb : ctx.targetDb;
    const where = describeUrl(side === 'source' ? options.from : options.to);
    const before = await freezeState(client);
    const out = { side, database: where, wasFrozen: before.frozen, triggers: before.triggers, readOnlyDefault: before.readOnlyDefault, lifted: false, dryRun: Boolean(args['dry-run']) };
    if (args['dry-run'] || !before.frozen) {
      process.stdout.write(args.json ? JSON.stringify(out, null, 2) + '\n' : before.frozen ? `would lift the freeze on ${where} (${before.triggers} tables refusing writes${before.readOnlyDefault ? ', read-only default' : ''}); nothing was written\n` : `${where} is not frozen: nothing to lift\n`);
      return 0;
    }
    // never under a running finish or rollback: it would take writes it does not see
    await withPairLock(options.from, options.to, 'unfreeze', () => liftFreeze(client, database));
    process.stdout.write(args.json ? JSON.stringify({ ...out, lifted: true }, null, 2) + '\n' : `lifted the freeze on ${where}: it takes writes again\n`);
    return 0;
  });
}

async function runOther(command: Exclude<Command, 'status' | 'finish' | 'unfreeze'>, options: SyncOptions, args: { json: boolean; 'dry-run'?: boolean; truncate?: boolean }): Promise<number> {
  const { cleanupSync, describeGaps, preflight, readStatus, startSync, withSync } = await engine();
  return withSync(options, async (ctx) => {
    if (command === 'preflight' || (command === 'start' && args['dry-run'])) {
      const report = await preflight(ctx);
      if (args.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        const lines = report.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.side}: ${c.message}${c.ok ? '' : `\n     fix: ${c.fix}`}`);
        if (command === 'start') lines.push('', `would create: publication ${ctx.names.publication} (${report.tables.length} tables), slot ${ctx.names.slot}, subscription ${ctx.names.subscription}; nothing was written`);
        process.stdout.write(lines.join('\n') + '\n');
      }
      for (const gap of describeGaps(report)) process.stderr.write(`error: ${gap}\n`);
      return report.ok ? 0 : 1;
    }
    if (command === 'start') {
      const r = await startSync(ctx, { truncate: args.truncate });
      if (args.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else process.stdout.write(r.created ? `started: ${r.tables.length} tables replicating (${r.schemaCreated ? 'schema created on the target' : 'target schema existed'}); follow with db:sync status --watch\n` : `already started (subscription ${ctx.names.subscription} exists): nothing created\n`);
      return 0;
    }
    if (args['dry-run']) {
      const s = await readStatus(ctx);
      const would = [s.subscribed && `subscription ${ctx.names.subscription}`, s.slot.exists && `slot ${ctx.names.slot}`, s.publication && `publication ${ctx.names.publication}`].filter(Boolean);
      process.stdout.write(`would remove: ${would.length ? would.join(', ') : 'nothing'} (and table-sync slots of the subscription); nothing was written\n`);
      return 0;
    }
    const r = await cleanupSync(ctx);
    if (args.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else process.stdout.write(r.removed.length ? `removed: ${r.removed.join(', ')}\n` : 'nothing to remove\n');
    return 0;
  });
}

async function runAppRole(args: { to?: string; 'to-env': string; role: string; 'secret-id'?: string; 'dry-run'?: boolean; json: boolean }): Promise<number> {
  if (!args['secret-id']) throw new UsageError('app-role needs --secret-id (the stack creates <app>-<env>/app-database)');
  const to = resolveUrl({ url: args.to, env: args['to-env'], defaultEnv: 'TARGET_DATABASE_URL', role: 'target', flags: ['--to', '--to-env'] });
  const [{ SecretsManagerClient }, { readAppSecret, writeAppSecret }, { connect }, { appSecretValue, ensureAppRole }] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('./lib/aws/app-secret'),
    import('./lib/db/connection'),
    import('./lib/db/sync/app-access'),
  ]);
  const sm = new SecretsManagerClient({});
  const client = await connect(to, { role: 'target', applicationName: 'db-sync app-role' });
  try {
    const existing = await readAppSecret(sm, args['secret-id']);
    if (args['dry-run']) {
      process.stdout.write(`would ensure role ${args.role} on ${describeUrl(to)} and ${existing ? 'keep' : 'write'} secret ${args['secret-id']}; nothing was written\n`);
      return 0;
    }
    const r = await ensureAppRole(client, { role: args.role, password: existing?.username === args.role ? existing.password : undefined });
    if (r.password) await writeAppSecret(sm, args['secret-id'], appSecretValue(to, r.role, r.password));
    else if (!existing) throw new Error(`role ${r.role} exists but secret ${args['secret-id']} has no value: set its password (ALTER ROLE) and write the secret, or drop the role and rerun`);
    const out = { role: r.role, created: r.created, schemas: r.schemas, secret: r.password ? 'written' : 'kept' };
    process.stdout.write(args.json ? JSON.stringify(out, null, 2) + '\n' : `role ${r.role} ${r.created ? 'created' : 'exists (password kept)'}; privileges on ${r.schemas.join(', ') || 'no schema yet (the target is empty: db:sync finish grants them on what the copy created)'}; secret ${out.secret}\n`);
    return 0;
  } finally {
    await closeQuietly(client);
    sm.destroy();
  }
}

async function runSourceParams(args: { from?: string; 'from-env': string; 'ssm-path'?: string; 'dry-run'?: boolean; json: boolean }): Promise<number> {
  if (!args['ssm-path']) throw new UsageError('source-params needs --ssm-path (e.g. /venture-nudge/production/)');
  const from = resolveUrl({ url: args.from, env: args['from-env'], defaultEnv: 'SOURCE_DATABASE_URL', role: 'source', flags: ['--from', '--from-env'] });
  const [{ syncEnvToSsm }, { sourceParameters }] = await Promise.all([import('./lib/aws/ssm'), import('./lib/db/sync/app-access')]);
  const r = await syncEnvToSsm({ path: args['ssm-path'], entries: sourceParameters(from), dryRun: args['dry-run'], region: process.env.AWS_REGION });
  process.stdout.write(`${args['dry-run'] ? 'would write' : 'wrote'} ${Object.keys(sourceParameters(from)).join(', ')} under ${args['ssm-path']} as SecureStrings (${JSON.stringify(r.counts)})\n`);
  return 0;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const command = argv[0] && !argv[0].startsWith('-') ? argv.shift() : undefined;
  const args = parseCli(argv, spec);
  if (!args) return 0;
  if (!command || !(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`${command ? `unknown command "${command}"` : 'missing command'}: use one of ${COMMANDS.join(', ')} (npm run db:sync -- --help)`);
  }
  if (command === 'app-role') return runAppRole(args);
  if (command === 'source-params') return runSourceParams(args);
  const { from, to, redact } = resolveSourceTarget(args);
  const conninfoEnv = args['source-conninfo-env'];
  const sourceConninfo = conninfoEnv ? resolveUrl({ env: conninfoEnv, defaultEnv: conninfoEnv, role: 'source', flags: ['--from', '--source-conninfo-env'] }) : undefined;
  const reverseEnv = command === 'finish' ? args['reverse-conninfo-env'] : undefined;
  const reverseConninfo = reverseEnv ? resolveUrl({ env: reverseEnv, defaultEnv: reverseEnv, role: 'target', flags: ['--to', '--reverse-conninfo-env'] }) : undefined;
  const log = createLogger({ redact: (s) => redactSecrets(redact(s), [sourceConninfo, reverseConninfo]) });
  const options: SyncOptions = { from, to, prefix: args.prefix, sourceConninfo, tables: tableFilter(args), onEvent: onEvent(log) };
  if (command === 'status') return runStatus(options, args);
  if (command === 'unfreeze') return runUnfreeze(options, args);
  if (command === 'finish') {
    if (args['dry-run']) {
      log.info(`dry run: finish would ${args.freeze ? 'freeze the source, ' : ''}wait for zero lag, set sequences, ${args['verify-in-freeze'] ? 'verify and drop the subscription' : 'arm the reverse replication, drop the subscription (writes open on the target) and verify against the target\'s snapshot'}`);
      return runStatus(options, { ...args, watch: false });
    }
    return runFinish(options, args, log, reverseConninfo);
  }
  return runOther(command as 'preflight' | 'start' | 'cleanup', options, args);
}

if (require.main === module) runCli(main, (s) => redactSecrets(s, [process.env.SOURCE_DATABASE_URL, process.env.TARGET_DATABASE_URL]));
