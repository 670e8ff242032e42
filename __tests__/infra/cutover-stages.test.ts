/**
 * One writer at every stage, in the synthesized JSON: at web stages no app task definition
 * references the RDS instance or its secrets; at ready, rds and rds-only a second service reads the
 * app role's secret (never the master secret), and at rds-only the source side runs no task; the listener sends every request to exactly one of the
 * two services' target groups, the one of the database of record; unsafe combinations fail at
 * synth, saying why.
 */
import { ConfigError, type ConfigInput } from '../../stacks/config';
import { onlyResource, parseJsonAttr, refsIn, resourceNamed, resourcesOf, synthEnvironment, type TfJson } from '../support/synth';

const at = (stage: string, extra: Record<string, unknown> = {}): TfJson => synthEnvironment({ environments: { production: { cutover: { stage }, ...extra } } } as ConfigInput);

/** The app's task definition of one side (the migration runner has its own, which is the toolkit's, not the app's). */
function appTask(json: TfJson, side: 'source' | 'rds' = 'source') {
  const family = side === 'rds' ? 'venture-nudge-production-rds-task' : 'venture-nudge-production-task';
  const tasks = Object.values(resourcesOf(json, 'aws_ecs_task_definition')).filter((t) => t.family === family && parseJsonAttr(t.container_definitions).some((d: { name: string }) => d.name === 'app'));
  if (tasks.length !== 1) throw new Error(`expected one app task definition of family ${family}, found ${tasks.length}`);
  return tasks[0];
}

function appContainer(json: TfJson, side: 'source' | 'rds' = 'source') {
  return parseJsonAttr(appTask(json, side).container_definitions).find((d: { name: string }) => d.name === 'app');
}

/** The listener rule's forward weights by service (target group -> the service that registers in it). */
function listenerWeightsByService(json: TfJson): Record<string, number> {
  const rule = resourceNamed(json, 'aws_lb_listener_rule', 'from-cloudfront');
  const services = Object.values(resourcesOf(json, 'aws_ecs_service'));
  const groups: { arn: string; weight: number }[] = rule.action[0].forward?.target_group ?? [{ arn: rule.action[0].target_group_arn, weight: 100 }];
  return Object.fromEntries(groups.map((g) => [services.find((s) => s.load_balancer[0].target_group_arn === g.arn)!.name, g.weight]));
}

const DATABASE_VARS = ['DATABASE_URL', 'POSTGRES_URL', 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD'];

/** Each service's autoscaling range, `min..max`, by service name. */
function taskRanges(json: TfJson): Record<string, string> {
  const targets = Object.values(resourcesOf(json, 'aws_appautoscaling_target'));
  // resource_id is service/<cluster>/${aws_ecs_service.<id>.name}
  return Object.fromEntries(
    Object.entries(resourcesOf(json, 'aws_ecs_service')).map(([id, s]) => {
      const t = targets.filter((x) => String(x.resource_id).includes(`aws_ecs_service.${id}.name`));
      if (t.length !== 1) throw new Error(`expected one scalable target of service ${s.name}, found ${t.length}`);
      return [s.name, `${t[0].min_capacity}..${t[0].max_capacity}`];
    }),
  );
}

const BOTH = ['ready', 'rds', 'rds-only'];
/** With an image tag: a service out of bootstrap registers its scalable target. */
const TAGGED = { service: { imageTag: 'abc123' } };

describe.each(['vercel', 'canary', '25', '50', 'aws', 'ready', 'rds', 'rds-only', 'rollback'])('at stage %s, one writer behind the listener', (stage) => {
  const json = at(stage);
  const onRds = stage === 'rds' || stage === 'rds-only';

  test('the listener sends every request to one service, the one whose settings name the database of record', () => {
    const weights = listenerWeightsByService(json);
    const taking = Object.entries(weights).filter(([, w]) => w > 0);
    expect(taking).toHaveLength(1);
    expect(taking[0]).toEqual([onRds ? 'venture-nudge-service-rds' : 'venture-nudge-service', 100]);
  });

  test(`${BOTH.includes(stage) ? 'two services are defined: the source side and the RDS side' : 'one service is defined: the source side'}`, () => {
    const names = Object.values(resourcesOf(json, 'aws_ecs_service')).map((s) => s.name).sort();
    expect(names).toEqual(BOTH.includes(stage) ? ['venture-nudge-service', 'venture-nudge-service-rds'] : ['venture-nudge-service']);
  });

  test(`${stage === 'rds-only' ? 'the source side scales within 0..0 (no task), the RDS side within the config\'s 2..10' : 'every service scales within the config\'s 2..10'}`, () => {
    const ranges = taskRanges(at(stage, TAGGED));
    expect(ranges).toEqual({
      'venture-nudge-service': stage === 'rds-only' ? '0..0' : '2..10',
      ...(BOTH.includes(stage) ? { 'venture-nudge-service-rds': '2..10' } : {}),
    });
  });

  test('the source-side service reads the source at every stage', () => {
    const secrets = Object.fromEntries(appContainer(json).secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]));
    for (const v of DATABASE_VARS) expect(secrets[v]).toMatch(/:parameter\/venture-nudge\/production\/SOURCE_/);
  });
});

test('ready -> rds changes only the listener weights, the alarms and the outputs that follow the service taking requests', () => {
  const before = at('ready');
  const after = at('rds');
  const changed: string[] = [];
  for (const type of new Set([...Object.keys(before.resource), ...Object.keys(after.resource)])) {
    const a = resourcesOf(before, type);
    const b = resourcesOf(after, type);
    for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) if (JSON.stringify(a[id]) !== JSON.stringify(b[id])) changed.push(type);
  }
  expect([...new Set(changed)].sort()).toEqual(['aws_cloudwatch_dashboard', 'aws_cloudwatch_metric_alarm', 'aws_lb_listener_rule']);
});

test('rds -> rds-only changes only the source side\'s autoscaling range and its service\'s initial count: no listener weight, no database setting', () => {
  const before = at('rds', TAGGED);
  const after = at('rds-only', TAGGED);
  const changed: string[] = [];
  for (const type of new Set([...Object.keys(before.resource), ...Object.keys(after.resource)])) {
    const a = resourcesOf(before, type);
    const b = resourcesOf(after, type);
    for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) if (JSON.stringify(a[id]) !== JSON.stringify(b[id])) changed.push(`${type}.${id}`);
  }
  // and the budget, whose alerts follow the cost estimate: the source side's tasks priced at 0
  expect(changed.sort()).toEqual([expect.stringMatching(/^aws_appautoscaling_target\.service_scaling-target/), expect.stringMatching(/^aws_budgets_budget\.observability_budget/), expect.stringMatching(/^aws_ecs_service\.service_[0-9A-F]{8}$/)]);
  const budget = (j: TfJson) => Number(Object.values(resourcesOf(j, 'aws_budgets_budget'))[0].limit_amount);
  expect(budget(after)).toBeLessThan(budget(before));
  const service = Object.values(resourcesOf(after, 'aws_ecs_service')).find((s) => s.name === 'venture-nudge-service')!;
  expect(service.desired_count).toBe(0);
  expect(service.lifecycle.ignore_changes).toContain('desired_count');
});

describe.each(['vercel', 'canary', '25', '50', 'aws', 'rollback'])('web stage %s', (stage) => {
  const json = at(stage);
  const task = appTask(json);

  test('no app task definition references the RDS instance or any Secrets Manager secret', () => {
    const refs = refsIn(task);
    expect(refs.filter((r) => /aws_db_instance|aws_secretsmanager_secret/.test(r))).toEqual([]);
    expect(JSON.stringify(task)).not.toMatch(/master_user_secret|app-database/);
  });

  test('every database variable comes from the SSM SOURCE_* SecureStrings', () => {
    const secrets = Object.fromEntries(appContainer(json).secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]));
    for (const v of DATABASE_VARS) expect(secrets[v]).toMatch(/:parameter\/venture-nudge\/production\/SOURCE_/);
  });

  test('the execution role cannot read the RDS secrets', () => {
    const policy = resourceNamed(json, 'aws_iam_role_policy', 'execution-secrets').policy;
    expect(policy).not.toMatch(/secretsmanager|master_user_secret/);
  });
});

describe.each(['ready', 'rds'])('stage %s, the RDS-side service', (stage) => {
  const json = at(stage);
  const task = appTask(json, 'rds');
  const secretIds = Object.keys(resourcesOf(json, 'aws_secretsmanager_secret'));

  test('the app task definition reads every database variable from the app role secret', () => {
    const appSecret = secretIds.find((id) => id.includes('app-secret'));
    expect(appSecret).toBeDefined();
    const secrets = Object.fromEntries(appContainer(json, 'rds').secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]));
    for (const v of DATABASE_VARS) expect(secrets[v]).toContain(`aws_secretsmanager_secret.${appSecret}.arn`);
    expect(secrets.DATABASE_URL).toMatch(/:url::$/);
    expect(secrets.PGPASSWORD).toMatch(/:password::$/);
  });

  test('never the RDS master secret, which rotates every 7 days under running tasks', () => {
    expect(JSON.stringify(task)).not.toMatch(/master_user_secret/);
  });

  test('TLS is verified against the RDS CA bundle', () => {
    const env = Object.fromEntries(appContainer(json, 'rds').environment.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ PGSSLMODE: 'verify-full', NODE_EXTRA_CA_CERTS: '/app/certs/rds-global-bundle.pem' });
  });

  test('the execution role may read the app secret and nothing else of Secrets Manager', () => {
    const policy = parseJsonAttr(resourceNamed(json, 'aws_iam_role_policy', 'service-rds_execution-secrets').policy);
    const statement = policy.Statement.find((s: { Sid: string }) => s.Sid === 'DatabaseSecret');
    expect(statement.Resource).toHaveLength(1);
    expect(statement.Resource[0]).toMatch(/aws_secretsmanager_secret\..*app-secret.*\.arn/);
  });

  test('the app secret has no rotation and holds no value in the JSON', () => {
    expect(Object.keys(resourcesOf(json, 'aws_secretsmanager_secret_rotation'))).toEqual([]);
    expect(Object.keys(resourcesOf(json, 'aws_secretsmanager_secret_version'))).toEqual([]);
    expect(onlyResource(json, 'aws_secretsmanager_secret')).toMatchObject({ name: 'venture-nudge-production/app-database' });
  });
});

describe('unsafe combinations fail at synth', () => {
  test('stage rds with Vercel still weighted: two databases would take writes', () => {
    expect(() => at('rds', { cutover: { stage: 'rds', weights: { aws: 50, vercel: 50 } } })).toThrow(ConfigError);
    expect(() => at('rds', { cutover: { stage: 'rds', weights: { aws: 50, vercel: 50 } } })).toThrow(/vercel weight 50 .* two databases would take writes/);
  });

  test('a database variable set by hand would bypass the stage: rejected', () => {
    expect(() => at('aws', { service: { environment: { NODE_ENV: 'production', DATABASE_URL: 'postgres://x' } } })).toThrow(/DATABASE_URL is set by the stack from the cutover stage's database of record/);
    expect(() => at('aws', { service: { ssmSecrets: ['POSTGRES_URL'] } })).toThrow(/POSTGRES_URL is set by the stack/);
  });
});

test('logicalReplication sets rds.logical_replication = 1, applied at the next reboot', () => {
  const params = onlyResource(synthEnvironment({ environments: { production: { database: { logicalReplication: true } } } } as ConfigInput), 'aws_db_parameter_group').parameter;
  expect(params).toContainEqual({ name: 'rds.logical_replication', value: '1', apply_method: 'pending-reboot' });
  const off = onlyResource(synthEnvironment(), 'aws_db_parameter_group').parameter;
  expect(off.map((p: { name: string }) => p.name)).not.toContain('rds.logical_replication');
});
