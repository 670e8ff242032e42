import { TerraformStack } from 'cdktf';
import { CloudfrontDistribution } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SecurityGroupRule } from '@cdktf/provider-aws/lib/security-group-rule';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { AlbIngressFromCloudFrontOnly } from '../../stacks/policy/rules/alb-ingress-from-cloudfront-only';
import { NoOpenIngress } from '../../stacks/policy/rules/no-open-ingress';
import { VpcFlowLogsEnabled } from '../../stacks/policy/rules/vpc-flow-logs-enabled';
import { details, flagged } from './support';

const rule = (s: TerraformStack, id: string, sg: SecurityGroup, port: number, source: { cidrIpv4?: string; cidrIpv6?: string; prefixListId?: string }) =>
  new VpcSecurityGroupIngressRule(s, id, { securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: port, toPort: port, ...source });

/** An ALB whose group opens 443 to `source`. */
const alb = (source: { cidrIpv4?: string; prefixListId?: string }, port = 443) => (s: TerraformStack) => {
  const sg = new SecurityGroup(s, 'alb-sg', { name: 'alb' });
  new Lb(s, 'alb', { loadBalancerType: 'application', securityGroups: [sg.id], subnets: ['subnet-1', 'subnet-2'] });
  rule(s, 'in-web', sg, port, source);
};

const cloudfront = (s: TerraformStack) =>
  new CloudfrontDistribution(s, 'cdn', {
    enabled: true,
    origin: [{ originId: 'alb', domainName: 'origin.example.com', customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: 'https-only', originSslProtocols: ['TLSv1.2'] } }],
    defaultCacheBehavior: { targetOriginId: 'alb', allowedMethods: ['GET', 'HEAD'], cachedMethods: ['GET', 'HEAD'], viewerProtocolPolicy: 'redirect-to-https' },
    restrictions: { geoRestriction: { restrictionType: 'none' } },
    viewerCertificate: { cloudfrontDefaultCertificate: true },
  });

describe('VN-EC2-1 no ingress from the whole internet', () => {
  test('ingress from another security group passes', () =>
    expect(
      flagged(NoOpenIngress, (s) => {
        const a = new SecurityGroup(s, 'a', {});
        const b = new SecurityGroup(s, 'b', {});
        new VpcSecurityGroupIngressRule(s, 'b-from-a', { securityGroupId: b.id, referencedSecurityGroupId: a.id, ipProtocol: 'tcp', fromPort: 5432, toPort: 5432 });
      }),
    ).toEqual([]));
  test('an ALB accepting 443 from 0.0.0.0/0 is the allowed exception', () => expect(flagged(NoOpenIngress, alb({ cidrIpv4: '0.0.0.0/0' }))).toEqual([]));
  test('an ALB accepting another port from 0.0.0.0/0 is reported', () => expect(flagged(NoOpenIngress, alb({ cidrIpv4: '0.0.0.0/0' }, 8080))).toEqual(['aws_vpc_security_group_ingress_rule.in-web']));
  test('aws_vpc_security_group_ingress_rule with cidr_ipv6 ::/0 on a non-ALB group is reported', () =>
    expect(flagged(NoOpenIngress, (s) => rule(s, 'ssh', new SecurityGroup(s, 'app', {}), 22, { cidrIpv6: '::/0' }))).toEqual(['aws_vpc_security_group_ingress_rule.ssh']));
  test('port 443 from 0.0.0.0/0 on a group no load balancer uses is reported', () =>
    expect(flagged(NoOpenIngress, (s) => rule(s, 'https', new SecurityGroup(s, 'app', {}), 443, { cidrIpv4: '0.0.0.0/0' }))).toEqual(['aws_vpc_security_group_ingress_rule.https']));
  test('an inline aws_security_group ingress block from 0.0.0.0/0 is reported with its port', () =>
    expect(details(NoOpenIngress, (s) => new SecurityGroup(s, 'legacy', { ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrBlocks: ['0.0.0.0/0'] }] }))).toEqual([
      'admits tcp 22 from 0.0.0.0/0',
    ]));
  test('aws_security_group_rule type=ingress from 0.0.0.0/0 is reported', () =>
    expect(
      flagged(NoOpenIngress, (s) => {
        const sg = new SecurityGroup(s, 'app', {});
        new SecurityGroupRule(s, 'all', { type: 'ingress', securityGroupId: sg.id, protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] });
      }),
    ).toEqual(['aws_security_group_rule.all']));
  test('aws_security_group_rule type=egress to 0.0.0.0/0 is not ingress', () =>
    expect(
      flagged(NoOpenIngress, (s) => {
        const sg = new SecurityGroup(s, 'app', {});
        new SecurityGroupRule(s, 'out', { type: 'egress', securityGroupId: sg.id, protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] });
      }),
    ).toEqual([]));
  test('the default security group is checked too', () =>
    expect(
      flagged(NoOpenIngress, (s) => new DefaultSecurityGroup(s, 'default', { vpcId: 'vpc-1', ingress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }] })),
    ).toEqual(['aws_default_security_group.default']));
});

describe('VN-EC2-2 ALB reachable only through CloudFront', () => {
  test('an ALB open to 0.0.0.0/0 without CloudFront in the stack is not checked', () => expect(flagged(AlbIngressFromCloudFrontOnly, alb({ cidrIpv4: '0.0.0.0/0' }))).toEqual([]));
  test('an ALB open to 0.0.0.0/0 behind CloudFront is reported as a warning', () =>
    expect(
      flagged(AlbIngressFromCloudFrontOnly, (s) => {
        alb({ cidrIpv4: '0.0.0.0/0' })(s);
        cloudfront(s);
      }),
    ).toEqual(['aws_vpc_security_group_ingress_rule.in-web']));
  test('an ALB accepting only the CloudFront prefix list passes', () =>
    expect(
      flagged(AlbIngressFromCloudFrontOnly, (s) => {
        alb({ prefixListId: 'pl-4fa04526' })(s);
        cloudfront(s);
      }),
    ).toEqual([]));
});

describe('VN-VPC-1 flow logs', () => {
  test('a VPC with a flow log referencing it passes', () =>
    expect(
      flagged(VpcFlowLogsEnabled, (s) => {
        const vpc = new Vpc(s, 'vpc', { cidrBlock: '10.0.0.0/16' });
        new FlowLog(s, 'flow', { vpcId: vpc.id, trafficType: 'ALL', logDestinationType: 's3', logDestination: 'arn:aws:s3:::vn-flow-logs' });
      }),
    ).toEqual([]));
  test('a VPC without one is reported, even when another VPC has one', () =>
    expect(
      flagged(VpcFlowLogsEnabled, (s) => {
        const a = new Vpc(s, 'a', { cidrBlock: '10.0.0.0/16' });
        new Vpc(s, 'b', { cidrBlock: '10.1.0.0/16' });
        new FlowLog(s, 'flow', { vpcId: a.id, trafficType: 'ALL', logDestinationType: 's3', logDestination: 'arn:aws:s3:::vn-flow-logs' });
      }),
    ).toEqual(['aws_vpc.b']));
});
