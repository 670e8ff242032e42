import { TerraformStack } from 'cdktf';
import { cidrContains } from '../../config';
import { DatabaseEndpoint, databaseReachOf } from '../reach';
import { blocks, listOf, nonCompliant, numberOf, ofTypes, PolicyContext, PolicyResource, PolicyRule, references, resolveInStack } from '../rule';

/** One rule of a security group, in one direction, normalised from the three ways Terraform writes them. */
interface Traffic {
  readonly protocol: unknown;
  readonly from: unknown;
  readonly to: unknown;
  /** IPv4 CIDRs. */
  readonly cidrs: string[];
  /** Referenced security groups (rendered references or literal ids). */
  readonly groups: string[];
}

const strings = (v: unknown): string[] => listOf(v).filter((x): x is string => typeof x === 'string');

/** Every rule of `sg` in one direction: inline blocks, aws_vpc_security_group_*_rule, aws_security_group_rule. */
function trafficOf(sg: PolicyResource, direction: 'ingress' | 'egress', context: PolicyContext): Traffic[] {
  const out: Traffic[] = blocks(sg.config[direction]).map((b) => ({ protocol: b.protocol, from: b.from_port, to: b.to_port, cidrs: strings(b.cidr_blocks), groups: strings(b.security_groups) }));
  for (const r of context.ofType(`aws_vpc_security_group_${direction}_rule`)) {
    if (!references(r.config.security_group_id, sg)) continue;
    out.push({ protocol: r.config.ip_protocol, from: r.config.from_port, to: r.config.to_port, cidrs: strings(r.config.cidr_ipv4), groups: strings(r.config.referenced_security_group_id) });
  }
  for (const r of context.ofType('aws_security_group_rule')) {
    if (r.config.type !== direction || !references(r.config.security_group_id, sg)) continue;
    out.push({ protocol: r.config.protocol, from: r.config.from_port, to: r.config.to_port, cidrs: strings(r.config.cidr_blocks), groups: strings(r.config.source_security_group_id) });
  }
  return out;
}

function admitsPort(t: Traffic, port: number): boolean {
  if (t.protocol === '-1' || t.protocol === -1 || t.protocol === 'all') return true;
  if (!(t.protocol === 'tcp' || t.protocol === '6' || t.protocol === 6)) return false;
  const from = numberOf(t.from);
  const to = numberOf(t.to);
  return typeof from === 'number' && typeof to === 'number' && from <= port && port <= to;
}

/** True when `group` (a rendered reference or id) names `sg`. */
function isGroup(group: string, sg: PolicyResource): boolean {
  return references(group, sg) || group === sg.config.id;
}

/** What keeps one endpoint out of reach of the task's groups, or undefined when it is reachable. */
function unreachable(endpoint: DatabaseEndpoint, taskGroups: PolicyResource[], stack: TerraformStack, context: PolicyContext): string | undefined {
  const egress = taskGroups.flatMap((sg) => trafficOf(sg, 'egress', context)).filter((t) => admitsPort(t, endpoint.port));
  if ('cidrs' in endpoint) {
    const missing = endpoint.cidrs.filter((c) => !egress.some((t) => t.cidrs.some((e) => cidrContains(e, c))));
    return missing.length ? `no egress on tcp ${endpoint.port} to ${missing.join(', ')} (${endpoint.name})` : undefined;
  }
  const target = context.ofType('aws_security_group').find((sg) => references(resolveInStack(stack, endpoint.securityGroupId), sg));
  if (!target) return `the security group of ${endpoint.name} is not a resource of this stack`;
  const out = egress.some((t) => t.groups.some((g) => isGroup(g, target)) || t.cidrs.includes('0.0.0.0/0'));
  if (!out) return `no egress on tcp ${endpoint.port} to ${target.address} (${endpoint.name})`;
  const inbound = trafficOf(target, 'ingress', context).filter((t) => admitsPort(t, endpoint.port));
  const admitted = inbound.some((t) => t.groups.some((g) => taskGroups.some((sg) => isGroup(g, sg))));
  return admitted ? undefined : `${target.address} (${endpoint.name}) admits no tcp ${endpoint.port} from the task's security groups`;
}

/**
 * A task whose database is not reachable never becomes healthy (or, for the runner, fails
 * its first connection): moto enforces no security group, so only this rule catches it.
 */
export const EcsTaskReachesDatabase: PolicyRule = {
  id: 'VN-ECS-3',
  level: 'error',
  description: 'ECS tasks can reach the database they are configured for: their security groups have egress to it on its port and, for a database in the VPC, its security group admits them.',
  fix: 'Add the egress rule to the task security group (the source: config environments.<env>.sourceDatabase.cidrs/port; RDS: a rule referencing the database security group) and the database ingress from the task group (Database.allowConnectionsFrom).',
  appliesTo: ofTypes('aws_ecs_task_definition'),
  check(task, context) {
    const declared = databaseReachOf(task.construct);
    if (declared.length === 0) return 'not-applicable';
    const stack = TerraformStack.of(task.construct);
    const services = context.ofType('aws_ecs_service').filter((s) => references(s.config.task_definition, task));
    const groupRefs = [
      ...services.flatMap((s) => blocks(s.config.network_configuration).flatMap((n) => strings(n.security_groups))),
      ...declared.flatMap((d) => (d.securityGroupIds ?? []).map((id) => resolveInStack(stack, id) as string)),
    ];
    const groups = context.ofType('aws_security_group').filter((sg) => groupRefs.some((g) => isGroup(g, sg)));
    if (groups.length === 0) return nonCompliant('the task has no security group of this stack (no ECS service runs it and none is declared)');
    const problems = declared.flatMap((d) => d.endpoints).map((e) => unreachable(e, groups, stack, context)).filter((p): p is string => p !== undefined);
    return problems.length ? nonCompliant(problems.join('; ')) : 'compliant';
  },
};
