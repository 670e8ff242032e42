import { TerraformStack, Testing } from 'cdktf';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { CUTOVER_STAGES, resolveConfig } from '../../stacks/config';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { delegated } from '../support/synth';
import { evaluatePolicy } from '../../stacks/policy';
import { declareDatabaseReach, DatabaseEndpoint } from '../../stacks/policy/reach';
import { EcsTaskReachesDatabase } from '../../stacks/policy/rules/ecs-task-reaches-database';
import { details, flagged } from './support';

interface Build {
  /** Egress of the task group: a CIDR or 'db' (the database group), with a port. */
  egress: { to: string; port: number }[];
  /** The database group admits the task group. @default true */
  dbIngress?: boolean;
  endpoint: 'rds' | { cidrs: string[]; port: number };
  /** Run by an ECS service (its network configuration names the group) or declared (RunTask). */
  via: 'service' | 'declared';
}

const build = (b: Build) => (stack: TerraformStack) => {
  const task = new EcsTaskDefinition(stack, 'task', { family: 'app', containerDefinitions: '[]' });
  const sg = new SecurityGroup(stack, 'task-sg', { name: 'task' });
  const db = new SecurityGroup(stack, 'db-sg', { name: 'db' });
  b.egress.forEach((e, i) =>
    new VpcSecurityGroupEgressRule(stack, `out-${i}`, { securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: e.port, toPort: e.port, ...(e.to === 'db' ? { referencedSecurityGroupId: db.id } : { cidrIpv4: e.to }) }),
  );
  if (b.dbIngress ?? true) new VpcSecurityGroupIngressRule(stack, 'db-in', { securityGroupId: db.id, referencedSecurityGroupId: sg.id, ipProtocol: 'tcp', fromPort: 5432, toPort: 5432 });
  const endpoint: DatabaseEndpoint = b.endpoint === 'rds' ? { name: 'RDS', securityGroupId: db.id, port: 5432 } : { name: 'the source', ...b.endpoint };
  declareDatabaseReach(task, { securityGroupIds: b.via === 'declared' ? [sg.id] : [], endpoints: [endpoint] });
  if (b.via === 'service') new EcsService(stack, 'service', { name: 'app', taskDefinition: task.arn, networkConfiguration: { subnets: ['subnet-1'], securityGroups: [sg.id] } });
};

const SOURCE = { cidrs: ['0.0.0.0/0'], port: 5432 };

describe('VN-ECS-3 tasks reach the database they are configured for', () => {
  test('a service task configured for the source, with 5432 egress to anywhere, passes', () =>
    expect(flagged(EcsTaskReachesDatabase, build({ egress: [{ to: '0.0.0.0/0', port: 5432 }], endpoint: SOURCE, via: 'service' }))).toEqual([]));

  test('a service task configured for the source but with egress only to the RDS group is reported', () =>
    expect(details(EcsTaskReachesDatabase, build({ egress: [{ to: 'db', port: 5432 }], endpoint: SOURCE, via: 'service' }))).toEqual(['no egress on tcp 5432 to 0.0.0.0/0 (the source)']));

  test('egress on the wrong port does not reach the source', () =>
    expect(flagged(EcsTaskReachesDatabase, build({ egress: [{ to: '0.0.0.0/0', port: 5432 }], endpoint: { cidrs: ['203.0.113.0/24'], port: 6543 }, via: 'service' }))).toEqual(['aws_ecs_task_definition.task']));

  test('egress to a CIDR that contains the source passes', () =>
    expect(flagged(EcsTaskReachesDatabase, build({ egress: [{ to: '203.0.0.0/16', port: 5432 }], endpoint: { cidrs: ['203.0.113.0/24'], port: 5432 }, via: 'service' }))).toEqual([]));

  test('a task configured for RDS with egress to its group, admitted by it, passes', () =>
    expect(flagged(EcsTaskReachesDatabase, build({ egress: [{ to: 'db', port: 5432 }], endpoint: 'rds', via: 'service' }))).toEqual([]));

  test('a task configured for RDS whose group RDS does not admit is reported', () =>
    expect(details(EcsTaskReachesDatabase, build({ egress: [{ to: 'db', port: 5432 }], dbIngress: false, endpoint: 'rds', via: 'service' }))).toEqual([
      'aws_security_group.db-sg (RDS) admits no tcp 5432 from the task\'s security groups',
    ]));

  test('a task configured for RDS with egress only to the source is reported', () =>
    expect(details(EcsTaskReachesDatabase, build({ egress: [{ to: '203.0.113.0/24', port: 5432 }], endpoint: 'rds', via: 'service' }))).toEqual(['no egress on tcp 5432 to aws_security_group.db-sg (RDS)']));

  test('a task run on demand is checked with the security groups it declares', () =>
    expect(flagged(EcsTaskReachesDatabase, build({ egress: [{ to: 'db', port: 5432 }], endpoint: SOURCE, via: 'declared' }))).toEqual(['aws_ecs_task_definition.task']));

  test('a task definition that declares nothing is not checked', () =>
    expect(flagged(EcsTaskReachesDatabase, (s) => new EcsTaskDefinition(s, 'task', { family: 'app', containerDefinitions: '[]' }))).toEqual([]));
});

describe('VN-ECS-3 on the real stacks', () => {
  test.each(CUTOVER_STAGES)('production at stage %s: the app and the runner reach their databases', (stage) => {
    const config = resolveConfig(delegated({ environments: { production: { service: { imageTag: 'abc123' }, cutover: { stage } } } }));
    const report = evaluatePolicy(new EnvironmentStack(Testing.app(), 'production', { config, environment: 'production', policy: false }), { environment: 'production', rules: [EcsTaskReachesDatabase] });
    expect(report.errors.map((f) => f.message)).toEqual([]);
  });
});
