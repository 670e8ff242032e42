import { onlyResource, parseJsonAttr, refsIn, resourceNamed, resourcesOf, synthEnvironment } from '../support/synth';

// A deployed tag (without one the stack bootstraps with 0 tasks: __tests__/runner/stack.test.ts), and
// the runner off so the app's task definition is the only one.
const TAGGED = { service: { imageTag: 'abc123' }, runner: { enabled: false } };

describe('Service', () => {
  const json = synthEnvironment({ environments: { production: TAGGED } });
  const task = onlyResource(json, 'aws_ecs_task_definition');
  const [container] = parseJsonAttr(task.container_definitions);
  const service = onlyResource(json, 'aws_ecs_service');

  test('cluster is named per the guide and has container insights on', () => {
    expect(onlyResource(json, 'aws_ecs_cluster')).toMatchObject({ name: 'venture-nudge-production', setting: [{ name: 'containerInsights', value: 'enabled' }] });
  });

  test('task is Fargate with 2 vCPU and 4 GB', () => {
    expect(task).toMatchObject({ requires_compatibilities: ['FARGATE'], network_mode: 'awsvpc', cpu: '2048', memory: '4096' });
  });

  test('container reads each configured secret from SSM under /venture-nudge/production/', () => {
    const ssm = container.secrets.filter((s: any) => s.valueFrom.includes(':parameter/') && !/:parameter\/venture-nudge\/production\/SOURCE_/.test(s.valueFrom));
    expect(ssm.map((s: any) => s.name)).toEqual(['OPENAI_API_KEY', 'TAVILY_API_KEY', 'AGORA_APP_ID', 'AGORA_APP_CERTIFICATE', 'NEXTAUTH_SECRET']);
    for (const s of ssm) expect(s.valueFrom).toMatch(new RegExp(`^arn:aws:ssm:us-east-1:.+:parameter/venture-nudge/production/${s.name}$`));
  });

  test('at a web stage the container gets the source database (URL and PG*) from SSM SecureStrings', () => {
    const byName = Object.fromEntries(container.secrets.map((s: any) => [s.name, s.valueFrom]));
    expect(byName.DATABASE_URL).toMatch(/:parameter\/venture-nudge\/production\/SOURCE_DATABASE_URL$/);
    expect(byName.POSTGRES_URL).toBe(byName.DATABASE_URL);
    for (const v of ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD']) expect(byName[v]).toMatch(new RegExp(`:parameter/venture-nudge/production/SOURCE_${v}$`));
  });

  test('container environment carries no secret values and no database address', () => {
    const env = Object.fromEntries(container.environment.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ NODE_ENV: 'production', PORT: '3000', PGSSLMODE: 'require' });
    for (const v of ['PGPASSWORD', 'PGUSER', 'PGHOST', 'DATABASE_URL', 'POSTGRES_URL']) expect(Object.keys(env)).not.toContain(v);
  });

  test('execution role may read only the app SSM path (no database secret at a web stage)', () => {
    const policy = parseJsonAttr(resourceNamed(json, 'aws_iam_role_policy', 'execution-secrets').policy);
    const byAction = Object.fromEntries(policy.Statement.map((s: any) => [s.Action[0], s.Resource]));
    expect(byAction['ssm:GetParameters']).toMatch(/:parameter\/venture-nudge\/production\/\*$/);
    expect(byAction['secretsmanager:GetSecretValue']).toBeUndefined();
  });

  test('container has a read-only root filesystem with writable /tmp and Next.js cache', () => {
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(container.mountPoints.map((m: any) => m.containerPath)).toEqual(['/tmp', '/app/.next/cache']);
  });

  test('the app runs as uid 1001 and waits until its writable volumes are handed to that uid', () => {
    expect(container.user).toBe('1001');
    expect(container.dependsOn).toEqual([{ containerName: 'volume-permissions', condition: 'SUCCESS' }]);
    const [, init] = parseJsonAttr(task.container_definitions);
    expect(init).toMatchObject({ name: 'volume-permissions', essential: false, user: '0', readonlyRootFilesystem: true });
    expect(init.mountPoints).toEqual(container.mountPoints);
    expect(init.command[0]).toMatch(/^chown 1001:1001 \/tmp \/app\/\.next\/cache/);
  });

  test('without a read-only root filesystem there is no volume hand-over container', () => {
    const rw = synthEnvironment({ environments: { production: { service: { readonlyRootFilesystem: false }, runner: { enabled: false } } } });
    const defs = parseJsonAttr(onlyResource(rw, 'aws_ecs_task_definition').container_definitions);
    expect(defs.map((d: any) => d.name)).toEqual(['app']);
    expect(defs[0].dependsOn).toBeUndefined();
  });

  test('execution role pulls from its own repository and writes to its own log group, not to *', () => {
    expect(Object.values(resourcesOf(json, 'aws_iam_role_policy_attachment')).map((a) => a.policy_arn)).not.toContain('arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy');
    const policy = parseJsonAttr(resourceNamed(json, 'aws_iam_role_policy', 'execution-pull-and-log').policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    expect(bySid.EcrPull.Resource).toMatch(/aws_ecr_repository\.repository_.*\.arn/);
    expect(bySid.Logs.Resource).toMatch(/aws_cloudwatch_log_group\.service_logs_.*\.arn\}:log-stream:\*$/);
    // Only the token call, which has no resource, stays on *.
    const wildcard = policy.Statement.filter((s: any) => s.Resource === '*').flatMap((s: any) => s.Action);
    expect(wildcard).toEqual(['ecr:GetAuthorizationToken']);
  });

  test('its security group has a name prefix, so a replacement does not fail with InvalidGroup.Duplicate', () => {
    const sg = resourceNamed(json, 'aws_security_group', 'service_sg');
    expect(sg).not.toHaveProperty('name');
    expect(sg).toMatchObject({ name_prefix: 'venture-nudge-production-service-', lifecycle: { create_before_destroy: true } });
  });

  test('logs go to a log group with a retention', () => {
    const group = Object.values(resourcesOf(json, 'aws_cloudwatch_log_group')).find((g) => g.name === '/ecs/venture-nudge-production');
    expect(group.retention_in_days).toBe(30);
    expect(container.logConfiguration.options['awslogs-group']).toMatch(/aws_cloudwatch_log_group\.service_logs/);
  });

  test('service rolls back failed deployments and leaves desired_count to the autoscaler', () => {
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(service.lifecycle.ignore_changes).toEqual(['desired_count']);
    expect(service.desired_count).toBe(2);
  });

  test('service runs in private subnets without public IPs', () => {
    expect(service.network_configuration.assign_public_ip).toBe(false);
    expect(refsIn(service.network_configuration.subnets).every((r) => r.includes('network_private'))).toBe(true);
  });

  test('service waits for the listener that attaches its target group', () => {
    expect(service.depends_on.some((d: string) => d.startsWith('aws_lb_listener'))).toBe(true);
  });

  test('autoscaling keeps between 2 and 10 tasks with CPU target tracking', () => {
    expect(onlyResource(json, 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 2, max_capacity: 10, scalable_dimension: 'ecs:service:DesiredCount' });
    const cpu = resourceNamed(json, 'aws_appautoscaling_policy', 'scale-on-cpu');
    expect(cpu.target_tracking_scaling_policy_configuration).toMatchObject({ target_value: 60, predefined_metric_specification: { predefined_metric_type: 'ECSServiceAverageCPUUtilization' } });
  });

  test('autoscaling also tracks ALB requests per task', () => {
    const req = resourceNamed(json, 'aws_appautoscaling_policy', 'scale-on-requests');
    expect(req.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type).toBe('ALBRequestCountPerTarget');
  });

  test('tasks accept the container port only from the load balancer', () => {
    const rule = resourceNamed(json, 'aws_vpc_security_group_ingress_rule', 'service_from-alb');
    expect(rule).toMatchObject({ from_port: 3000, to_port: 3000 });
    expect(rule.referenced_security_group_id).toMatch(/aws_security_group\.load-balancer_sg/);
  });

  // Was: 5432 only to the RDS group at every stage, while the web stages' settings point at Vercel Postgres (issue 19).
  test('at a web stage tasks reach PostgreSQL only at the source (through NAT), not at the database security group', () => {
    const egress = Object.entries(resourcesOf(json, 'aws_vpc_security_group_egress_rule')).filter(([id]) => id.startsWith('service_'));
    const postgres = egress.filter(([, r]) => r.from_port !== 443).map(([, r]) => r);
    expect(postgres).toEqual([expect.objectContaining({ cidr_ipv4: '0.0.0.0/0', from_port: 5432, to_port: 5432, ip_protocol: 'tcp' })]);
    expect(postgres[0]).not.toHaveProperty('referenced_security_group_id');
  });

  test('a staging task of 1 vCPU / 2 GB scales between 1 and 2', () => {
    const staging = synthEnvironment({ environments: { staging: TAGGED } }, 'staging');
    expect(onlyResource(staging, 'aws_ecs_task_definition')).toMatchObject({ cpu: '1024', memory: '2048' });
    expect(onlyResource(staging, 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 1, max_capacity: 2 });
  });
});

describe('AutoscaledService on its own', () => {
  const { TerraformStack, Testing } = require('cdktf') as typeof import('cdktf');
  const { AutoscaledService } = require('../../stacks/service') as typeof import('../../stacks/service');
  const props = {
    namePrefix: 'demo', serviceName: 'demo-service', region: 'us-east-1', accountId: '123456789012',
    image: { repositoryUrl: '123456789012.dkr.ecr.us-east-1.amazonaws.com/demo', repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/demo', tag: 'abc123' },
    vpcId: 'vpc-1', subnetIds: ['subnet-1'], loadBalancerSecurityGroupId: 'sg-alb', targetGroupArn: 'arn:tg',
    database: { port: 5432, securityGroupId: 'sg-db', source: { cidrs: ['0.0.0.0/0'], port: 5432 }, settings: { databaseOfRecord: 'source' as const, environment: { PGSSLMODE: 'require' }, secrets: [] }, secretArns: [] },
    ssmPath: '/demo/', ssmSecrets: [], environment: { NODE_ENV: 'production' },
    cpu: 256, memory: 512, minTasks: 1, maxTasks: 2, cpuTargetPercent: 60, requestsPerTarget: 0, containerPort: 3000, logRetentionDays: 7, readonlyRootFilesystem: true,
  };
  const build = (over: Partial<typeof props>) => {
    const stack = new TerraformStack(Testing.app(), 'svc');
    new AutoscaledService(stack, 'service', { ...props, ...over });
    return JSON.parse(Testing.synth(stack));
  };

  test('runs the image tag it is given', () => {
    const [c] = parseJsonAttr(onlyResource(build({}), 'aws_ecs_task_definition').container_definitions);
    expect(c.image).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/demo:abc123');
  });

  test('rejects a CPU/memory pair Fargate does not offer, with the same message as the config', () => {
    expect(() => build({ cpu: 256, memory: 4096 })).toThrow(/memory: 4096 MiB is not valid with cpu 256/);
  });
});
