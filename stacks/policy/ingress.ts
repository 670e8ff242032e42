/**
 * Ingress rules open to the internet, shared by the two ingress rules
 * (VN-EC2-1 and VN-EC2-2). Understands the four ways Terraform writes ingress:
 * inline `ingress` blocks (aws_security_group, aws_default_security_group),
 * aws_vpc_security_group_ingress_rule, and aws_security_group_rule type=ingress.
 */
import { blocks, listOf, numberOf, PolicyContext, PolicyResource, references } from './rule';

export const INGRESS_RESOURCE_TYPES = ['aws_security_group', 'aws_default_security_group', 'aws_vpc_security_group_ingress_rule', 'aws_security_group_rule'];

const OPEN_CIDRS = ['0.0.0.0/0', '::/0'];
/** Ports an internet-facing ALB may accept from anywhere. */
export const ALB_WEB_PORTS = [80, 443];

export interface OpenIngress {
  /** e.g. `tcp 443 from 0.0.0.0/0`. */
  readonly summary: string;
  /** True when this is tcp 80 or 443 on a security group an application load balancer uses. */
  readonly albWebPort: boolean;
}

function isTcp(protocol: unknown): boolean {
  return protocol === 'tcp' || protocol === '6' || protocol === 6;
}

function portRange(from: unknown, to: unknown, protocol: unknown): string {
  if (protocol === '-1' || protocol === -1 || protocol === 'all') return 'all traffic';
  const f = numberOf(from);
  const t = numberOf(to);
  return `${protocol ?? '?'} ${f === t ? f : `${f}-${t}`}`;
}

/** True when `sg` (an aws_security_group) is attached to an application load balancer of the stack. */
function usedByAlb(sg: PolicyResource | undefined, context: PolicyContext): boolean {
  if (!sg) return false;
  return context
    .ofType('aws_lb', 'aws_alb')
    .some((lb) => (lb.config.load_balancer_type ?? 'application') === 'application' && references(lb.config.security_groups, sg));
}

/** The security group a standalone rule attaches to, when it is a resource of this stack. */
function groupOf(rule: PolicyResource, context: PolicyContext): PolicyResource | undefined {
  return context.ofType('aws_security_group').find((sg) => references(rule.config.security_group_id, sg));
}

/** Every part of `resource` that admits 0.0.0.0/0 or ::/0. */
export function openIngress(resource: PolicyResource, context: PolicyContext): OpenIngress[] {
  const found: OpenIngress[] = [];
  const add = (cidrs: unknown[], from: unknown, to: unknown, protocol: unknown, sg: PolicyResource | undefined) => {
    for (const cidr of cidrs.filter((c) => typeof c === 'string' && OPEN_CIDRS.includes(c))) {
      const f = numberOf(from);
      const albWebPort = isTcp(protocol) && f === numberOf(to) && typeof f === 'number' && ALB_WEB_PORTS.includes(f) && usedByAlb(sg, context);
      found.push({ summary: `${portRange(from, to, protocol)} from ${cidr}`, albWebPort });
    }
  };
  const c = resource.config;
  switch (resource.type) {
    case 'aws_security_group':
    case 'aws_default_security_group':
      for (const b of blocks(c.ingress)) add([...listOf(b.cidr_blocks), ...listOf(b.ipv6_cidr_blocks)], b.from_port, b.to_port, b.protocol, resource);
      break;
    case 'aws_vpc_security_group_ingress_rule':
      add([c.cidr_ipv4, c.cidr_ipv6], c.from_port, c.to_port, c.ip_protocol, groupOf(resource, context));
      break;
    case 'aws_security_group_rule':
      if (c.type === 'ingress') add([...listOf(c.cidr_blocks), ...listOf(c.ipv6_cidr_blocks)], c.from_port, c.to_port, c.protocol, groupOf(resource, context));
      break;
  }
  return found;
}
