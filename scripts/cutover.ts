/**
 * cutover — move one environment to the next cutover stage: check, write the stage into the
 * config file, show the change, and with --apply apply it. See the README's cutover runbook.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import { stateDir } from './lib/db/sync/state';
import { applyStage } from './lib/cutover/apply';
import { isStage, renderChange, runCutover } from './lib/cutover/index';
import { CONFIG_FILE_ENV, CUTOVER_STAGES, DEFAULT_CONFIG_FILE, loadConfig } from '../stacks/config';

const spec = {
  name: 'npm run cutover --',
  summary:
    'Move an environment to a cutover stage. Web stages vercel -> canary -> 25 -> 50 -> aws move traffic one step at a time\n' +
    '(back to any earlier one in one step); rds moves the database of record to RDS after a successful db:sync finish;\n' +
    'rds -> aws needs a successful db:rollback first. Checks the test host\'s health and the CloudWatch alarms, writes the\n' +
    'stage into the config file, shows the Route 53 weights (or the task definition\'s database settings) before and after.',
  options: {
    env: { type: 'string', valueName: 'name', description: 'environment (e.g. production)' },
    to: { type: 'string', valueName: 'stage', description: `target stage: ${CUTOVER_STAGES.join(', ')}` },
    apply: { type: 'boolean', description: 'after writing the config, synthesize and terraform apply the environment' },
    'dry-run': { type: 'boolean', description: 'check and show the change, write nothing' },
    config: { type: 'string', valueName: 'file', description: `config file to edit (default: $${CONFIG_FILE_ENV} or ./${DEFAULT_CONFIG_FILE})` },
    'health-url': { type: 'string', valueName: 'url', description: 'health endpoint to check (default: https://<test host><healthCheckPath>)' },
  },
  epilog: `Examples:
  npm run cutover -- --env production --to canary --dry-run
  npm run cutover -- --env production --to canary --apply
  npm run db:sync -- finish --freeze --env production && npm run cutover -- --env production --to rds --apply

The last db:sync finish / db:rollback outcome is read from $VN_STATE_DIR/<env>.json (default .venture-nudge/).
Exit codes: 0 stage written (and applied), 1 refused, precondition failed or apply failed, 2 bad command line.`,
} as const;

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  if (!args.env) throw new UsageError('--env is required (e.g. --env production)');
  if (!args.to || !isStage(args.to)) throw new UsageError(`--to must be one of ${CUTOVER_STAGES.join(', ')} (got ${args.to ?? 'nothing'})`);
  if (args.apply && args['dry-run']) throw new UsageError('--apply and --dry-run contradict each other: pick one');
  const configFile = args.config ?? process.env[CONFIG_FILE_ENV] ?? join(process.cwd(), DEFAULT_CONFIG_FILE);
  const log = createLogger();
  const region = loadConfig({ ...process.env, [CONFIG_FILE_ENV]: existsSync(configFile) ? configFile : undefined }).region;
  const cloudwatch = new CloudWatchClient({ region: process.env.AWS_REGION ?? region });
  try {
    const current = loadConfig({ ...process.env, [CONFIG_FILE_ENV]: existsSync(configFile) ? configFile : undefined }).environments[args.env]?.cutover.stage;
    if (args.apply && current === args.to) {
      // the stage was written by an earlier run (checked then): apply it
      log.info(`${configFile} is already at stage ${args.to}: applying it`);
      await applyStage({ envName: args.env, configFile, log: (l) => log.info(l) });
      return 0;
    }
    const r = await runCutover({ envName: args.env, to: args.to, configFile, healthUrl: args['health-url'], cloudwatch, stateDir: stateDir(), dryRun: args['dry-run'] });
    if (args.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else {
      const lines = [`${args.env}: ${r.transition.from} -> ${r.transition.to}: ${r.transition.reason}`];
      for (const c of r.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`);
      if (r.change) lines.push('', ...renderChange(r.change));
      if (r.ok) lines.push('', r.written ? `stage ${args.to} written to ${configFile}` : 'dry run: nothing was written');
      process.stdout.write(lines.join('\n') + '\n');
    }
    if (!r.ok) {
      log.error(`${r.error}; nothing was written`);
      return 1;
    }
    if (args.apply) await applyStage({ envName: args.env, configFile, log: (l) => log.info(l) });
    else if (r.written) log.info(`review with npm run plan, then apply: npm run cutover -- --env ${args.env} --to ${args.to} --apply (the stage is already written)`);
    return 0;
  } finally {
    cloudwatch.destroy();
  }
}

if (require.main === module) runCli(main);
