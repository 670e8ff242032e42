/**
 * cutover — move one environment to the next cutover stage: check (the record of the day and,
 * before rds, the live source), show the change, and with --apply review the saved terraform
 * plan, apply it, then write the stage into the config file and the record. --check-stage tells
 * a deploy whether the committed stage is the applied one. See the README's cutover runbook.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import { redactSecrets } from './lib/db/url';
import type { CutoverResult } from './lib/cutover/index';
import { isStage } from './lib/cutover/stages';
import { CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE } from '../stacks/config/file';
import { CUTOVER_STAGES, type CutoverStage } from '../stacks/config/stages';
import { ORIGIN_SECRET_ENV } from '../stacks/variables';

const spec = {
  name: 'npm run cutover --',
  summary:
    'Move an environment to a cutover stage. Web stages vercel -> canary -> 25 -> 50 -> aws move traffic one step at a time\n' +
    '(back to any earlier one in one step); rds moves the database of record to RDS after a successful db:sync finish, with\n' +
    'the source checked live (frozen, replication gone, no write since finish); rds -> aws needs a successful db:rollback.\n' +
    'Checks the test host\'s health and the CloudWatch alarms, shows the Route 53 weights (or the task definition\'s database\n' +
    'settings) before and after. --apply shows the saved terraform plan, asks (or --yes), applies it, and only then writes the\n' +
    'stage into the config file and the record of the day (SSM <ssmPath>cutover/day).',
  options: {
    env: { type: 'string', valueName: 'name', description: 'environment (e.g. production)' },
    to: { type: 'string', valueName: 'stage', description: `target stage: ${CUTOVER_STAGES.join(', ')}` },
    apply: { type: 'boolean', description: 'plan, review, apply the change; then write the stage into the config and the record (a prepared switch is applied at once)' },
    prepare: { type: 'boolean', description: 'ready <-> rds only, before the freeze: plan, review and save the switch, apply nothing; --apply later applies it at once' },
    yes: { type: 'boolean', description: 'with --apply or --prepare: confirm the shown plan without asking (needed without a terminal)' },
    'dry-run': { type: 'boolean', description: 'check and show the change, write nothing' },
    'check-stage': { type: 'boolean', description: 'exit 0 when the config\'s stage is the stage cutover applied (the record), 1 otherwise; no --to' },
    config: { type: 'string', valueName: 'file', description: `config file (must exist; default: $${CONFIG_FILE_ENV} or ./${DEFAULT_CONFIG_FILE})` },
    'health-url': { type: 'string', valueName: 'url', description: 'health endpoint to check (default: https://<test host><healthCheckPath>)' },
    'source-env': { type: 'string', valueName: 'NAME', description: 'variable holding the source URL for the live check before rds', default: 'SOURCE_DATABASE_URL' },
    'at-open': { type: 'boolean', description: 'with --to rds --apply: start it before db:sync finish (or beside it): checks health, alarms and the standby, waits for finish to open writes on RDS, then applies the prepared switch at once, before the verdict (as --before-verdict)' },
    'before-verdict': { type: 'boolean', description: '--to rds while db:sync finish is still verifying after the open (its reverse replication armed): writes reach RDS before the verdict; a failed one then needs db:rollback' },
  },
  epilog: `Examples:
  npm run cutover -- --env production --to canary --dry-run
  npm run cutover -- --env production --to canary --apply
  npm run cutover -- --env production --to rds --prepare     # the switch planned and confirmed, before the freeze
  npm run cutover -- --env production --to rds --apply --at-open   # then, in another terminal: npm run db:sync -- finish --freeze --env production
  npm run db:sync -- finish --freeze --env production && npm run cutover -- --env production --to rds --apply   # the verdict first
  npm run cutover -- --env production --check-stage          # what the deploy workflow runs before it applies

The record of the day is the SSM String parameter /<app>/<env>/cutover/day (db:sync finish, db:rollback and
cutover --apply write it), cached in $VN_STATE_DIR/<env>.json (default .venture-nudge/); VN_DAY_RECORD=local keeps it
in that file only. --apply needs ${ORIGIN_SECRET_ENV} (and any other TF_VAR_* the stack declares).
Exit codes: 0 stage written (and applied) / stage matches, 1 refused, precondition failed, apply failed or declined,
stage differs, 2 bad command line.`,
} as const;

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

function report(r: CutoverResult, env: string, configFile: string, renderChange: (c: NonNullable<CutoverResult['change']>) => string[]): string {
  const lines = [`${env}: ${r.transition.from} -> ${r.transition.to}: ${r.transition.reason}`];
  for (const c of r.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.check}${c.part && c.part !== 'record' ? ` (${c.part})` : ''}: ${c.detail}`);
  if (r.change) lines.push('', ...renderChange(r.change));
  if (r.deferred?.length) lines.push(`  left to --apply: ${r.deferred.join(', ')}`);
  if (r.ok && r.prepared) {
    const next = r.transition.to === 'rds' ? `npm run db:sync -- finish --freeze --env ${env}, then npm run cutover -- --env ${env} --to rds --apply` : `npm run db:rollback -- --env ${env}, then npm run cutover -- --env ${env} --to ${r.transition.to} --apply`;
    lines.push('', `the switch to stage ${r.transition.to} is prepared (planned, confirmed, saved; nothing applied, nothing written): ${next} applies it at once, within 1 h and while no other apply changes the state (else it plans again)`);
  } else if (r.ok) lines.push('', r.applied ? `stage ${r.transition.to} applied, written to ${configFile} and recorded` : r.written ? `stage ${r.transition.to} written to ${configFile}` : 'dry run: nothing was written');
  return lines.join('\n') + '\n';
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  if (!args.env) throw new UsageError('--env is required (e.g. --env production)');
  if (args['check-stage']) {
    if (args.to || args.apply || args['dry-run']) throw new UsageError('--check-stage takes no --to, --apply or --dry-run: it only compares the config with the record');
  } else {
    if (!args.to || !isStage(args.to)) throw new UsageError(`--to must be one of ${CUTOVER_STAGES.join(', ')} (got ${args.to ?? 'nothing'})`);
    const modes = (['apply', 'prepare', 'dry-run'] as const).filter((m) => args[m]);
    if (modes.length > 1) throw new UsageError(`${modes.map((m) => `--${m}`).join(' and ')} contradict each other: pick one`);
    const writes = args.apply || args.prepare;
    if (args.yes && !writes) throw new UsageError('--yes only goes with --apply or --prepare');
    const tty = Boolean(process.stdin.isTTY && process.stderr.isTTY);
    if (writes && !args.yes && !tty) throw new UsageError(`--${modes[0]} without a terminal needs --yes: there is no one to confirm the plan (review it first with --dry-run and npm run plan)`);
    if (args['at-open'] && (args.to !== 'rds' || !args.apply)) throw new UsageError(`--at-open goes with --to rds --apply (it waits for db:sync finish to open writes on RDS, then applies the switch); got${args.to ? ` --to ${args.to}` : ''}${args.apply ? ' --apply' : args.prepare ? ' --prepare' : args['dry-run'] ? ' --dry-run' : ' no --apply'}`);
    if (writes && !process.env[ORIGIN_SECRET_ENV]) throw new Error(`${ORIGIN_SECRET_ENV} is not set: export the CloudFront->ALB shared secret (>= 32 characters) before --${modes[0]}; nothing was run`);
  }
  const explicit = args.config ?? process.env[CONFIG_FILE_ENV];
  const configFile = explicit ?? join(process.cwd(), DEFAULT_CONFIG_FILE);
  if (!existsSync(configFile)) {
    throw new Error(`config file ${configFile} does not exist${explicit ? '' : ' (the default)'}: pass --config with the file that holds this environment (its dns.records, domain, stage); cutover never starts one from defaults`);
  }
  // What --help and the usage checks above do not need loads now: the config schema, the cutover, the AWS clients.
  const [{ loadConfig }, { checkStage, dayLedger, renderChange, runCutover, stateDir }, { reviewedApply }, { CloudWatchClient }, { ElasticLoadBalancingV2Client }] = await Promise.all([
    import('../stacks/config'),
    import('./lib/cutover/index'),
    import('./lib/cutover/apply'),
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-elastic-load-balancing-v2'),
  ]);
  const config = loadConfig({ ...process.env, [CONFIG_FILE_ENV]: configFile });
  if (!config.environments[args.env]) throw new UsageError(`--env ${args.env}: unknown environment in ${configFile}; known: ${Object.keys(config.environments).join(', ')}`);
  const ledger = dayLedger(args.env, { config, dir: stateDir() });
  if (args['check-stage']) {
    const s = checkStage(config, args.env, await ledger.read(), ledger.where);
    if (args.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    else process.stdout.write(`${s.ok ? 'ok' : 'DIFFERS'}: ${s.message}\n`);
    if (!s.ok) createLogger().error(s.message);
    return s.ok ? 0 : 1;
  }
  const to = args.to as CutoverStage; // checked above
  const log = createLogger();
  const cloudwatch = new CloudWatchClient({ region: process.env.AWS_REGION ?? config.region });
  const elbv2 = new ElasticLoadBalancingV2Client({ region: process.env.AWS_REGION ?? config.region });
  const toStdout = (text: string) => (args.json ? process.stderr : process.stdout).write(text);
  try {
    let restPending: string | undefined;
    const r = await runCutover({
      envName: args.env,
      to,
      configFile,
      healthUrl: args['health-url'],
      cloudwatch,
      elbv2,
      stateDir: stateDir(),
      ledger,
      sourceUrl: process.env[args['source-env']] || undefined,
      dryRun: args['dry-run'],
      beforeVerdict: args['before-verdict'] || args['at-open'],
      atOpen: args['at-open'] ? { onWait: (l) => log.info(l) } : undefined,
      prepare: args.prepare,
      apply: args.apply || args.prepare
        ? (edit, change) =>
            reviewedApply({
              envName: args.env!,
              edit,
              switchFirst: change.switchOnly,
              prepareOnly: args.prepare,
              elbv2,
              onRestPending: (m) => (restPending = m),
              log: (l) => log.info(l),
              confirm: async (_summary, text) => {
                toStdout(`\n${renderChange(change).join('\n')}\n\n${text}\n`);
                if (args.yes) return true;
                return ask(args.prepare ? `Save this switch of ${args.env} to stage ${to} for --apply (nothing is applied now)? Type yes to save: ` : `Apply this plan to ${args.env} (stage ${to})? Type yes to apply: `);
              },
            })
        : undefined,
    });
    if (args.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else process.stdout.write(report(r, args.env, configFile, renderChange));
    if (!r.ok) {
      log.error(`${r.error}; nothing was written`);
      return 1;
    }
    if (restPending) {
      log.error(restPending);
      return 1;
    }
    if (r.applied && to === 'rds' && r.checks.some((c) => c.check === 'forward-sync' && c.part === 'record' && /still verifying/.test(c.detail))) {
      log.info(`the app is on RDS and db:sync finish is still verifying: watch it print "verified"; should it fail, npm run db:rollback -- --env ${args.env}, then npm run cutover -- --env ${args.env} --to ready --apply (every write made on RDS since the open is carried back)`);
    }
    if (r.written && !r.applied) log.info(`not applied yet: npm run cutover -- --env ${args.env} --to ${to} --apply (shows the plan first); until then --check-stage fails`);
    return 0;
  } finally {
    cloudwatch.destroy();
    elbv2.destroy();
  }
}

const secretValues = () => [process.env[ORIGIN_SECRET_ENV], ...Object.entries(process.env).filter(([k]) => k.startsWith('TF_VAR_')).map(([, v]) => v)].filter((v): v is string => Boolean(v));
if (require.main === module) {
  runCli(main, {
    fullMessage: true,
    redact: (s) => {
      let out = redactSecrets(s, [process.env.SOURCE_DATABASE_URL]);
      for (const v of secretValues()) out = out.split(v).join('***');
      return out;
    },
  });
}
