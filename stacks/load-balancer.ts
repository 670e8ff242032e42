import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { RDS_TARGET_GROUP_PREFIX, SOURCE_TARGET_GROUP_PREFIX } from './config';

/** Header CloudFront adds and the HTTPS listener requires. */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

export interface LoadBalancerProps {
  /** e.g. `venture-nudge-production` (ALB and target group names derive from it; ≤ 28 characters). */
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Public subnets, one per AZ. */
  readonly subnetIds: string[];
  /** Regional, validated certificate for the HTTPS listener. */
  readonly certificateArn: string;
  /** Port the targets listen on. */
  readonly targetPort: number;
  /** e.g. "/api/health". */
  readonly healthCheckPath: string;
  /** e.g. "ELBSecurityPolicy-TLS13-1-2-2021-06". */
  readonly sslPolicy: string;
  readonly deletionProtection: boolean;
  /**
   * Accept only CloudFront: HTTPS from this origin-facing prefix list, and the
   * HTTPS listener forwards only requests carrying one of `originVerifySecrets`
   * (the current secret and, during a rotation, the previous one).
   * @default undefined (open to 0.0.0.0/0 on 80 and 443, no header check)
   */
  readonly cloudfrontOnly?: { readonly prefixListId: string; readonly originVerifySecrets: string[] };
  /** Bucket for access logs. @default undefined (no access logs) */
  readonly accessLogsBucket?: string;
  /** Zone + host name of the alias CloudFront uses as its origin. */
  readonly originRecord: { readonly zoneId: string; readonly name: string };
  /**
   * A second target group, for the RDS-side service (cutover stages `ready` and `rds`), and the
   * listener's weights between the two: the forward action becomes a weighted forward, so the
   * database switch is one change of the listener (rule), not a rolling deployment.
   * @default undefined (one target group, a plain forward)
   */
  readonly standby?: { readonly weights: { readonly source: number; readonly rds: number } };
}

/** Internet-facing ALB: HTTPS (TLS 1.3 policy) with HTTP→HTTPS redirect, target group checked on /api/health. */
export class LoadBalancer extends Construct {
  readonly dnsName: string;
  readonly zoneId: string;
  readonly securityGroupId: string;
  readonly targetGroupArn: string;
  readonly arnSuffix: string;
  readonly targetGroupArnSuffix: string;
  /** Target group of the RDS-side service (with `standby`). */
  readonly rdsTargetGroupArn?: string;
  readonly rdsTargetGroupArnSuffix?: string;
  /** The listener (and rule) the service must wait for. */
  readonly httpsListener: LbListener;
  readonly forwardRule?: LbListenerRule;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const port = props.targetPort;
    // name_prefix: a change that forces replacement (e.g. the description when cloudfrontOnly
    // flips) creates the new group under a new name first instead of failing with InvalidGroup.Duplicate.
    const sg = new SecurityGroup(this, 'sg', {
      namePrefix: `${props.namePrefix}-alb-`,
      description: props.cloudfrontOnly ? `${props.namePrefix} ALB: HTTPS from CloudFront only` : `${props.namePrefix} ALB: HTTPS/HTTP from the internet`,
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-alb-sg` },
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = sg.id;
    // CloudFront reaches the origin over HTTPS only, and each reference to its prefix list
    // counts as its ~55 entries against the 60 inbound rules of a group: port 80 is opened
    // only when the ALB is public (policy rule VN-EC2-3 checks the weight).
    const ports = props.cloudfrontOnly ? [443] : [443, 80];
    for (const p of ports) {
      new VpcSecurityGroupIngressRule(this, `in-${p}`, {
        securityGroupId: sg.id,
        ...(props.cloudfrontOnly ? { prefixListId: props.cloudfrontOnly.prefixListId } : { cidrIpv4: '0.0.0.0/0' }),
        ipProtocol: 'tcp',
        fromPort: p,
        toPort: p,
        description: props.cloudfrontOnly ? `${p} from CloudFront origin-facing servers` : `${p} from anywhere`,
      });
    }
    new VpcSecurityGroupEgressRule(this, 'to-targets', { securityGroupId: sg.id, cidrIpv4: props.vpcCidr, ipProtocol: 'tcp', fromPort: port, toPort: port, description: 'Targets in the VPC' });

    const lb = new Lb(this, 'alb', {
      name: `${props.namePrefix}-alb`,
      internal: false,
      loadBalancerType: 'application',
      securityGroups: [sg.id],
      subnets: props.subnetIds,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection,
      idleTimeout: 60,
      accessLogs: props.accessLogsBucket ? { bucket: props.accessLogsBucket, prefix: 'alb', enabled: true } : undefined,
    });
    this.dnsName = lb.dnsName;
    this.zoneId = lb.zoneId;
    this.arnSuffix = lb.arnSuffix;

    // name_prefix + create_before_destroy: a change that replaces the group (port, protocol, target
    // type, VPC) creates the new one first and moves the listener to it, instead of failing on the
    // taken name or deleting a group a listener still uses. ELB allows a 6-character prefix.
    const targetGroup = (id: string, namePrefix: string, name: string) =>
      new LbTargetGroup(this, id, {
        namePrefix,
        tags: { Name: name },
        lifecycle: { createBeforeDestroy: true },
        port,
        protocol: 'HTTP',
        targetType: 'ip',
        vpcId: props.vpcId,
        deregistrationDelay: '30',
        healthCheck: { enabled: true, path: props.healthCheckPath, matcher: '200', interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
      });
    const tg = targetGroup('targets', SOURCE_TARGET_GROUP_PREFIX, `${props.namePrefix}-tg`);
    // The RDS-side service's group: health-checked like the other while it takes no requests.
    const rdsTg = props.standby ? targetGroup('targets-rds', RDS_TARGET_GROUP_PREFIX, `${props.namePrefix}-rds-tg`) : undefined;
    this.rdsTargetGroupArn = rdsTg?.arn;
    this.rdsTargetGroupArnSuffix = rdsTg?.arnSuffix;
    const forward = rdsTg
      ? {
          type: 'forward',
          forward: {
            targetGroup: [
              { arn: tg.arn, weight: props.standby!.weights.source },
              { arn: rdsTg.arn, weight: props.standby!.weights.rds },
            ],
            stickiness: { enabled: false, duration: 1 },
          },
        }
      : { type: 'forward', targetGroupArn: tg.arn };
    this.targetGroupArn = tg.arn;
    this.targetGroupArnSuffix = tg.arnSuffix;

    new LbListener(this, 'http', {
      loadBalancerArn: lb.arn,
      port: 80,
      protocol: 'HTTP',
      defaultAction: [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } }],
    });
    this.httpsListener = new LbListener(this, 'https', {
      loadBalancerArn: lb.arn,
      port: 443,
      protocol: 'HTTPS',
      sslPolicy: props.sslPolicy,
      certificateArn: props.certificateArn,
      defaultAction: props.cloudfrontOnly
        ? [{ type: 'fixed-response', fixedResponse: { contentType: 'text/plain', statusCode: '403', messageBody: 'Forbidden' } }]
        : [forward],
    });
    if (props.cloudfrontOnly) {
      this.forwardRule = new LbListenerRule(this, 'from-cloudfront', {
        listenerArn: this.httpsListener.arn,
        priority: 1,
        condition: [{ httpHeader: { httpHeaderName: ORIGIN_VERIFY_HEADER, values: props.cloudfrontOnly.originVerifySecrets } }],
        action: [forward],
      });
    }

    new Route53Record(this, 'origin-alias', {
      zoneId: props.originRecord.zoneId,
      name: props.originRecord.name,
      type: 'A',
      alias: { name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true },
    });
  }
}
