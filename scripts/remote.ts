/**
 * remote — run a toolkit script inside the VPC, in the migration runner (an ECS Fargate task
 * of the toolkit image), and stream its log lines here. See docs/runner.md.
 *
 *   npm run remote -- db:sync status --env production
 *   npm run remote -- --env staging db:verify --json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliValues, parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import { projectRoot } from './lib/cli/root';
import type { RunnerTarget } from './lib/aws/ecs-run';

/** The ECS runner and its SDK clients, loaded once the command line is read: --help loads none of it. */
const runner = () => import('./lib/aws/ecs-run');

const PROJECT_DIR = projectRoot(__dirname);

const spec = {
  name: 'npm run remote --',
  summary: `Run a toolkit script (db:audit, db:copy, db:verify, db:rollback, db:sync, ...) in the
migration runner inside the VPC: ECS RunTask with the script as the command override, its
CloudWatch log lines streamed here, and the container's exit code as this command's.
Ctrl-C stops the task. Usage: npm run remote -- [options] <script> [script args]`,
  options: {
    env: { type: 'string', valueName: 'name', description: 'environment whose runner to use, required; after the script it is\nthe script\'s --env too (db:sync, db:rollback)' },
    outputs: { type: 'string', valueName: 'file', description: 'terraform output -json of the stack, saved to a file\n(default: terraform output -json in cdktf.out/stacks/<env>)' },
    'stack-dir': { type: 'string', valueName: 'dir', description: 'stack directory to read the outputs from (default: cdktf.out/stacks/<env>)' },
    cluster: { type: 'string', valueName: 'name', description: 'ECS cluster (overrides the output)' },
    'task-definition': { type: 'string', valueName: 'family', description: 'runner task definition family or ARN (overrides the output)' },
    subnets: { type: 'string', valueName: 'ids', description: 'comma-separated private subnet ids (overrides the output)' },
    'security-groups': { type: 'string', valueName: 'ids', description: 'comma-separated security group ids (overrides the output)' },
    'log-group': { type: 'string', valueName: 'name', description: 'runner log group (overrides the output)' },
    poll: { type: 'string', valueName: 'ms', description: 'poll interval for logs and task state', default: '2000' },
    'dry-run': { type: 'boolean', description: 'print the RunTask request and start nothing' },
  },
  epilog: `The runner has SOURCE_DATABASE_URL (SSM) and the RDS credentials (Secrets Manager) in its
environment: never put database URLs in the command (it is stored by ECS and CloudTrail).
Log lines go to stdout, status lines to stderr; --json prints a result object at the end.
Exit codes: the container's exit code; 1 when the task stopped without one (see the
stopped reason), 130 after Ctrl-C, 2 bad command line.`,
} as const;

type Values = CliValues<typeof spec.options>;

const STRING_FLAGS = new Set(Object.entries(spec.options).filter(([, o]) => o.type === 'string').map(([k]) => `--${k}`));

/**
 * Splits `[remote options] <script> [script args]`. `--env <name>` after the script stays the
 * script's (db:sync, db:rollback take one) and also picks the runner, unless one was given
 * before the script: `npm run remote -- db:sync status --env production`.
 */
export function splitArgv(argv: readonly string[]): { remote: string[]; script: string[] } {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += STRING_FLAGS.has(argv[i]) ? 2 : 1;
  const remote = argv.slice(0, i);
  const script = argv.slice(i);
  const hasEnv = remote.some((a) => a === '--env' || a.startsWith('--env='));
  const at = script.findIndex((a, j) => j > 0 && (a === '--env' || a.startsWith('--env=')));
  if (!hasEnv && at > 0) remote.push(...(script[at] === '--env' ? [script[at], script[at + 1] ?? ''] : [script[at]]));
  return { remote, script };
}

const DB_URL_WITH_PASSWORD = /postgres(ql)?:\/\/[^\s:@/]+:[^\s@/]+@/i;

async function readOutputs(args: Values): Promise<unknown> {
  if (args.outputs) return JSON.parse(readFileSync(args.outputs, 'utf8'));
  const dir = args['stack-dir'] ?? join(PROJECT_DIR, 'cdktf.out', 'stacks', args.env ?? '');
  const { terraform } = await import('./lib/terraform/run');
  const r = await terraform(dir, ['output', '-json'], { anyExitCode: true });
  if (r.code !== 0) throw new Error(`terraform output -json in ${dir} failed: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}; run npm run synth and terraform init there, or pass --outputs / the target flags`);
  return JSON.parse(r.stdout);
}

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The runner target: the stack outputs, each field overridable by a flag (all flags: no outputs needed). */
export async function resolveTarget(args: Values): Promise<RunnerTarget> {
  const flags = { cluster: args.cluster, taskDefinition: args['task-definition'], subnets: list(args.subnets), securityGroups: list(args['security-groups']), logGroup: args['log-group'] };
  const complete = Object.values(flags).every((v) => v !== undefined && (!Array.isArray(v) || v.length > 0));
  const base: Partial<RunnerTarget> = complete && !args.outputs ? { container: 'toolkit', logStreamPrefix: 'runner' } : (await runner()).runnerTargetFromOutputs(await readOutputs(args));
  const merged = { ...base, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
  return merged as RunnerTarget;
}

async function main(): Promise<number> {
  const { remote, script } = splitArgv(process.argv.slice(2));
  const args = parseCli(remote, spec);
  if (!args) return 0;
  if (script.length === 0) throw new UsageError('name the script to run, e.g. npm run remote -- --env production db:verify');
  if (!args.env && !args.outputs && !args['stack-dir'] && !args.cluster) throw new UsageError('--env is required: name the environment whose runner to use, e.g. --env staging');
  if (script.some((a) => DB_URL_WITH_PASSWORD.test(a))) {
    throw new UsageError('a database URL with a password is in the command; ECS and CloudTrail keep task commands. The runner already has SOURCE_DATABASE_URL (SSM) and the RDS credentials: use --from-env/--to-env names instead');
  }
  const poll = Number(args.poll);
  if (!Number.isInteger(poll) || poll < 100) throw new UsageError(`--poll must be a whole number of milliseconds >= 100 (got ${args.poll})`);
  const log = createLogger();
  const target = await resolveTarget(args);
  const { runRemote, runTaskInput } = await runner();
  if (args['dry-run']) {
    process.stdout.write(JSON.stringify(runTaskInput(target, script), null, 2) + '\n');
    log.info(`remote: would run in ${target.region ?? process.env.AWS_REGION ?? 'the default region'}; nothing started (--dry-run)`);
    return 0;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      log.warn('Ctrl-C: stopping the task (press again to leave without waiting)');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onInterrupt);
  const [{ ECSClient }, { CloudWatchLogsClient }] = await Promise.all([import('@aws-sdk/client-ecs'), import('@aws-sdk/client-cloudwatch-logs')]);
  try {
    const result = await runRemote({
      ecs: new ECSClient(target.region ? { region: target.region } : {}),
      logs: new CloudWatchLogsClient(target.region ? { region: target.region } : {}),
      target,
      command: script,
      pollMs: poll,
      signal: controller.signal,
      onLine: (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
      onStatus: (line) => log.info(`remote: ${line}`),
    });
    if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
    if (result.containerExitCode === undefined && !result.stoppedByCaller) log.error(`the task stopped without an exit code: ${result.stoppedReason ?? 'no reason given'}`);
    return result.exitCode;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

if (require.main === module) runCli(main);
