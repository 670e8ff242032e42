/**
 * One-off tasks in the migration runner (stacks/migration-runner.ts): ECS RunTask with a
 * command override in the private subnets, the task's CloudWatch log lines streamed as they
 * arrive, the container's exit code as the result, StopTask when the caller aborts.
 *
 *   const result = await runRemote({ ecs, logs, target, command: ['db:verify', '--json'], onLine: console.log });
 *   process.exitCode = result.exitCode;
 *
 * The target (cluster, task definition, subnets, security group, log group) comes from the
 * stack's `migration_runner` output (`runnerTargetFromOutputs`) or from flags.
 */
import { DescribeTasksCommand, ECSClient, RunTaskCommand, RunTaskCommandInput, StopTaskCommand, Task } from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { isZoneOnly } from '../../../stacks/delegation-output';

/** Where and how the runner's tasks run: the `migration_runner` output of a stack. */
export interface RunnerTarget {
  readonly cluster: string;
  /** Family (latest ACTIVE revision) or full ARN. */
  readonly taskDefinition: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  /** Container the command override applies to. */
  readonly container: string;
  readonly logGroup: string;
  /** awslogs-stream-prefix: the stream is `<prefix>/<container>/<task id>`. */
  readonly logStreamPrefix: string;
  /** Region of the stack (the output carries it); unset: the SDK's (AWS_REGION). */
  readonly region?: string;
}

/** Name of the Terraform output holding the runner target (stacks/environment-stack.ts). */
export const RUNNER_OUTPUT = 'migration_runner';

const FIELDS: Record<Exclude<keyof RunnerTarget, 'region'>, string> = {
  cluster: 'cluster',
  taskDefinition: 'task_definition',
  subnets: 'subnets',
  securityGroups: 'security_groups',
  container: 'container',
  logGroup: 'log_group',
  logStreamPrefix: 'log_stream_prefix',
};

/**
 * The runner target from `terraform output -json` (all outputs, or just the runner's value).
 * @throws Error naming the missing output or field and how to get it.
 */
export function runnerTargetFromOutputs(outputs: unknown): RunnerTarget {
  const all = outputs as Record<string, { value?: unknown }> | null;
  const raw = (all && typeof all === 'object' && RUNNER_OUTPUT in all ? all[RUNNER_OUTPUT]?.value : all) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || !('cluster' in raw)) {
    if (isZoneOnly(all)) {
      throw new Error(`no "${RUNNER_OUTPUT}" output: the stack is a new zone's zone-only first apply (environments.<env>.dns.delegated is false); delegate the domain, set dns.delegated to true and apply again (README: "Zone and delegation")`);
    }
    throw new Error(`no "${RUNNER_OUTPUT}" output: apply the stack with the runner enabled (environments.<env>.runner.enabled), or pass --cluster, --task-definition, --subnets, --security-groups, --log-group`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(FIELDS)) {
    const v = raw[field];
    const ok = key === 'subnets' || key === 'securityGroups' ? Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s) : typeof v === 'string' && v;
    if (!ok) throw new Error(`output ${RUNNER_OUTPUT}.${field} is missing or empty`);
    out[key] = v;
  }
  if (typeof raw.region === 'string' && raw.region) out.region = raw.region;
  return out as unknown as RunnerTarget;
}

/** Exactly what RunTask is sent: Fargate, private subnets, no public IP, ECS Exec on, the command override. */
export function runTaskInput(target: RunnerTarget, command: readonly string[], startedBy = 'npm-run-remote'): RunTaskCommandInput {
  return {
    cluster: target.cluster,
    taskDefinition: target.taskDefinition,
    launchType: 'FARGATE',
    count: 1,
    startedBy,
    enableExecuteCommand: true,
    networkConfiguration: { awsvpcConfiguration: { subnets: [...target.subnets], securityGroups: [...target.securityGroups], assignPublicIp: 'DISABLED' } },
    overrides: { containerOverrides: [{ name: target.container, command: [...command] }] },
  };
}

/** The awslogs stream of a task: `<prefix>/<container>/<task id>`. */
export function logStreamName(target: RunnerTarget, taskArn: string): string {
  return `${target.logStreamPrefix}/${target.container}/${taskArn.split('/').pop()}`;
}

export interface RemoteResult {
  readonly taskArn: string;
  /** The container's exit code; 1 when the task stopped without one (it never started), 130 when stopped by the caller. */
  readonly exitCode: number;
  /** The container's own exit code as ECS reported it (undefined: it never ran to an exit). */
  readonly containerExitCode?: number;
  readonly stoppedReason?: string;
  readonly stoppedByCaller: boolean;
  readonly logLines: number;
}

export interface RunRemoteOptions {
  readonly ecs: ECSClient;
  readonly logs: CloudWatchLogsClient;
  readonly target: RunnerTarget;
  /** Arguments for the image's entry: `<script> [args]`. */
  readonly command: readonly string[];
  /** Each log line of the task, in order, as it arrives. */
  readonly onLine: (line: string) => void;
  /** Status lines (task started, stopping, stopped). @default none */
  readonly onStatus?: (line: string) => void;
  /** Aborting stops the task (StopTask) and waits for it to stop. */
  readonly signal?: AbortSignal;
  /** Poll interval for logs and task state. @default 2000 */
  readonly pollMs?: number;
  /** Give up waiting after this long (the task keeps running; stop it yourself). @default 24 h */
  readonly timeoutMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Reads the task's log stream from where the last call stopped; a stream not yet created yields nothing. */
export function logFollower(logs: CloudWatchLogsClient, logGroupName: string, logStreamName: string) {
  let nextToken: string | undefined;
  return async function drain(onLine: (line: string) => void): Promise<number> {
    let count = 0;
    for (;;) {
      let page;
      try {
        page = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true, nextToken }));
      } catch (e) {
        if ((e as Error).name === 'ResourceNotFoundException') return count;
        throw e;
      }
      for (const ev of page.events ?? []) {
        onLine(ev.message ?? '');
        count++;
      }
      const same = page.nextForwardToken === nextToken;
      nextToken = page.nextForwardToken ?? nextToken;
      if (same || (page.events ?? []).length === 0) return count;
    }
  };
}

async function describe(ecs: ECSClient, cluster: string, taskArn: string): Promise<Task> {
  const r = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
  const task = r.tasks?.[0];
  if (!task) throw new Error(`task ${taskArn} not found in cluster ${cluster}: ${r.failures?.map((f) => f.reason).join(', ') || 'no answer'}`);
  return task;
}

/** Starts the task, streams its log lines until it stops, and returns its exit code. */
export async function runRemote(o: RunRemoteOptions): Promise<RemoteResult> {
  const status = o.onStatus ?? (() => undefined);
  const started = await o.ecs.send(new RunTaskCommand(runTaskInput(o.target, o.command)));
  const taskArn = started.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const why = started.failures?.map((f) => `${f.reason}${f.detail ? ` (${f.detail})` : ''}`).join('; ') || 'no task returned';
    throw new Error(`RunTask in cluster ${o.target.cluster} failed: ${why}`);
  }
  const stream = logStreamName(o.target, taskArn);
  status(`task ${taskArn} started; logs: ${o.target.logGroup} ${stream}`);
  const drain = logFollower(o.logs, o.target.logGroup, stream);
  let lines = 0;
  let stopRequested = false;
  const deadline = Date.now() + (o.timeoutMs ?? 24 * 3600_000);
  for (;;) {
    if (o.signal?.aborted && !stopRequested) {
      stopRequested = true;
      status('stopping the task (StopTask)...');
      await o.ecs.send(new StopTaskCommand({ cluster: o.target.cluster, task: taskArn, reason: 'stopped by the operator (npm run remote, Ctrl-C)' }));
    }
    lines += await drain(o.onLine);
    const task = await describe(o.ecs, o.target.cluster, taskArn);
    if (task.lastStatus === 'STOPPED') {
      lines += await drain(o.onLine);
      const container = task.containers?.find((c) => c.name === o.target.container) ?? task.containers?.[0];
      const containerExitCode = container?.exitCode ?? undefined;
      const exitCode = stopRequested ? 130 : (containerExitCode ?? 1);
      status(`task stopped: ${task.stoppedReason ?? 'no reason given'}; exit code ${containerExitCode ?? 'none'}`);
      return { taskArn, exitCode, containerExitCode, stoppedReason: task.stoppedReason, stoppedByCaller: stopRequested, logLines: lines };
    }
    if (Date.now() > deadline) throw new Error(`task ${taskArn} still ${task.lastStatus} after the timeout; it keeps running (stop it with aws ecs stop-task)`);
    await sleep(o.pollMs ?? 2000, stopRequested ? undefined : o.signal);
  }
}
