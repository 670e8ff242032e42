import { blocks, isUnknown, listOf, nonCompliant, ofTypes, PolicyContext, PolicyResource, PolicyRule, references } from '../rule';

/** Default quota of inbound (and, separately, outbound) rules per security group, per IP version. */
export const RULES_PER_SECURITY_GROUP = 60;

/**
 * Max entries of AWS-managed prefix lists, which is what a reference to one counts
 * against the quota. The CloudFront origin-facing list weighs 55 in every region.
 */
export const PREFIX_LIST_WEIGHTS: Readonly<Record<string, number>> = {
  'pl-3b927c52': 55, // com.amazonaws.global.cloudfront.origin-facing, us-east-1
};

/** Weight assumed for a literal prefix list id the pack does not know: the CloudFront list's, the heaviest in common use. */
export const UNKNOWN_PREFIX_LIST_WEIGHT = 55;

type Direction = 'inbound' | 'outbound';
type Weight = { v4: number; v6: number };

/** What one reference to a prefix list counts: its max entries. */
function prefixListWeight(id: unknown, context: PolicyContext): number {
  if (typeof id !== 'string') return 0;
  const own = context.ofType('aws_ec2_managed_prefix_list').find((pl) => references(id, pl));
  if (own) return typeof own.config.max_entries === 'number' ? own.config.max_entries : UNKNOWN_PREFIX_LIST_WEIGHT;
  if (isUnknown(id)) return UNKNOWN_PREFIX_LIST_WEIGHT;
  return PREFIX_LIST_WEIGHTS[id] ?? UNKNOWN_PREFIX_LIST_WEIGHT;
}

/** Weight of one rule: IPv4 CIDRs count on v4, IPv6 on v6, group and prefix-list references on both. */
function ruleWeight(r: { v4Cidrs: unknown[]; v6Cidrs: unknown[]; groups: unknown[]; prefixLists: unknown[] }, context: PolicyContext): Weight {
  const shared = r.groups.length + r.prefixLists.reduce<number>((sum, id) => sum + prefixListWeight(id, context), 0);
  return { v4: r.v4Cidrs.length + shared, v6: r.v6Cidrs.length + shared };
}

function add(total: Record<Direction, Weight>, direction: Direction, w: Weight): void {
  total[direction].v4 += w.v4;
  total[direction].v6 += w.v6;
}

/** Inbound and outbound weight of a security group: inline blocks plus every standalone rule attached to it. */
export function securityGroupWeight(sg: PolicyResource, context: PolicyContext): Record<Direction, Weight> {
  const total: Record<Direction, Weight> = { inbound: { v4: 0, v6: 0 }, outbound: { v4: 0, v6: 0 } };
  const inline = (direction: Direction, bs: unknown) => {
    for (const b of blocks(bs)) {
      const self = b.self === true ? [true] : [];
      add(total, direction, ruleWeight({ v4Cidrs: listOf(b.cidr_blocks), v6Cidrs: listOf(b.ipv6_cidr_blocks), groups: [...listOf(b.security_groups), ...self], prefixLists: listOf(b.prefix_list_ids) }, context));
    }
  };
  inline('inbound', sg.config.ingress);
  inline('outbound', sg.config.egress);
  for (const r of context.ofType('aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule')) {
    if (!references(r.config.security_group_id, sg)) continue;
    const c = r.config;
    const w = ruleWeight({ v4Cidrs: listOf(c.cidr_ipv4), v6Cidrs: listOf(c.cidr_ipv6), groups: listOf(c.referenced_security_group_id), prefixLists: listOf(c.prefix_list_id) }, context);
    add(total, r.type.endsWith('ingress_rule') ? 'inbound' : 'outbound', w);
  }
  for (const r of context.ofType('aws_security_group_rule')) {
    if (!references(r.config.security_group_id, sg)) continue;
    const c = r.config;
    const groups = [...listOf(c.source_security_group_id), ...(c.self === true ? [true] : [])];
    add(total, c.type === 'egress' ? 'outbound' : 'inbound', ruleWeight({ v4Cidrs: listOf(c.cidr_blocks), v6Cidrs: listOf(c.ipv6_cidr_blocks), groups, prefixLists: listOf(c.prefix_list_ids) }, context));
  }
  return total;
}

/**
 * A security group over its rule quota fails at apply with RulesPerSecurityGroupLimitExceeded,
 * which moto does not enforce. A prefix-list reference counts as its max entries.
 */
export const SecurityGroupRuleWeight: PolicyRule = {
  id: 'VN-EC2-3',
  level: 'error',
  description: `Security groups stay within ${RULES_PER_SECURITY_GROUP} inbound and ${RULES_PER_SECURITY_GROUP} outbound rules per IP version, a prefix-list reference counting as its max entries (CloudFront origin-facing: 55).`,
  fix: 'Reference a heavy prefix list once (e.g. only port 443 from the CloudFront origin-facing list), merge port ranges, or split the rules over two security groups. If the account quota was raised, suppress with the new quota as the reason.',
  appliesTo: ofTypes('aws_security_group'),
  check(sg, context) {
    const weight = securityGroupWeight(sg, context);
    const over = (['inbound', 'outbound'] as const).flatMap((d) =>
      (['v4', 'v6'] as const).filter((v) => weight[d][v] > RULES_PER_SECURITY_GROUP).map((v) => `${d} IP${v} rules weigh ${weight[d][v]}`),
    );
    return over.length === 0 ? 'compliant' : nonCompliant(`${over.join('; ')} (quota ${RULES_PER_SECURITY_GROUP})`);
  },
};
