import { Construct } from 'constructs';
import { App, TerraformProvider } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { Wafv2WebAcl, Wafv2WebAclRule } from '@cdktf/provider-aws/lib/wafv2-web-acl';
import { Wafv2WebAclLoggingConfiguration } from '@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration';
import { jsonDocument } from './json-document';

export interface WebAclProps {
  /** e.g. `venture-nudge-production`. */
  readonly namePrefix: string;
  /** Must be a us-east-1 provider: CloudFront web ACLs live there. */
  readonly provider: TerraformProvider;
  /** Requests per 5 minutes per IP before blocking; 0 disables the rule. */
  readonly rateLimit: number;
  /**
   * Common-rule-set rules switched to count (e.g. SizeRestrictions_BODY blocks
   * request bodies over 8 KB, which breaks uploads). @default ["SizeRestrictions_BODY"]
   */
  readonly countOnlyRules?: string[];
  /**
   * Collect WAF logs in a CloudWatch log group (`aws-waf-logs-<namePrefix>`, us-east-1) with
   * this retention and key. @default undefined (no WAF logs)
   */
  readonly logs?: { readonly retentionDays: number; readonly kmsKeyArn: string; readonly accountId: string };
}

/** WAFv2 web ACL for CloudFront: AWS managed rule groups (common, known bad inputs, IP reputation) and a rate limit. */
export class WebAcl extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const rate = props.rateLimit;
    const specs: RuleSpec[] = [
      { kind: 'managed', name: 'AWSManagedRulesAmazonIpReputationList', priority: 1, countOnly: [] },
      { kind: 'managed', name: 'AWSManagedRulesCommonRuleSet', priority: 2, countOnly: props.countOnlyRules ?? ['SizeRestrictions_BODY'] },
      { kind: 'managed', name: 'AWSManagedRulesKnownBadInputsRuleSet', priority: 3, countOnly: [] },
      ...(rate > 0 ? [{ kind: 'rate', name: 'rate-limit-per-ip', priority: 10, limit: rate } as const] : []),
    ];
    // cdktf leaves `rule.statement` untyped and its HCL writer cannot express it, so
    // HCL output carries the same rules as `rule_json` (WAF API shape). JSON output
    // keeps typed `rule` blocks, which Terraform checks for drift.
    const hcl = App.of(this).hclOutput;
    const acl = new Wafv2WebAcl(this, 'acl', {
      provider: props.provider,
      name: `${props.namePrefix}-edge`,
      description: `${props.namePrefix} CloudFront protection`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      ...(hcl ? { ruleJson: JSON.stringify(specs.map(apiRule)) } : { rule: specs.map(providerRule) }),
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: `${props.namePrefix}-edge`, sampledRequestsEnabled: true },
    });
    this.arn = acl.arn;
    if (props.logs) this.collectLogs(props.namePrefix, props.provider, acl.arn, props.logs);
  }

  /** Log group (its name must start with aws-waf-logs-), the delivery permission, and the logging configuration. */
  private collectLogs(namePrefix: string, provider: TerraformProvider, aclArn: string, logs: NonNullable<WebAclProps['logs']>): void {
    const group = new CloudwatchLogGroup(this, 'logs', { provider, name: `aws-waf-logs-${namePrefix}`, retentionInDays: logs.retentionDays, kmsKeyId: logs.kmsKeyArn });
    // WAF delivers through CloudWatch Logs' log delivery service, for this account only.
    const delivery = new CloudwatchLogResourcePolicy(this, 'logs-delivery', {
      provider,
      policyName: `${namePrefix}-waf-log-delivery`,
      policyDocument: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WafLogDelivery',
            Effect: 'Allow',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${group.arn}:*`,
            Condition: { StringEquals: { 'aws:SourceAccount': logs.accountId }, ArnLike: { 'aws:SourceArn': `arn:aws:logs:us-east-1:${logs.accountId}:*` } },
          },
        ],
      }),
    });
    new Wafv2WebAclLoggingConfiguration(this, 'logging', { provider, resourceArn: aclArn, logDestinationConfigs: [group.arn], dependsOn: [delivery] });
  }
}

type RuleSpec =
  | { readonly kind: 'managed'; readonly name: string; readonly priority: number; readonly countOnly: readonly string[] }
  | { readonly kind: 'rate'; readonly name: string; readonly priority: number; readonly limit: number };

/** A rule as the provider's `rule` block (statement keys in Terraform's snake_case). */
function providerRule(r: RuleSpec): Wafv2WebAclRule {
  const visibilityConfig = { cloudwatchMetricsEnabled: true, metricName: r.name, sampledRequestsEnabled: true };
  if (r.kind === 'rate') {
    return { name: r.name, priority: r.priority, action: { block: {} }, statement: { rate_based_statement: { limit: r.limit, aggregate_key_type: 'IP' } }, visibilityConfig };
  }
  return {
    name: r.name,
    priority: r.priority,
    overrideAction: { none: {} },
    statement: { managed_rule_group_statement: { name: r.name, vendor_name: 'AWS', rule_action_override: r.countOnly.map((name) => ({ name, action_to_use: { count: {} } })) } },
    visibilityConfig,
  };
}

/** The same rule in the WAFv2 API shape, for `rule_json`. */
function apiRule(r: RuleSpec): Record<string, unknown> {
  const VisibilityConfig = { CloudWatchMetricsEnabled: true, MetricName: r.name, SampledRequestsEnabled: true };
  if (r.kind === 'rate') {
    return { Name: r.name, Priority: r.priority, Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: r.limit, AggregateKeyType: 'IP' } }, VisibilityConfig };
  }
  return {
    Name: r.name,
    Priority: r.priority,
    OverrideAction: { None: {} },
    Statement: { ManagedRuleGroupStatement: { Name: r.name, VendorName: 'AWS', ...(r.countOnly.length ? { RuleActionOverrides: r.countOnly.map((Name) => ({ Name, ActionToUse: { Count: {} } })) } : {}) } },
    VisibilityConfig,
  };
}
