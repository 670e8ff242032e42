/**
 * The runner and the image tag flow in the synthesized stacks.
 */
import { loadConfig } from '../../stacks/config';
import { ConfigError } from '../../stacks/config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onlyResource, parseJsonAttr, refsIn, resourceNamed, resourcesOf, synthEnvironment, TfJson } from '../support/synth';

const runnerTask = (json: TfJson) => resourceNamed(json, 'aws_ecs_task_definition', 'runner');
const runnerContainer = (json: TfJson) => parseJsonAttr(runnerTask(json).container_definitions)[0];
const sgRules = (json: TfJson, type: string, sgFragment: string) =>
  Object.values(resourcesOf(json, type)).filter((r: any) => refsIn(r.security_group_id).some((ref) => ref.includes(sgFragment)));

describe('migration runner (on by default)', () => {
  const json = synthEnvironment({ environments: { production: { service: { imageTag: 'abc123' } } } });
  const container = runnerContainer(json);

  test('is a Fargate task definition of the toolkit image, tagged like the app', () => {
    expect(runnerTask(json)).toMatchObject({ family: 'venture-nudge-production-runner', requires_compatibilities: ['FARGATE'], network_mode: 'awsvpc', cpu: '1024', memory: '2048' });
    expect(container.name).toBe('toolkit');
    expect(container.image).toMatch(/^\$\{aws_ecr_repository\.toolkit-repository_[0-9A-F]{8}\.repository_url\}:abc123$/);
    expect(resourceNamed(json, 'aws_ecr_repository', 'toolkit')).toMatchObject({ name: 'venture-nudge-production-toolkit', image_tag_mutability: 'IMMUTABLE' });
  });

  test('gets the RDS credentials and the source URL (SSM) as secrets, and the CA bundle path, never a value', () => {
    const secrets = Object.fromEntries(container.secrets.map((s: any) => [s.name, s.valueFrom]));
    expect(secrets.PGUSER).toMatch(/master_user_secret\[0\]\.secret_arn\}:username::$/);
    expect(secrets.PGPASSWORD).toMatch(/master_user_secret\[0\]\.secret_arn\}:password::$/);
    expect(secrets.SOURCE_DATABASE_URL).toMatch(/^arn:aws:ssm:us-east-1:\$\{.*\}:parameter\/venture-nudge\/migration-production\/SOURCE_DATABASE_URL$/);
    const env = Object.fromEntries(container.environment.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ PGDATABASE: 'venturenudge', PGPORT: '5432', PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/app/certs/rds-global-bundle.pem' });
    expect(Object.keys(env)).not.toEqual(expect.arrayContaining(['PGPASSWORD', 'SOURCE_DATABASE_URL', 'TARGET_DATABASE_URL']));
  });

  test('writes to its own KMS-encrypted log group', () => {
    const group = resourceNamed(json, 'aws_cloudwatch_log_group', 'runner');
    expect(group).toMatchObject({ name: '/ecs/venture-nudge-production-runner', retention_in_days: 30 });
    expect(refsIn(group.kms_key_id)[0]).toMatch(/aws_kms_key\./);
    expect(container.logConfiguration.options).toMatchObject({ 'awslogs-stream-prefix': 'runner' });
    expect(refsIn(container.logConfiguration.options['awslogs-group'])[0]).toMatch(/aws_cloudwatch_log_group\.runner_logs/);
  });

  test('has ECS Exec ready: init process, the ssmmessages channel on its task role, writable agent paths on a read-only root', () => {
    expect(container.linuxParameters).toEqual({ initProcessEnabled: true });
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(container.mountPoints.map((m: any) => m.containerPath)).toEqual(['/tmp', '/managed-agents', '/var/lib/amazon/ssm', '/var/log/amazon/ssm']);
    const exec = parseJsonAttr(resourceNamed(json, 'aws_iam_role_policy', 'runner_task-exec').policy);
    expect(exec.Statement[0].Action).toEqual(['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel']);
  });

  test('its execution role reads only the source-URL parameter, the database secret and its own repository', () => {
    const st = parseJsonAttr(resourceNamed(json, 'aws_iam_role_policy', 'runner_execution-policy').policy).Statement;
    const bySid = Object.fromEntries(st.map((s: any) => [s.Sid, s]));
    expect(bySid.SourceUrl.Resource).toMatch(/:parameter\/venture-nudge\/migration-production\/SOURCE_DATABASE_URL$/);
    expect(bySid.DatabaseSecret.Resource).toMatch(/master_user_secret/);
    expect(refsIn(bySid.EcrPull.Resource)[0]).toMatch(/^\$\{aws_ecr_repository\.toolkit-repository_[0-9A-F]{8}\.arn\}$/);
  });

  test('its security group has no ingress, and egress 5432 to the database group and to the source, 443 for AWS APIs', () => {
    expect(sgRules(json, 'aws_vpc_security_group_ingress_rule', 'runner_sg')).toEqual([]);
    const egress = sgRules(json, 'aws_vpc_security_group_egress_rule', 'runner_sg').map((r: any) => ({ port: r.from_port, to: r.cidr_ipv4 ?? refsIn(r.referenced_security_group_id)[0] }));
    expect(egress).toEqual(
      expect.arrayContaining([
        { port: 5432, to: expect.stringMatching(/aws_security_group\.database_sg_.*\.id/) },
        { port: 5432, to: '0.0.0.0/0' },
        { port: 443, to: '0.0.0.0/0' },
      ]),
    );
    expect(egress).toHaveLength(3);
  });

  test('the database security group admits 5432 from the runner group', () => {
    const ingress = sgRules(json, 'aws_vpc_security_group_ingress_rule', 'database_sg').filter((r: any) => refsIn(r.referenced_security_group_id).some((x) => x.includes('runner_sg')));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ from_port: 5432, to_port: 5432, ip_protocol: 'tcp' });
  });

  test('the migration_runner output names what npm run remote needs', () => {
    const value = json.output.migration_runner.value as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['cluster', 'container', 'log_group', 'log_stream_prefix', 'region', 'security_groups', 'source_url_parameter', 'subnets', 'task_definition']);
    expect(value.container).toBe('toolkit');
    expect(refsIn(value.subnets).length).toBeGreaterThanOrEqual(2);
    expect(refsIn(value.security_groups)[0]).toMatch(/runner_sg/);
  });

  test('runner.sourceCidrs narrows the source egress', () => {
    const narrow = synthEnvironment({ environments: { production: { service: { imageTag: 'abc123' }, runner: { sourceCidrs: ['203.0.113.0/24', '198.51.100.7/32'] } } } });
    const cidrs = sgRules(narrow, 'aws_vpc_security_group_egress_rule', 'runner_sg').filter((r: any) => r.from_port === 5432 && r.cidr_ipv4).map((r: any) => r.cidr_ipv4);
    expect(cidrs.sort()).toEqual(['198.51.100.7/32', '203.0.113.0/24']);
  });

  test('runner.enabled: false leaves out the runner, its repository and its output', () => {
    const off = synthEnvironment({ environments: { production: { runner: { enabled: false } } } });
    expect(Object.keys(resourcesOf(off, 'aws_ecs_task_definition'))).toHaveLength(1);
    expect(Object.keys(resourcesOf(off, 'aws_ecr_repository'))).toHaveLength(1);
    expect(off.output.migration_runner).toBeUndefined();
  });

  test('an invalid runner size fails the config, naming the field', () => {
    expect(() => synthEnvironment({ environments: { production: { runner: { cpu: 1024, memory: 512 } } } })).toThrow(/environments\.production\.runner\.memory: 512 MiB is not valid with cpu 1024/);
  });
});

// The GitHub deploy and plan roles: __tests__/runner/github-deploy.test.ts.

describe('image tag flow', () => {
  test('without a tag the stack bootstraps: 0 tasks, a never-pulled tag, and a guard against running services', () => {
    const json = synthEnvironment();
    const service = onlyResource(json, 'aws_ecs_service');
    expect(service.desired_count).toBe(0);
    expect(parseJsonAttr(resourceNamed(json, 'aws_ecs_task_definition', 'service').container_definitions)[0].image).toMatch(/:bootstrap$/);
    expect(service.lifecycle.postcondition).toEqual([{ condition: '${self.desired_count == 0}', error_message: expect.stringMatching(/already runs tasks: set IMAGE_TAG_<ENV>/) }]);
    expect(json.output.image_tag.value).toBe('bootstrap');
  });

  test('with a tag the service runs its floor and no guard', () => {
    const json = synthEnvironment({ environments: { production: { service: { imageTag: 'abc123' } } } });
    const service = onlyResource(json, 'aws_ecs_service');
    expect(service.desired_count).toBe(2);
    expect(service.lifecycle.postcondition).toBeUndefined();
    expect(onlyResource(json, 'aws_appautoscaling_target').min_capacity).toBe(2);
    expect(parseJsonAttr(resourceNamed(json, 'aws_ecs_task_definition', 'service').container_definitions)[0].image).toMatch(/:abc123$/);
  });

  test('"latest" is refused with the reason and the fix', () => {
    expect(() => synthEnvironment({ environments: { production: { service: { imageTag: 'latest' } } } })).toThrow(ConfigError);
    expect(() => synthEnvironment({ environments: { production: { service: { imageTag: 'latest' } } } })).toThrow(/environments\.production\.service\.imageTag: "latest" cannot be pushed twice to an IMMUTABLE repository/);
  });

  test('IMAGE_TAG_<ENV> sets one environment only, and wins over IMAGE_TAG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-tags-'));
    const one = loadConfig({ IMAGE_TAG_STAGING: 'st-1' }, dir);
    expect(one.environments.staging.service.imageTag).toBe('st-1');
    expect(one.environments.production.service.imageTag).toBeUndefined();
    const both = loadConfig({ IMAGE_TAG: 'all-1', IMAGE_TAG_PRODUCTION: 'prod-9' }, dir);
    expect(both.environments.production.service.imageTag).toBe('prod-9');
    expect(both.environments.staging.service.imageTag).toBe('all-1');
  });
});
