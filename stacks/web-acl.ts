import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl';

export interface WebAclProps {
  /** e.g. `venture-nudge-production`. */
  readonly namePrefix: string;
  /** Must be a us-east-1 provider: CloudFront web ACLs live there. */
  readonly provider: TerraformProvider;
  /** Requests per 5 minutes per IP before blocking; 0 disables the rule. @default 2000 */
  readonly rateLimit?: number;
  /**
   * Common-rule-set rules switched to count (e.g. SizeRestrictions_BODY blocks
   * request bodies over 8 KB, which breaks uploads). @default ["SizeRestrictions_BODY"]
   */
  readonly countOnlyRules?: string[];
}

/** WAFv2 web ACL for CloudFront: AWS managed rule groups (common, known bad inputs, IP reputation) and a rate limit. */
export class WebAcl extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const managed = (name: string, priority: number, countOnly: string[] = []) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managed_rule_group_statement: {
          name,
          vendor_name: 'AWS',
          rule_action_override: countOnly.map((rule) => ({ name: rule, action_to_use: { count: {} } })),
        },
      },
      visibilityConfig: visibility(name),
    });
    const rules: any[] = [
      managed('AWSManagedRulesAmazonIpReputationList', 1),
      managed('AWSManagedRulesCommonRuleSet', 2, props.countOnlyRules ?? ['SizeRestrictions_BODY']),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
    ];
    const rate = props.rateLimit ?? 2000;
    if (rate > 0) {
      rules.push({
        name: 'rate-limit-per-ip',
        priority: 10,
        action: { block: {} },
        statement: { rate_based_statement: { limit: rate, aggregate_key_type: 'IP' } },
        visibilityConfig: visibility('rate-limit-per-ip'),
      });
    }
    const acl = new Wafv2WebAcl(this, 'acl', {
      provider: props.provider,
      name: `${props.namePrefix}-edge`,
      description: `${props.namePrefix} CloudFront protection`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      rule: rules,
      visibilityConfig: visibility(`${props.namePrefix}-edge`),
    });
    this.arn = acl.arn;
  }
}
