import { Construct } from 'constructs';
import { assumeRolePolicy, jsonDocument } from './json-document';
import { Fn } from 'cdktf';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';

export interface NetworkProps {
  /** Permissions boundary of every IAM role this construct creates (the GitHub deploy role requires it). @default none */
  readonly permissionsBoundary?: string;
  /** Resource name prefix, e.g. `venture-nudge-production`. */
  readonly namePrefix: string;
  /** VPC CIDR, e.g. "10.0.0.0/16"; each subnet is carved as prefix+4. */
  readonly cidr: string;
  /** Explicit AZ names (no look-up at plan). At least 2. */
  readonly availabilityZones: readonly string[];
  /** One NAT gateway per AZ, or one shared. */
  readonly natGatewayPerAz: boolean;
  /** VPC flow log retention (days); 0 disables flow logs. */
  readonly flowLogRetentionDays: number;
  /** KMS key for the flow log group. @default AWS-owned encryption */
  readonly kmsKeyArn?: string;
  readonly region: string;
  /** Account id (the flow-log role's trust names it). */
  readonly accountId: string;
}

/** VPC with public subnets (ALB, NAT) and private subnets (tasks, database) in each AZ. */
export class Network extends Construct {
  readonly vpcId: string;
  readonly cidr: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  private readonly region: string;
  private readonly accountId: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.region = props.region;
    this.accountId = props.accountId;
    const name = (suffix: string) => ({ Name: `${props.namePrefix}-${suffix}` });
    const vpc = new Vpc(this, 'vpc', { cidrBlock: props.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: name('vpc') });
    this.vpcId = vpc.id;
    this.cidr = props.cidr;

    // The default security group allows all traffic between its members: close it.
    new DefaultSecurityGroup(this, 'default-sg', { vpcId: vpc.id, ingress: [], egress: [], tags: name('default-closed') });

    const flowDays = props.flowLogRetentionDays;
    if (flowDays > 0) this.addFlowLogs(props.namePrefix, vpc.id, flowDays, props.kmsKeyArn, props.permissionsBoundary);

    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: name('igw') });
    const publicRt = new RouteTable(this, 'public-rt', { vpcId: vpc.id, tags: name('public') });
    new Route(this, 'public-default', { routeTableId: publicRt.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });

    const perAz = props.natGatewayPerAz;
    const nats: NatGateway[] = [];
    this.publicSubnetIds = [];
    this.privateSubnetIds = [];
    props.availabilityZones.forEach((az, i) => {
      const pub = new Subnet(this, `public-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: Fn.cidrsubnet(props.cidr, 4, i),
        mapPublicIpOnLaunch: false,
        tags: { ...name(`public-${az}`), Tier: 'public' },
      });
      new RouteTableAssociation(this, `public-${i}-rta`, { subnetId: pub.id, routeTableId: publicRt.id });
      this.publicSubnetIds.push(pub.id);

      if (perAz || i === 0) {
        const eip = new Eip(this, `nat-${i}-eip`, { domain: 'vpc', tags: name(`nat-${az}`) });
        nats.push(new NatGateway(this, `nat-${i}`, { allocationId: eip.id, subnetId: pub.id, tags: name(`nat-${az}`), dependsOn: [igw] }));
      }

      const priv = new Subnet(this, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: Fn.cidrsubnet(props.cidr, 4, i + 8),
        tags: { ...name(`private-${az}`), Tier: 'private' },
      });
      const rt = new RouteTable(this, `private-${i}-rt`, { vpcId: vpc.id, tags: name(`private-${az}`) });
      new Route(this, `private-${i}-default`, { routeTableId: rt.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nats[perAz ? i : 0].id });
      new RouteTableAssociation(this, `private-${i}-rta`, { subnetId: priv.id, routeTableId: rt.id });
      this.privateSubnetIds.push(priv.id);
    });
  }

  /** All accepted and rejected traffic to CloudWatch Logs. */
  private addFlowLogs(namePrefix: string, vpcId: string, retentionInDays: number, kmsKeyId?: string, permissionsBoundary?: string): void {
    const group = new CloudwatchLogGroup(this, 'flow-logs', { name: `/vpc/${namePrefix}/flow-logs`, retentionInDays, kmsKeyId });
    const role = new IamRole(this, 'flow-logs-role', {
      name: `${namePrefix}-flow-logs`,
      assumeRolePolicy: assumeRolePolicy(this, 'vpc-flow-logs.amazonaws.com', { account: this.accountId, sourceArn: `arn:aws:ec2:${this.region}:${this.accountId}:vpc-flow-log/*` }),
      permissionsBoundary,
    });
    new IamRolePolicy(this, 'flow-logs-write', {
      name: 'write-flow-logs',
      role: role.id,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: `${group.arn}:*` }],
      }),
    });
    new FlowLog(this, 'flow-log', { vpcId, trafficType: 'ALL', logDestinationType: 'cloud-watch-logs', logDestination: group.arn, iamRoleArn: role.arn, maxAggregationInterval: 60 });
  }
}
