import { TerraformStack } from 'cdktf';
import { Ec2ManagedPrefixList } from '@cdktf/provider-aws/lib/ec2-managed-prefix-list';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SecurityGroupRule } from '@cdktf/provider-aws/lib/security-group-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { ElbNameLength } from '../../stacks/policy/rules/elb-name-length';
import { SecurityGroupRuleWeight } from '../../stacks/policy/rules/security-group-rule-weight';
import { synthEnvironment } from '../support/synth';
import { details, flagged } from './support';

const CLOUDFRONT = 'pl-3b927c52';

/** A group with one ingress rule per port, each from `source`. */
const group = (ports: number[], source: { prefixListId?: string; cidrIpv4?: string }) => (s: TerraformStack) => {
  const sg = new SecurityGroup(s, 'alb-sg', { namePrefix: 'alb-' });
  for (const p of ports) new VpcSecurityGroupIngressRule(s, `in-${p}`, { securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: p, toPort: p, ...source });
};

describe('VN-EC2-3 security-group rule weight, prefix lists counted by their max entries', () => {
  test('one reference to the CloudFront origin-facing list (55) passes', () => expect(flagged(SecurityGroupRuleWeight, group([443], { prefixListId: CLOUDFRONT }))).toEqual([]));

  test('two references to it (443 and 80) weigh 110 and are reported', () => {
    expect(flagged(SecurityGroupRuleWeight, group([443, 80], { prefixListId: CLOUDFRONT }))).toEqual(['aws_security_group.alb-sg']);
    expect(details(SecurityGroupRuleWeight, group([443, 80], { prefixListId: CLOUDFRONT }))[0]).toContain('inbound IPv4 rules weigh 110');
  });

  test('sixty CIDR rules pass and sixty-one are reported', () => {
    const ports = (n: number) => Array.from({ length: n }, (_, i) => 1000 + i);
    expect(flagged(SecurityGroupRuleWeight, group(ports(60), { cidrIpv4: '10.0.0.0/16' }))).toEqual([]);
    expect(flagged(SecurityGroupRuleWeight, group(ports(61), { cidrIpv4: '10.0.0.0/16' }))).toEqual(['aws_security_group.alb-sg']);
  });

  test('a prefix list of the stack counts as its max_entries', () => {
    const build = (maxEntries: number) => (s: TerraformStack) => {
      const pl = new Ec2ManagedPrefixList(s, 'office', { name: 'office', addressFamily: 'IPv4', maxEntries });
      group([22, 443], { prefixListId: pl.id })(s);
    };
    expect(flagged(SecurityGroupRuleWeight, build(20))).toEqual([]);
    expect(flagged(SecurityGroupRuleWeight, build(31))).toEqual(['aws_security_group.alb-sg']);
  });

  test('legacy aws_security_group_rule with several CIDRs counts each', () =>
    expect(
      flagged(SecurityGroupRuleWeight, (s) => {
        const sg = new SecurityGroup(s, 'alb-sg', {});
        new SecurityGroupRule(s, 'many', { type: 'ingress', securityGroupId: sg.id, protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: Array.from({ length: 61 }, (_, i) => `10.${i}.0.0/16`) });
      }),
    ).toEqual(['aws_security_group.alb-sg']));

  test('the synthesized production stack is within the quota', () => {
    expect(() => synthEnvironment()).not.toThrow();
  });
});

describe('VN-ELB-5 load balancer and target group names of at most 32 characters', () => {
  const lb = (name: string) => (s: TerraformStack) => new Lb(s, 'alb', { name, loadBalancerType: 'application', subnets: ['subnet-1', 'subnet-2'] });
  const tg = (name: string) => (s: TerraformStack) => new LbTargetGroup(s, 'tg', { name, port: 3000, protocol: 'HTTP', targetType: 'ip', vpcId: 'vpc-1' });

  test('a 32-character ALB name passes', () => expect(flagged(ElbNameLength, lb('a'.repeat(32)))).toEqual([]));
  test('"venture-nudge-platform-production-alb" (37 characters) is reported', () => expect(flagged(ElbNameLength, lb('venture-nudge-platform-production-alb'))).toEqual(['aws_lb.alb']));
  test('a 33-character target group name is reported', () => expect(flagged(ElbNameLength, tg('b'.repeat(33)))).toEqual(['aws_lb_target_group.tg']));
  test('a short target group name passes', () => expect(flagged(ElbNameLength, tg('vn-production-tg'))).toEqual([]));
});
