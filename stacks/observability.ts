import { Construct } from 'constructs';
import { jsonDocument } from './json-document';
import { Annotations, Lazy, TerraformProvider } from 'cdktf';
import { budgetThresholds } from './cost-estimate';
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';

export interface ObservabilityProps {
  /** e.g. `venture-nudge-production`. */
  readonly namePrefix: string;
  /** Environment tag value used by the budget's cost filter. */
  readonly environment: string;
  readonly region: string;
  /** Account id, for the confused-deputy conditions of the topic policies. */
  readonly accountId: string;
  /** us-east-1 provider: CloudFront metrics (and their alarms) live there. */
  readonly usEast1Provider: TerraformProvider;
  readonly ecs: { readonly clusterName: string; readonly serviceName: string };
  /** ALB and target group ARN suffixes (metric dimensions). */
  readonly alb: { readonly arnSuffix: string; readonly targetGroupArnSuffix: string };
  readonly rds: {
    readonly identifier: string;
    readonly allocatedStorageGb: number;
    /** Storage autoscaling ceiling; 0 when autoscaling is off. */
    readonly maxAllocatedStorageGb: number;
    /** The instance's max_connections (see stacks/rds-sizes.ts). */
    readonly maxConnections: number;
  };
  readonly cloudfrontDistributionId: string;
  /** Minimum healthy tasks; fewer healthy hosts raises an alarm. */
  readonly minHealthyHosts: number;
  /** Email subscribers of the alarm topics (a warning at synth when empty). */
  readonly alertEmails: readonly string[];
  /** Monthly budget alerts in USD: the floors when `budgetEstimateUsd` is given (see stacks/cost-estimate.ts). */
  readonly budgetThresholdsUsd: readonly number[];
  /**
   * The stack's monthly cost estimate, asked at synth once every resource exists: the thresholds
   * become `budgetThresholds(estimate, budgetThresholdsUsd)`. @default the thresholds as given
   */
  readonly budgetEstimateUsd?: () => number;
  /** KMS key (stack region) for the topic; its policy must let CloudWatch and Budgets use it. */
  readonly kmsKeyArn: string;
  /**
   * KMS key in us-east-1 for the CloudFront alarms' topic when the stack is elsewhere
   * (CloudWatch cannot publish to a topic under `alias/aws/sns`). @default kmsKeyArn (stack in us-east-1)
   */
  readonly usEast1KmsKeyArn?: string;
  /** Business KPIs the app writes with the embedded metric format: a dashboard row reads them from this namespace. @default no row */
  readonly businessMetrics?: { readonly namespace: string };
}

type Metric = [string, string, ...string[]];
type AlarmConfig = Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmActions' | 'okActions' | 'evaluationPeriods'> & { evaluationPeriods?: number };

/** Share of max_connections at which the connections alarm fires. */
export const CONNECTIONS_ALARM_SHARE = 0.8;

/**
 * FreeStorageSpace threshold in bytes. Without autoscaling: 10% of the storage. With it,
 * RDS itself grows the storage when free space is below 10% of the allocated size, so an
 * alarm there would page at every growth step: the alarm sits at half that, which is only
 * reached once autoscaling cannot grow any more (the ceiling) or lags behind.
 */
export function storageAlarmThresholdBytes(allocatedGb: number, maxAllocatedGb: number): number {
  const share = maxAllocatedGb > allocatedGb ? 0.05 : 0.1;
  return Math.round(allocatedGb * share * 1024 ** 3);
}

/** Dashboard, alarms on the same metrics, one SNS topic for every notification, and the guide's billing alerts. */
export class Observability extends Construct {
  readonly topicArn: string;
  readonly alarmNames: string[] = [];
  /** What an operator should know at synth (e.g. alarms nobody receives). */
  readonly warnings: string[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const p = props.namePrefix;
    const ecsDims = ['ClusterName', props.ecs.clusterName, 'ServiceName', props.ecs.serviceName];
    const albDims = ['LoadBalancer', props.alb.arnSuffix];
    const tgDims = ['TargetGroup', props.alb.targetGroupArnSuffix, 'LoadBalancer', props.alb.arnSuffix];
    const rdsDims = ['DBInstanceIdentifier', props.rds.identifier];
    const cfDims = ['DistributionId', props.cloudfrontDistributionId, 'Region', 'Global'];

    const topicArn = this.topic(props, 'alerts', `${p}-alerts`, props.region, props.kmsKeyArn);
    this.topicArn = topicArn;
    // Alarm actions must be in the alarm's region: CloudFront alarms (us-east-1) get their own topic
    // elsewhere, with the same subscribers and a customer-managed key CloudWatch may use.
    const edgeTopicArn = props.region === 'us-east-1' ? topicArn : this.topic(props, 'edge-alerts', `${p}-edge-alerts`, 'us-east-1', props.usEast1KmsKeyArn ?? props.kmsKeyArn, props.usEast1Provider);
    if (props.alertEmails.length === 0) {
      const warning = `${p}: no alert recipients: alarms and budget alerts go to SNS topics without subscribers; set environments.${props.environment}.budget.alertEmails`;
      this.warnings.push(warning);
      Annotations.of(this).addWarning(warning);
    }

    const alarm = (aid: string, cfg: AlarmConfig, edge = false) => {
      const name = `${p}-${aid}`;
      this.alarmNames.push(name);
      const actions = [edge ? edgeTopicArn : topicArn];
      new CloudwatchMetricAlarm(this, `alarm-${aid}`, { alarmName: name, evaluationPeriods: 3, treatMissingData: 'notBreaching', alarmActions: actions, okActions: actions, ...cfg, provider: edge ? props.usEast1Provider : undefined });
    };
    const gt = 'GreaterThanThreshold';
    alarm('ecs-cpu-high', { namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: dims(ecsDims), statistic: 'Average', period: 300, threshold: 85, comparisonOperator: gt, alarmDescription: 'Service CPU above 85% for 15 minutes (autoscaling at its ceiling?)' });
    alarm('ecs-memory-high', { namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions: dims(ecsDims), statistic: 'Average', period: 300, threshold: 85, comparisonOperator: gt, alarmDescription: 'Service memory above 85%' });
    alarm('alb-requests-high', { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: dims(albDims), statistic: 'Sum', period: 300, threshold: 300000, comparisonOperator: gt, alarmDescription: 'More than 1000 requests/s sustained: check scaling and WAF' });
    alarm('alb-target-5xx', { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensions: dims(albDims), statistic: 'Sum', period: 60, threshold: 10, comparisonOperator: gt, alarmDescription: 'App answered 5xx more than 10 times a minute' });
    alarm('alb-elb-5xx', { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_ELB_5XX_Count', dimensions: dims(albDims), statistic: 'Sum', period: 60, threshold: 10, comparisonOperator: gt, alarmDescription: 'Load balancer 5xx (no healthy targets?)' });
    alarm('alb-p95-latency', { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: dims(albDims), extendedStatistic: 'p95', period: 300, threshold: 0.5, comparisonOperator: gt, alarmDescription: 'p95 response time above the guide\'s 500 ms API budget' });
    alarm('alb-healthy-hosts', { namespace: 'AWS/ApplicationELB', metricName: 'HealthyHostCount', dimensions: dims(tgDims), statistic: 'Minimum', period: 60, threshold: props.minHealthyHosts, comparisonOperator: 'LessThanThreshold', treatMissingData: 'breaching', alarmDescription: 'Fewer healthy tasks than the service minimum' });
    alarm('rds-cpu-high', { namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions: dims(rdsDims), statistic: 'Average', period: 300, threshold: 80, comparisonOperator: gt, alarmDescription: 'Database CPU above 80%' });
    const connections = Math.floor(props.rds.maxConnections * CONNECTIONS_ALARM_SHARE);
    alarm('rds-connections-high', { namespace: 'AWS/RDS', metricName: 'DatabaseConnections', dimensions: dims(rdsDims), statistic: 'Maximum', period: 300, threshold: connections, comparisonOperator: gt, alarmDescription: `Connections above ${CONNECTIONS_ALARM_SHARE * 100}% of max_connections (${props.rds.maxConnections})` });
    const { allocatedStorageGb: allocated, maxAllocatedStorageGb: ceiling } = props.rds;
    const storageDescription = ceiling > allocated
      ? `Less than 5% of the initial ${allocated} GiB free: storage autoscaling (ceiling ${ceiling} GiB) is at its ceiling or not keeping up`
      : `Less than 10% of the ${allocated} GiB storage free (no storage autoscaling)`;
    alarm('rds-free-storage-low', { namespace: 'AWS/RDS', metricName: 'FreeStorageSpace', dimensions: dims(rdsDims), statistic: 'Minimum', period: 300, threshold: storageAlarmThresholdBytes(allocated, ceiling), comparisonOperator: 'LessThanThreshold', alarmDescription: storageDescription });
    alarm('rds-read-latency', { namespace: 'AWS/RDS', metricName: 'ReadLatency', dimensions: dims(rdsDims), statistic: 'Average', period: 300, threshold: 0.02, comparisonOperator: gt, alarmDescription: 'Read latency above 20 ms' });
    alarm('rds-write-latency', { namespace: 'AWS/RDS', metricName: 'WriteLatency', dimensions: dims(rdsDims), statistic: 'Average', period: 300, threshold: 0.02, comparisonOperator: gt, alarmDescription: 'Write latency above 20 ms' });
    alarm('cloudfront-5xx-rate', { namespace: 'AWS/CloudFront', metricName: '5xxErrorRate', dimensions: dims(cfDims), statistic: 'Average', period: 300, threshold: 1, comparisonOperator: gt, alarmDescription: 'More than 1% of edge responses are 5xx' }, true);
    alarm('cloudfront-requests-high', { namespace: 'AWS/CloudFront', metricName: 'Requests', dimensions: dims(cfDims), statistic: 'Sum', period: 300, threshold: 1500000, comparisonOperator: gt, alarmDescription: 'Edge traffic above 5000 requests/s: attack or launch?' }, true);

    const widget = (title: string, metrics: Metric[], opts: Record<string, unknown> = {}) => ({ type: 'metric', width: 8, height: 6, properties: { title, metrics, region: props.region, period: 300, stat: 'Average', ...opts } });
    new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: p,
      dashboardBody: jsonDocument(this, {
        widgets: [
          widget('ECS CPU / memory %', [['AWS/ECS', 'CPUUtilization', ...ecsDims], ['AWS/ECS', 'MemoryUtilization', ...ecsDims]]),
          widget('ALB requests', [['AWS/ApplicationELB', 'RequestCount', ...albDims]], { stat: 'Sum' }),
          widget('ALB 5xx', [['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', ...albDims], ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', ...albDims]], { stat: 'Sum' }),
          widget('Target response time p95 (s)', [['AWS/ApplicationELB', 'TargetResponseTime', ...albDims]], { stat: 'p95' }),
          widget('Healthy tasks', [['AWS/ApplicationELB', 'HealthyHostCount', ...tgDims]], { stat: 'Minimum' }),
          widget('RDS CPU %', [['AWS/RDS', 'CPUUtilization', ...rdsDims]]),
          widget('RDS connections', [['AWS/RDS', 'DatabaseConnections', ...rdsDims]], { stat: 'Maximum' }),
          widget('RDS free storage (bytes)', [['AWS/RDS', 'FreeStorageSpace', ...rdsDims]], { stat: 'Minimum' }),
          widget('RDS read / write latency (s)', [['AWS/RDS', 'ReadLatency', ...rdsDims], ['AWS/RDS', 'WriteLatency', ...rdsDims]]),
          widget('CloudFront requests', [['AWS/CloudFront', 'Requests', ...cfDims]], { stat: 'Sum', region: 'us-east-1' }),
          widget('CloudFront error rate %', [['AWS/CloudFront', '5xxErrorRate', ...cfDims], ['AWS/CloudFront', 'TotalErrorRate', ...cfDims]], { region: 'us-east-1' }),
          ...(props.businessMetrics ? businessMetricsRow(props.businessMetrics.namespace, props.region) : []),
        ],
      }),
    });

    // Derived once the whole stack exists (the estimate reads every resource), then cached.
    let cached: number[] | undefined;
    const thresholds = () =>
      (cached ??= props.budgetEstimateUsd ? budgetThresholds(props.budgetEstimateUsd(), props.budgetThresholdsUsd) : [...props.budgetThresholdsUsd].sort((a, b) => a - b));
    new BudgetsBudget(this, 'budget', {
      name: `${p}-monthly`,
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      limitAmount: Lazy.stringValue({ produce: () => String(thresholds()[thresholds().length - 1]) }),
      limitUnit: 'USD',
      // Needs "Environment" activated as a cost allocation tag (README: "Budgets and alert recipients").
      costFilter: [{ name: 'TagKeyValue', values: [`user:Environment$${props.environment}`] }],
      // snake_case: a lazy block list is written as produced.
      notification: Lazy.anyValue({
        produce: () => [
          ...thresholds().map((t) => ({ comparison_operator: 'GREATER_THAN', threshold: t, threshold_type: 'ABSOLUTE_VALUE', notification_type: 'ACTUAL', subscriber_sns_topic_arns: [topicArn] })),
          { comparison_operator: 'GREATER_THAN', threshold: 100, threshold_type: 'PERCENTAGE', notification_type: 'FORECASTED', subscriber_sns_topic_arns: [topicArn] },
        ],
      }) as any,
    });
  }

  /** An encrypted topic, publishable by this account's alarms and budgets only, with the alert emails subscribed. */
  private topic(props: ObservabilityProps, id: string, name: string, region: string, kmsKeyArn: string, provider?: TerraformProvider): string {
    const topic = new SnsTopic(this, id, { provider, name, kmsMasterKeyId: kmsKeyArn });
    const account = props.accountId;
    new SnsTopicPolicy(this, `${id}-policy`, {
      provider,
      arn: topic.arn,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Alarms', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'SNS:Publish', Resource: topic.arn, Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${account}:alarm:*` } } },
          { Sid: 'Budgets', Effect: 'Allow', Principal: { Service: 'budgets.amazonaws.com' }, Action: 'SNS:Publish', Resource: topic.arn, Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:aws:budgets::${account}:*` } } },
        ],
      }),
    });
    const prefix = id === 'alerts' ? 'email' : `${id}-email`;
    props.alertEmails.forEach((email, i) => new SnsTopicSubscription(this, `${prefix}-${i}`, { provider, topicArn: topic.arn, protocol: 'email', endpoint: email }));
    return topic.arn;
  }
}

/**
 * The guide's "Custom Metrics: plans created, chat sessions, revenue": metric names the app
 * emits (embedded metric format, no dimensions) in the business namespace.
 */
export const BUSINESS_METRICS = [
  { name: 'PlansCreated', title: 'Plans created', unit: 'Count' },
  { name: 'ChatSessions', title: 'Chat sessions', unit: 'Count' },
  { name: 'Revenue', title: 'Revenue (USD)', unit: 'None' },
] as const;

/** A full-width heading and one widget per business metric (sums per 5 minutes): one dashboard row. */
export function businessMetricsRow(namespace: string, region: string): Record<string, unknown>[] {
  return [
    { type: 'text', width: 24, height: 1, properties: { markdown: `**Business metrics** — namespace \`${namespace}\`, written by the app as embedded metric format logs` } },
    ...BUSINESS_METRICS.map((m) => ({ type: 'metric', width: 8, height: 6, properties: { title: m.title, metrics: [[namespace, m.name]], region, period: 300, stat: 'Sum' } })),
  ];
}

function dims(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}
