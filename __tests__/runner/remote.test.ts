/**
 * `npm run remote` against moto. moto never runs a task, so the test plays the container:
 * it finds the task RunTask started, writes log lines into the log stream the task's awslogs
 * driver would write (in batches, each only after the previous one was streamed), and stops
 * the task as its exit would. moto reports exit code 0 for every container; the exit code the
 * simulated container "exited with" is put into DescribeTasks answers by a middleware on the
 * test's ECS client (the one seam; the CLI tests run unseamed, so they see moto's 0).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommandInput, StopTaskCommand } from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { useMoto } from '../support/moto';
import { logStreamName, RunnerTarget, runnerTargetFromOutputs, runRemote, runTaskInput } from '../../scripts/lib/aws/ecs-run';
import { splitArgv } from '../../scripts/remote';

const ROOT = join(__dirname, '..', '..');
const moto = useMoto();
const REGION = 'us-east-1';
const CLUSTER = 'venture-nudge-production';
const LOG_GROUP = '/ecs/venture-nudge-production-runner';
let target: RunnerTarget;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;
/** Exit codes the simulated containers exited with, by task ARN (null: stopped before the container ran). */
const exitCodes = new Map<string, number | null>();
/** RunTask requests as sent by the code under test. */
const runTaskRequests: RunTaskCommandInput[] = [];
const seen = new Set<string>();

function clients(): { ecs: ECSClient; logs: CloudWatchLogsClient } {
  const config = { endpoint: moto().endpoint, region: REGION, credentials: { accessKeyId: 'AKIAREHEARSAL0000000', secretAccessKey: 'fake' } };
  return { ecs: new ECSClient(config), logs: new CloudWatchLogsClient(config) };
}

/** Unsigned EC2 query to moto (no EC2 SDK client in the project): the default VPC's subnet ids. */
async function motoSubnets(): Promise<string[]> {
  const r = await fetch(`${moto().endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `AWS4-HMAC-SHA256 Credential=AKIAREHEARSAL0000000/20260101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0` },
    body: 'Action=DescribeSubnets&Version=2016-11-15',
  });
  return [...(await r.text()).matchAll(/<subnetId>([^<]+)<\/subnetId>/g)].map((m) => m[1]);
}

// Generous: the CLI tests start a ts-node child, slow on a loaded machine.
async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 90_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Simulation {
  /** Log lines, written batch by batch. */
  readonly batches: string[][];
  /** What the container exits with; null: the task stops without the container running. */
  readonly exitCode: number | null;
  /** Lines the caller has streamed so far: each batch is written only after the previous one arrived there. */
  readonly received?: () => string[];
  /** Stop reason ECS would give. */
  readonly reason?: string;
}

/** Plays the container of the next task RunTask starts: log lines, then its exit. */
async function simulateTask(sim: Simulation): Promise<string> {
  const arn = await waitFor(async () => (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'RUNNING' }))).taskArns?.find((a) => !seen.has(a)), 'the task to start');
  seen.add(arn);
  const stream = logStreamName(target, arn);
  if (sim.exitCode !== null) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: stream }));
    for (const batch of sim.batches) {
      const t0 = Date.now();
      await logs.send(new PutLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: stream, logEvents: batch.map((message, i) => ({ timestamp: t0 + i, message })) }));
      if (sim.received) await waitFor(() => batch.every((l) => sim.received!().includes(l)), `lines "${batch.join('", "')}" to be streamed`);
    }
  }
  exitCodes.set(arn, sim.exitCode);
  await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn, reason: sim.reason ?? 'Essential container in task exited' }));
  return arn;
}

beforeAll(async () => {
  // Tasks stay RUNNING until stopped (moto's default moves a task one state per DescribeTasks).
  await fetch(`${moto().endpoint}/moto-api/state-manager/set-transition`, { method: 'POST', body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }) });
  ({ ecs, logs } = clients());
  const subnets = (await motoSubnets()).slice(0, 2);
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  // The runner's task definition shape (stacks/migration-runner.ts); moto also needs a container memory to place it.
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'venture-nudge-production-runner',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '1024',
      memory: '2048',
      containerDefinitions: [{ name: 'toolkit', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/venture-nudge-production-toolkit:abc123', memory: 2048, command: ['--help'], logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': LOG_GROUP, 'awslogs-region': REGION, 'awslogs-stream-prefix': 'runner' } } }],
    }),
  );
  await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
  target = runnerTargetFromOutputs({
    migration_runner: {
      value: { cluster: CLUSTER, task_definition: 'venture-nudge-production-runner', subnets, security_groups: ['sg-0runner'], container: 'toolkit', log_group: LOG_GROUP, log_stream_prefix: 'runner' },
    },
  });
  // The code under test gets this client: it records RunTask requests and carries the simulated exit codes.
  ecs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'RunTaskCommand') runTaskRequests.push(args.input as RunTaskCommandInput);
      const out = await next(args);
      if (context.commandName === 'DescribeTasksCommand') {
        for (const t of (out.output as { tasks?: { taskArn?: string; containers?: { exitCode?: number }[] }[] }).tasks ?? []) {
          if (!exitCodes.has(t.taskArn!)) continue;
          const code = exitCodes.get(t.taskArn!);
          for (const c of t.containers ?? []) c.exitCode = code === null ? undefined : code;
        }
      }
      return out;
    },
    { step: 'initialize', name: 'simulatedContainer' },
  );
}, 60_000);

describe('runRemote (scripts/lib/aws/ecs-run.ts)', () => {
  test('starts one Fargate task with the script as the command override, in the private subnets and the runner group, no public IP, ECS Exec on', async () => {
    const lines: string[] = [];
    const [result, arn] = await Promise.all([
      runRemote({ ecs, logs, target, command: ['db:verify', '--json'], onLine: (l) => lines.push(l), pollMs: 100 }),
      simulateTask({ batches: [['ok']], exitCode: 0, received: () => lines }),
    ]);
    expect(result.taskArn).toBe(arn);
    const sent = runTaskRequests[runTaskRequests.length - 1];
    expect(sent).toEqual(runTaskInput(target, ['db:verify', '--json']));
    expect(sent.networkConfiguration?.awsvpcConfiguration).toEqual({ subnets: [...target.subnets], securityGroups: ['sg-0runner'], assignPublicIp: 'DISABLED' });
    expect(sent.enableExecuteCommand).toBe(true);
    // What moto recorded for the task: the override, the launch type, the subnet of its network interface.
    const task = (await clients().ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0];
    expect(task.overrides?.containerOverrides).toEqual([{ name: 'toolkit', command: ['db:verify', '--json'] }]);
    expect(task.launchType).toBe('FARGATE');
    expect(task.taskDefinitionArn).toMatch(/task-definition\/venture-nudge-production-runner:1$/);
    expect(task.attachments?.[0].details?.find((d) => d.name === 'subnetId')?.value).toBe(target.subnets[0]);
  });

  test('streams the log lines in order while the task runs, each batch before the next is written', async () => {
    const lines: string[] = [];
    const batches = [['[preflight] source 15.4, target 16.3'], ['[data] public.users: 120 rows', '[data] public.posts: 3400 rows'], ['[verify] OK']];
    const [result] = await Promise.all([
      runRemote({ ecs, logs, target, command: ['db:copy'], onLine: (l) => lines.push(l), pollMs: 100 }),
      simulateTask({ batches, exitCode: 0, received: () => lines }),
    ]);
    expect(lines).toEqual(batches.flat());
    expect(result.logLines).toBe(4);
  });

  test.each([0, 3])('returns the exit code the container exited with (%i)', async (code) => {
    const lines: string[] = [];
    const [result] = await Promise.all([
      runRemote({ ecs, logs, target, command: ['db:verify'], onLine: (l) => lines.push(l), pollMs: 100 }),
      simulateTask({ batches: [[`exiting ${code}`]], exitCode: code, received: () => lines }),
    ]);
    expect(result.exitCode).toBe(code);
    expect(result.containerExitCode).toBe(code);
    expect(result.stoppedByCaller).toBe(false);
  });

  test('a task that stops before its container ran (no exit code) gives exit code 1 and the stop reason', async () => {
    const reason = 'ResourceInitializationError: unable to pull secrets or registry auth';
    const [result] = await Promise.all([
      runRemote({ ecs, logs, target, command: ['db:audit'], onLine: () => undefined, pollMs: 100 }),
      simulateTask({ batches: [], exitCode: null, reason }),
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.containerExitCode).toBeUndefined();
    expect(result.stoppedReason).toBe(reason);
  });

  test('aborting (Ctrl-C) stops the task with StopTask and returns 130', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const running = runRemote({ ecs, logs, target, command: ['db:copy', '--jobs', '4'], onLine: (l) => lines.push(l), pollMs: 100, signal: controller.signal });
    const arn = await waitFor(async () => (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'RUNNING' }))).taskArns?.find((a) => !seen.has(a)), 'the task to start');
    seen.add(arn);
    controller.abort();
    const result = await running;
    expect(result.exitCode).toBe(130);
    expect(result.stoppedByCaller).toBe(true);
    const task = (await clients().ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0];
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.stoppedReason).toMatch(/stopped by the operator/);
  });
});

describe('runner target and command line', () => {
  test("a zone-only first apply's outputs name the delegation still to finish, not the runner flag", () => {
    expect(() => runnerTargetFromOutputs({ delegation: { value: 'pending' }, name_servers: { value: ['ns-1.awsdns-01.org'] } })).toThrow(/zone-only first apply \(environments\.<env>\.dns\.delegated is false\).*set dns\.delegated to true and apply again/);
  });

  test('the target comes from `terraform output -json`, and a missing field is named', () => {
    expect(() => runnerTargetFromOutputs({ other: { value: 1 } })).toThrow(/no "migration_runner" output: apply the stack with the runner enabled/);
    expect(() => runnerTargetFromOutputs({ migration_runner: { value: { ...Object.fromEntries(Object.entries({ cluster: 'c', task_definition: 't', subnets: [], security_groups: ['sg'], container: 'x', log_group: 'g', log_stream_prefix: 'p' })) } } })).toThrow(/migration_runner\.subnets is missing or empty/);
  });

  test('remote options come before the script; --env after the script picks the runner and stays the script\'s', () => {
    expect(splitArgv(['--poll', '500', 'db:sync', 'status', '--env', 'staging', '--json'])).toEqual({ remote: ['--poll', '500', '--env', 'staging'], script: ['db:sync', 'status', '--env', 'staging', '--json'] });
    expect(splitArgv(['--env', 'production', 'db:copy', '--jobs', '4'])).toEqual({ remote: ['--env', 'production'], script: ['db:copy', '--jobs', '4'] });
    expect(splitArgv(['--env=staging', 'db:sync', 'finish', '--env', 'staging'])).toEqual({ remote: ['--env=staging'], script: ['db:sync', 'finish', '--env', 'staging'] });
  });
});

describe('npm run remote (CLI, child process, moto without the seam)', () => {
  let outputs: string;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-remote-'));
    outputs = join(dir, 'outputs.json');
    const value = { cluster: target.cluster, task_definition: target.taskDefinition, subnets: target.subnets, security_groups: target.securityGroups, container: 'toolkit', log_group: LOG_GROUP, log_stream_prefix: 'runner' };
    writeFileSync(outputs, JSON.stringify({ migration_runner: { sensitive: false, type: ['object', {}], value } }));
  });

  function remote(args: string[]) {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts', 'remote.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...moto().clientEnv, CI: 'true', TS_NODE_TRANSPILE_ONLY: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, done, out: () => stdout, err: () => stderr };
  }

  test('prints the task\'s log lines on stdout as they arrive and exits with the container\'s code (moto: 0)', async () => {
    const r = remote(['--env', 'production', '--outputs', outputs, '--poll', '200', 'db:verify', '--json']);
    await simulateTask({ batches: [['{"ok": true,'], ['"tables": 3}']], exitCode: 0, received: () => r.out().split('\n') });
    expect(await r.done).toBe(0);
    expect(r.out()).toBe('{"ok": true,\n"tables": 3}\n');
    expect(r.err()).toMatch(/remote: task arn:aws:ecs:.* started/);
  }, 180_000);

  test('Ctrl-C stops the task and exits 130', async () => {
    const r = remote(['--outputs', outputs, '--poll', '200', 'db:copy']);
    await waitFor(() => /started/.test(r.err()), 'the CLI to start the task');
    const arn = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'RUNNING' }))).taskArns!.find((a) => !seen.has(a))!;
    seen.add(arn);
    r.child.kill('SIGINT');
    expect(await r.done).toBe(130);
    const task = (await clients().ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0];
    expect(task.stoppedReason).toMatch(/stopped by the operator/);
  }, 180_000);

  test('--dry-run prints the RunTask request and starts nothing', async () => {
    const before = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns?.length;
    const r = remote(['--outputs', outputs, '--dry-run', 'db:audit', '--json']);
    expect(await r.done).toBe(0);
    expect(JSON.parse(r.out())).toEqual(runTaskInput(target, ['db:audit', '--json']));
    expect((await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns?.length).toBe(before);
  }, 180_000);

  test('a database URL with a password in the command is refused with exit 2 before anything starts', async () => {
    const r = remote(['--outputs', outputs, 'db:copy', '--from', 'postgres://u:secret@host/db']);
    expect(await r.done).toBe(2);
    expect(r.err()).toMatch(/^error: a database URL with a password is in the command/m);
    expect(r.err()).not.toContain('secret@');
  }, 180_000);
});
