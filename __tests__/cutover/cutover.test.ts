/**
 * npm run cutover's engine against a local health endpoint and moto's CloudWatch: refusals,
 * preconditions, the config file written only when everything passes.
 */
import { createServer, type Server } from 'node:http';
import { Client } from 'pg';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { fileLedger, PRECONDITIONS, runCutover, type Check, type CutoverOptions, type Precondition } from '../../scripts/lib/cutover/index';
import { applySteps } from '../../scripts/lib/cutover/apply';
import { recordSync } from '../../scripts/lib/db/sync/state';
import { markSource } from '../../scripts/lib/cutover/source';
import { useMoto } from '../support/moto';
import { useClusters } from '../support/postgres';
import { shapeVercel, type ShapedDatabase } from '../support/shapes';

/** An ELBv2 client answering like an ALB whose RDS-side target group has `healthy` healthy targets. */
function standbyElb(healthy: number): ElasticLoadBalancingV2Client {
  const answers: Record<string, unknown> = {
    DescribeLoadBalancersCommand: { LoadBalancers: [{ LoadBalancerArn: 'arn:lb' }] },
    DescribeListenersCommand: { Listeners: [{ ListenerArn: 'arn:https', Port: 443 }] },
    DescribeRulesCommand: { Rules: [{ Priority: '1', Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'arn:tg-source', Weight: 100 }, { TargetGroupArn: 'arn:tg-rds', Weight: 0 }] } }] }] },
    DescribeTargetGroupsCommand: { TargetGroups: [{ TargetGroupArn: 'arn:tg-source', TargetGroupName: 'vn-tg-1' }, { TargetGroupArn: 'arn:tg-rds', TargetGroupName: 'vn-rd-1' }] },
    DescribeTargetHealthCommand: { TargetHealthDescriptions: Array.from({ length: healthy }, () => ({ TargetHealth: { State: 'healthy' } })) },
  };
  return { send: async (c: object) => answers[c.constructor.name] } as unknown as ElasticLoadBalancingV2Client;
}

const moto = useMoto();
const [cluster] = useClusters(1);
let source: ShapedDatabase;
let cloudwatch: CloudWatchClient;
let server: Server;
let healthy = true;
let healthUrl: string;
let dir: string;
let n = 0;

beforeAll(async () => {
  cloudwatch = new CloudWatchClient({ region: 'us-east-1', endpoint: moto().endpoint, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
  server = createServer((_req, res) => {
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    // the guide's health answer (scripts/lib/http/health.ts)
    res.end(JSON.stringify(healthy ? { status: 'healthy', database: 'connected' } : { status: 'unhealthy', database: 'disconnected' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  healthUrl = `http://127.0.0.1:${addr.port}/api/health`;
  dir = mkdtempSync(join(tmpdir(), 'cutover-'));
  // a source as db:sync finish leaves it: frozen (what freeze.ts sets), replication gone
  source = await shapeVercel(cluster());
  await source.sql(`ALTER DATABASE ${source.database} SET default_transaction_read_only = on`);
});

afterAll(async () => {
  cloudwatch?.destroy();
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh environment (own config file, state dir and alarm prefix) at a stage. */
async function environment(stage: string, alarmState: 'OK' | 'ALARM' = 'OK') {
  const env = `env${++n}`;
  const file = join(dir, `${env}.config.json`);
  writeFileSync(file, JSON.stringify({ environments: { [env]: { new: true, cutover: { stage }, dns: { delegated: true } } } }, null, 2));
  const alarm = `venture-nudge-${env}-alb-5xx`;
  await cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: alarm, MetricName: 'HTTPCode_Target_5XX_Count', Namespace: 'AWS/ApplicationELB', Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: 'GreaterThanThreshold' }));
  await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: alarmState, StateReason: 'test' }));
  const stateDir = join(dir, `${env}-state`);
  const options = (to: string, extra: Partial<CutoverOptions> = {}): CutoverOptions => ({ envName: env, to: to as CutoverOptions['to'], configFile: file, healthUrl, cloudwatch, elbv2: standbyElb(2), stateDir, ...extra });
  const stageInFile = () => JSON.parse(readFileSync(file, 'utf8')).environments[env].cutover.stage as string;
  return { env, file, alarm, stateDir, options, stageInFile };
}

beforeEach(() => {
  healthy = true;
});

test('vercel -> canary with a healthy test host and OK alarms writes the stage and shows the weights', async () => {
  const e = await environment('vercel');
  const r = await runCutover(e.options('canary'));
  expect(r.error).toBeUndefined();
  expect(r).toMatchObject({ ok: true, written: true });
  expect(r.checks.map((c) => [c.check, c.ok])).toEqual([['health', true], ['alarms', true]]);
  expect(r.change!.weights.find((w) => w.record.endsWith('A (aws)'))).toMatchObject({ before: 0, after: 10 });
  expect(e.stageInFile()).toBe('canary');
});

test('an unhealthy test host stops the change and nothing is written', async () => {
  const e = await environment('vercel');
  healthy = false;
  const r = await runCutover(e.options('canary'));
  expect(r.ok).toBe(false);
  expect(r.error).toMatch(/precondition failed: .*answered HTTP 503/);
  expect(e.stageInFile()).toBe('vercel');
});

test('an alarm not OK stops the change, naming the alarm', async () => {
  const e = await environment('canary', 'ALARM');
  const r = await runCutover(e.options('25'));
  expect(r.ok).toBe(false);
  expect(r.error).toContain(`${e.alarm} (ALARM)`);
  expect(e.stageInFile()).toBe('canary');
});

test('a refused transition checks nothing and writes nothing', async () => {
  const e = await environment('canary');
  const r = await runCutover(e.options('aws'));
  expect(r).toMatchObject({ ok: false, checks: [], written: false });
  expect(r.error).toMatch(/^refused: .*go to 25 first/);
  expect(e.stageInFile()).toBe('canary');
});

test('going back a web stage needs no check: it works with the alarm firing', async () => {
  const e = await environment('50', 'ALARM');
  const r = await runCutover(e.options('vercel'));
  expect(r).toMatchObject({ ok: true, checks: [] });
  expect(e.stageInFile()).toBe('vercel');
});

test('ready -> rds is refused until a db:sync finish succeeded, then allowed', async () => {
  const e = await environment('ready');
  const none = await runCutover(e.options('rds'));
  expect(none.error).toMatch(/no data move recorded .*db:sync -- finish --freeze/);
  recordSync(e.env, { direction: 'forward', ok: false, at: '2026-11-29T23:00:00Z', source: 's', target: 't', message: 'table public.users: content differs' }, e.stateDir);
  const failed = await runCutover(e.options('rds'));
  expect(failed.error).toMatch(/failed: table public\.users: content differs/);
  expect(e.stageInFile()).toBe('ready');
  recordSync(e.env, { direction: 'forward', ok: true, at: '2026-11-29T23:10:00Z', source: 's', target: 't', freezeMs: 900, sourceMark: await markSource(source.url, 'vn_sync') }, e.stateDir);
  const ok = await runCutover(e.options('rds', { sourceUrl: source.url, settleMs: 0 }));
  expect(ok).toMatchObject({ ok: true, written: true });
  expect(ok.change!.database!.after.databaseOfRecord).toBe('rds');
  expect(e.stageInFile()).toBe('rds');
});

test('rds -> ready is refused after a forward finish and allowed after a successful db:rollback', async () => {
  const e = await environment('rds');
  recordSync(e.env, { direction: 'forward', ok: true, at: '2026-11-29T23:10:00Z', source: 's', target: 't' }, e.stateDir);
  expect((await runCutover(e.options('ready'))).error).toMatch(/went forward, not reverse: run npm run db:rollback/);
  recordSync(e.env, { direction: 'reverse', ok: true, at: '2026-11-29T23:20:00Z', source: 't', target: 's' }, e.stateDir);
  expect(await runCutover(e.options('ready'))).toMatchObject({ ok: true, written: true });
  expect(e.stageInFile()).toBe('ready');
});

test('ready -> rds is refused while the RDS-side service has fewer healthy targets than its minimum, naming the count', async () => {
  const e = await environment('ready');
  recordSync(e.env, { direction: 'forward', ok: true, at: '2026-11-29T23:10:00Z', source: 's', target: 't', freezeMs: 900, sourceMark: await markSource(source.url, 'vn_sync') }, e.stateDir);
  const r = await runCutover(e.options('rds', { sourceUrl: source.url, settleMs: 0, elbv2: standbyElb(1) }));
  expect(r).toMatchObject({ ok: false, written: false });
  expect(r.error).toMatch(/the RDS-side service has 1 healthy target\(s\) in vn-rd-1, fewer than its minimum of 2/);
  expect(e.stageInFile()).toBe('ready');
});

test('rds -> ready is refused while the source-side service has fewer healthy targets than its minimum, naming the count and stage rds', async () => {
  const e = await environment('rds');
  recordSync(e.env, { direction: 'reverse', ok: true, at: '2026-11-29T23:20:00Z', source: 't', target: 's' }, e.stateDir);
  const r = await runCutover(e.options('ready', { elbv2: standbyElb(0) }));
  expect(r).toMatchObject({ ok: false, written: false });
  expect(r.error).toMatch(/the source-side service has 0 healthy target\(s\) in vn-tg-1, fewer than its minimum of 2.*stage rds starts its tasks again/);
  expect(e.stageInFile()).toBe('rds');
});

describe('rds-only: the idle source side scaled to zero', () => {
  test('is refused while finish is still verifying after the open, even with --before-verdict, and nothing is written', async () => {
    const e = await environment('rds');
    recordSync(e.env, { direction: 'forward', ok: true, at: '2026-11-29T23:10:00Z', openedAt: '2026-11-29T23:10:00Z', verification: 'verifying', source: 's', target: 't' }, e.stateDir);
    const r = await runCutover(e.options('rds-only', { beforeVerdict: true }));
    expect(r).toMatchObject({ ok: false, written: false });
    expect(r.checks).toContainEqual(expect.objectContaining({ check: 'verified', ok: false }));
    expect(r.error).toMatch(/has no verdict yet \(open, verifying\)/);
    expect(e.stageInFile()).toBe('rds');
  });

  test('is allowed once the record says verified, and shows the source side\'s task range going to 0..0', async () => {
    const e = await environment('rds');
    recordSync(e.env, { direction: 'forward', ok: true, at: '2026-11-29T23:10:00Z', openedAt: '2026-11-29T23:10:00Z', verification: 'verified', verifyMs: 2100, source: 's', target: 't' }, e.stateDir);
    const r = await runCutover(e.options('rds-only'));
    expect(r).toMatchObject({ ok: true, written: true });
    expect(r.checks.map((c) => [c.check, c.ok])).toEqual([['verified', true], ['health', true], ['alarms', true]]);
    expect(r.change!.tasks.find((t) => t.service.includes('source side'))).toMatchObject({ before: '2..10', after: '0..0' });
    expect(e.stageInFile()).toBe('rds-only');
  });

  test('going back to rds needs no check: it works with the alarm firing', async () => {
    const e = await environment('rds-only', 'ALARM');
    const r = await runCutover(e.options('rds'));
    expect(r).toMatchObject({ ok: true, written: true, checks: [] });
    expect(e.stageInFile()).toBe('rds');
  });
});

describe('prepare: the switch planned before the freeze', () => {
  test('ready -> rds prepares before any finish: the data check is left to the apply, the others run, nothing is written', async () => {
    const e = await environment('ready');
    let called = 0;
    const r = await runCutover(e.options('rds', { prepare: true, apply: async (_edit, change) => (++called, change.switchOnly) }));
    expect(r).toMatchObject({ ok: true, prepared: true, written: false, applied: false, deferred: ['forward-sync'] });
    expect(r.checks.map((c) => c.check)).toEqual(['health', 'alarms', 'standby']);
    expect(called).toBe(1);
    expect(e.stageInFile()).toBe('ready');
    expect(existsSync(join(e.stateDir, `${e.env}.json`)) ? JSON.parse(readFileSync(join(e.stateDir, `${e.env}.json`), 'utf8')).applied : undefined).toBeUndefined();
  });

  test('prepare is refused for a change that is not the switch, before any check or plan', async () => {
    const e = await environment('25');
    let called = 0;
    const r = await runCutover(e.options('50', { prepare: true, apply: async () => (++called, true) }));
    expect(r).toMatchObject({ ok: false, checks: [], written: false });
    expect(r.error).toMatch(/^refused: --prepare is for the database switch alone .* 25 -> 50 is applied with --apply/);
    expect(called).toBe(0);
  });

  test('prepare still stops on a failing check it does not leave to the apply (an unhealthy standby)', async () => {
    const e = await environment('ready');
    let called = 0;
    const r = await runCutover(e.options('rds', { prepare: true, elbv2: standbyElb(1), apply: async () => (++called, true) }));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/fewer than its minimum of 2/);
    expect(called).toBe(0);
  });
});

describe('at the open: the switch that follows db:sync finish', () => {
  const verifying = async (e: { env: string; stateDir: string }) =>
    recordSync(e.env, { direction: 'forward', ok: true, at: new Date().toISOString(), openedAt: new Date().toISOString(), verification: 'verifying', source: 's', target: 't', freezeMs: 700, sourceMark: await markSource(source.url, 'vn_sync') }, e.stateDir);

  test('waits for finish to record the open, then applies the switch before the verdict', async () => {
    const e = await environment('ready');
    let appliedAt = 0;
    const waits: string[] = [];
    const running = runCutover(e.options('rds', { sourceUrl: source.url, settleMs: 0, atOpen: { pollMs: 20, onWait: (l) => waits.push(l) }, apply: async () => ((appliedAt = Date.now()), true) }));
    await new Promise((r) => setTimeout(r, 300));
    expect(appliedAt).toBe(0);
    const openedAt = Date.now();
    await verifying(e);
    const r = await running;
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ ok: true, applied: true, written: true });
    expect(appliedAt).toBeGreaterThanOrEqual(openedAt);
    expect(r.checks.map((c) => c.check)).toEqual(['health', 'alarms', 'standby', 'forward-sync', 'forward-sync', 'forward-sync', 'forward-sync']);
    expect(r.checks.find((c) => c.part === 'record')!.detail).toMatch(/still verifying/);
    expect(waits[0]).toMatch(/waiting for db:sync finish to open writes on the target .*none/);
    expect(e.stageInFile()).toBe('rds');
  });

  test('an unhealthy standby stops it before it waits, and nothing is applied', async () => {
    const e = await environment('ready');
    let called = 0;
    const waits: string[] = [];
    const r = await runCutover(e.options('rds', { elbv2: standbyElb(1), atOpen: { pollMs: 20, onWait: (l) => waits.push(l) }, apply: async () => (++called, true) }));
    expect(r.error).toMatch(/fewer than its minimum of 2/);
    expect([called, waits.length]).toEqual([0, 0]);
  });

  test('a finish that fails before the open ends the wait, applying nothing and naming the failure', async () => {
    const e = await environment('ready');
    let called = 0;
    const running = runCutover(e.options('rds', { sourceUrl: source.url, atOpen: { pollMs: 20 }, apply: async () => (++called, true) }));
    await new Promise((r) => setTimeout(r, 200));
    recordSync(e.env, { direction: 'forward', ok: false, at: new Date().toISOString(), source: 's', target: 't', message: 'a transaction older than 10 s is open on the source' }, e.stateDir);
    const r = await running;
    expect(r).toMatchObject({ ok: false, applied: false, written: false });
    expect(r.error).toMatch(/finish failed before writes opened .*older than 10 s.*the app was not moved/);
    expect(called).toBe(0);
    expect(e.stageInFile()).toBe('ready');
  });

  test('an earlier failure in the record does not end the wait: the retried finish is waited for', async () => {
    const e = await environment('ready');
    recordSync(e.env, { direction: 'forward', ok: false, at: '2026-11-29T23:00:00Z', source: 's', target: 't', message: 'earlier attempt' }, e.stateDir);
    const running = runCutover(e.options('rds', { sourceUrl: source.url, settleMs: 0, atOpen: { pollMs: 20 }, apply: async () => true }));
    await new Promise((r) => setTimeout(r, 200));
    await verifying(e);
    expect(await running).toMatchObject({ ok: true, applied: true });
  });

  test('no open within the timeout: it gives up, changing nothing', async () => {
    const e = await environment('ready');
    const r = await runCutover(e.options('rds', { sourceUrl: source.url, atOpen: { pollMs: 20, timeoutMs: 200 }, apply: async () => true }));
    expect(r).toMatchObject({ ok: false, applied: false, written: false });
    expect(r.error).toMatch(/did not open writes on the target within 0\.2 s .*the app was not moved/);
    expect(e.stageInFile()).toBe('ready');
  });
});

test('a dry run checks and shows the change but writes nothing', async () => {
  const e = await environment('25');
  const r = await runCutover(e.options('50', { dryRun: true }));
  expect(r).toMatchObject({ ok: true, written: false });
  expect(e.stageInFile()).toBe('25');
});

test('a missing config file starts from the defaults and is created with only the stage', async () => {
  const file = join(dir, 'fresh.config.json');
  const e = await environment('vercel');
  const r = await runCutover({ ...e.options('canary'), envName: 'production', configFile: file });
  // the defaults create production's zone and await its delegation: refused, and nothing is created
  expect(r.error).toMatch(/environments\.production\.dns\.delegated is false/);
  expect(existsSync(file)).toBe(false);
});

test('a zone awaiting delegation refuses a stage that weighs AWS, naming the field and the README section', async () => {
  const file = join(dir, 'awaiting.config.json');
  writeFileSync(file, JSON.stringify({ environments: { production: { cutover: { stage: 'vercel' } } } }));
  const e = await environment('vercel');
  const r = await runCutover({ ...e.options('canary'), envName: 'production', configFile: file });
  expect(r).toMatchObject({ ok: false, written: false, applied: false });
  expect(r.error).toMatch(/dns\.delegated is false.*set environments\.production\.dns\.delegated to true and apply \(README: "Zone and delegation"\)/);
  expect(JSON.parse(readFileSync(file, 'utf8')).environments.production.cutover.stage).toBe('vercel');
});

test('a zone awaiting delegation may still go back to stage vercel (no AWS weight)', async () => {
  const file = join(dir, 'awaiting-back.config.json');
  writeFileSync(file, JSON.stringify({ environments: { production: { cutover: { stage: 'vercel' } } } }));
  const e = await environment('vercel');
  const r = await runCutover({ ...e.options('vercel'), envName: 'production', configFile: file });
  expect(r.error ?? '').not.toMatch(/delegated/);
});

test('--apply runs init, saves a plan, shows it, then applies exactly that plan', () => {
  expect(applySteps().map((s) => s.args.join(' '))).toEqual(['init -input=false', 'plan -input=false -out=cutover.tfplan', 'show -json cutover.tfplan', 'apply -input=false cutover.tfplan']);
});

describe('the record of the day and the applied stage', () => {
  const ledgerOf = (e: { env: string; stateDir: string }) => fileLedger(e.env, e.stateDir);

  test('the move starts from the stage the record says was applied, not the config\'s', async () => {
    const e = await environment('50');
    await ledgerOf(e).update({ applied: { stage: '25', at: '2026-12-01T09:00:00Z' } });
    const r = await runCutover(e.options('50', { dryRun: true }));
    expect(r.transition).toMatchObject({ from: '25', to: '50', allowed: true });
    expect(r.change!.weights.find((w) => w.record.endsWith('A (aws)'))).toMatchObject({ before: 25, after: 50 });
  });

  test('with apply, the stage reaches the config and the record only after the apply succeeded', async () => {
    const e = await environment('25');
    let duringApply: unknown[] = [];
    const r = await runCutover(e.options('50', { apply: async () => ((duringApply = [e.stageInFile(), (await ledgerOf(e).read()).applied]), true) }));
    expect(duringApply).toEqual(['25', undefined]);
    expect(r).toMatchObject({ ok: true, written: true, applied: true });
    expect(e.stageInFile()).toBe('50');
    expect((await ledgerOf(e).read()).applied).toMatchObject({ stage: '50' });
  });

  test('a failed apply writes neither the config nor the record', async () => {
    const e = await environment('25');
    await expect(runCutover(e.options('50', { apply: async () => Promise.reject(new Error('terraform apply failed (exit 1):\nError: boom')) }))).rejects.toThrow(/Error: boom/);
    expect(e.stageInFile()).toBe('25');
    expect((await ledgerOf(e).read()).applied).toBeUndefined();
  });

  test('a declined plan writes nothing', async () => {
    const e = await environment('25');
    const r = await runCutover(e.options('50', { apply: async () => false }));
    expect(r).toMatchObject({ ok: false, written: false, applied: false, error: 'the plan was not confirmed' });
    expect(e.stageInFile()).toBe('25');
  });

  test('with apply, the applied stage may be applied again, with no check', async () => {
    const e = await environment('50', 'ALARM');
    await ledgerOf(e).update({ applied: { stage: '50', at: '2026-12-01T09:00:00Z' } });
    const r = await runCutover(e.options('50', { apply: async () => true }));
    expect(r).toMatchObject({ ok: true, checks: [], applied: true });
    expect(r.transition.reason).toMatch(/re-applies stage 50/);
  });

  test('a config already at rds with no applied stage recorded is refused, even with apply', async () => {
    const e = await environment('rds');
    const r = await runCutover(e.options('rds', { apply: async () => true }));
    expect(r).toMatchObject({ ok: false, written: false });
    expect(r.error).toMatch(/no applied stage is recorded: set the config back to stage ready/);
  });

  test('every precondition name has its own check', () => {
    expect(Object.keys(PRECONDITIONS).sort()).toEqual(['alarms', 'forward-sync', 'health', 'reverse-sync', 'source-standby', 'standby', 'verified']);
    // the table is keyed by name: a table without a check for a name does not compile (npm run typecheck)
    // @ts-expect-error 'reverse-sync' has no check
    const incomplete: Record<Precondition, Check> = { health: PRECONDITIONS.health, alarms: PRECONDITIONS.alarms, 'forward-sync': PRECONDITIONS['forward-sync'], standby: PRECONDITIONS.standby };
    expect(Object.keys(incomplete)).toHaveLength(4);
  });

  test('ready -> rds after a rollback is refused by the forward check, not passed by the reverse one', async () => {
    const e = await environment('ready');
    recordSync(e.env, { direction: 'reverse', ok: true, at: '2026-11-29T23:20:00Z', source: 't', target: 's' }, e.stateDir);
    expect((await runCutover(e.options('rds', { sourceUrl: source.url }))).error).toMatch(/went reverse, not forward: run npm run db:sync -- finish/);
  });

  test('ready -> rds without the source URL is refused, naming the variable', async () => {
    const e = await environment('ready');
    recordSync(e.env, { direction: 'forward', ok: true, at: '2026-11-29T23:10:00Z', source: 's', target: 't', sourceMark: await markSource(source.url, 'vn_sync') }, e.stateDir);
    expect((await runCutover(e.options('rds'))).error).toMatch(/needs its URL: set SOURCE_DATABASE_URL/);
    expect(e.stageInFile()).toBe('ready');
  });

  test('ready -> rds with a finish recorded without a source mark is refused', async () => {
    const e = await environment('ready');
    recordSync(e.env, { direction: 'forward', ok: true, at: '2026-11-29T23:10:00Z', source: 's', target: 't' }, e.stateDir);
    expect((await runCutover(e.options('rds', { sourceUrl: source.url }))).error).toMatch(/has no source mark, so a write since cannot be ruled out/);
  });

  test('ready -> rds is refused when the source took a write after finish, though the record says finish succeeded', async () => {
    const e = await environment('ready');
    const other = await shapeVercel(cluster(), { database: 'wrote_after' });
    await other.sql('CREATE TABLE public.plans (id int PRIMARY KEY)');
    await other.sql(`ALTER DATABASE wrote_after SET default_transaction_read_only = on`);
    recordSync(e.env, { direction: 'forward', ok: true, at: '2026-11-29T23:10:00Z', source: 's', target: 't', sourceMark: await markSource(other.url, 'vn_sync') }, e.stateDir);
    const app = new Client({ connectionString: other.url, ssl: false });
    await app.connect();
    await app.query('SET default_transaction_read_only = off');
    await app.query('INSERT INTO public.plans VALUES (1)');
    await app.end();
    const r = await runCutover(e.options('rds', { sourceUrl: other.url, settleMs: 0 }));
    expect(r.error).toMatch(/1 row\(s\) inserted, updated or deleted on the source since finish/);
    expect(e.stageInFile()).toBe('ready');
  });
});
