/**
 * Monthly cost estimate of a synthesized stack (cdk.tf.json), from the bundled
 * us-east-1 on-demand price table (prices-us-east-1.json, dated in the file).
 *
 * Everything sized by the configuration (instance class, Multi-AZ, storage,
 * task size and minimum count, NAT gateways, alarms, rules...) is read from the
 * Terraform JSON. Traffic-driven charges use the stated assumptions of the
 * price file; anything else is listed as not priced, never silently dropped.
 */
import defaultPrices from './prices-us-east-1.json';

export type PriceTable = typeof defaultPrices;
export type GuideKey = PriceTable['guide']['lines'][number]['key'];

/** The parts of a synthesized Terraform JSON document the estimate reads. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
}

export interface CostLine {
  /** Resource type the line prices (e.g. aws_db_instance). */
  readonly type: string;
  /** What is charged, e.g. "instance hours (Multi-AZ)". */
  readonly item: string;
  /** How many resource instances the line covers. */
  readonly count: number;
  readonly monthlyUsd: number;
  /** The arithmetic, readable. */
  readonly basis: string;
  /** Depends on a usage assumption (traffic, GB), not only on the configuration. */
  readonly usageAssumption: boolean;
  /** The guide line it compares with; undefined = not in the guide's table. */
  readonly guide?: GuideKey;
}

export interface NotPriced {
  readonly type: string;
  readonly count: number;
  readonly reason: string;
}

export interface GuideComparison {
  readonly key: GuideKey;
  readonly label: string;
  readonly guideUsd: number;
  readonly estimateUsd: number;
  readonly deltaUsd: number;
}

export interface CostEstimate {
  readonly region: string;
  readonly priceSource: string;
  readonly asOf: string;
  readonly lines: CostLine[];
  /** Sum of the lines, per resource type. */
  readonly byType: { type: string; count: number; monthlyUsd: number }[];
  readonly totalUsd: number;
  /** The part of the total that does not depend on usage assumptions. */
  readonly fixedUsd: number;
  readonly guide: { title: string; totalUsd: number; lines: GuideComparison[]; notInGuideUsd: number };
  /** Types with no charge of their own (or priced within another line). */
  readonly noCharge: { type: string; count: number; note: string }[];
  /** Types (or parts) the table does not price. */
  readonly notPriced: NotPriced[];
  /** Costs that can come on top: scale-out ceiling, storage autoscaling, usage charges not assumed. */
  readonly notes: string[];
  readonly assumptions: Record<string, { value: number; why: string }>;
}

/** Types with no charge of their own; the value says why (or where they are priced). */
export const NO_CHARGE: Readonly<Record<string, string>> = {
  aws_vpc: 'free',
  aws_subnet: 'free',
  aws_route_table: 'free',
  aws_route: 'free',
  aws_route_table_association: 'free',
  aws_internet_gateway: 'free (traffic is data transfer)',
  aws_security_group: 'free',
  aws_default_security_group: 'free',
  aws_security_group_rule: 'free',
  aws_vpc_security_group_ingress_rule: 'free',
  aws_vpc_security_group_egress_rule: 'free',
  aws_iam_role: 'free',
  aws_iam_role_policy: 'free',
  aws_iam_role_policy_attachment: 'free',
  aws_iam_policy: 'free',
  aws_acm_certificate: 'public certificates are free',
  aws_acm_certificate_validation: 'free',
  aws_ecs_cluster: 'free (tasks are priced with aws_ecs_service)',
  aws_ecs_task_definition: 'priced with aws_ecs_service',
  aws_appautoscaling_target: 'free (its min_capacity sizes the Fargate line)',
  aws_appautoscaling_policy: 'free',
  aws_lb_listener: 'priced with aws_lb',
  aws_lb_listener_rule: 'priced with aws_lb',
  aws_lb_target_group: 'priced with aws_lb',
  aws_db_subnet_group: 'free',
  aws_db_parameter_group: 'free',
  aws_route53_record: 'queries priced with aws_route53_zone',
  aws_kms_alias: 'free',
  aws_kms_key_policy: 'free',
  aws_s3_bucket_policy: 'free',
  aws_s3_bucket_public_access_block: 'free',
  aws_s3_bucket_ownership_controls: 'free',
  aws_s3_bucket_server_side_encryption_configuration: 'free (SSE-KMS requests are KMS requests)',
  aws_s3_bucket_versioning: 'free (old versions are storage)',
  aws_s3_bucket_lifecycle_configuration: 'free',
  aws_ecr_lifecycle_policy: 'free (its image count sizes the ECR line)',
  aws_sns_topic: 'free at alert volumes (first 1,000 email notifications a month)',
  aws_sns_topic_policy: 'free',
  aws_sns_topic_subscription: 'free at alert volumes',
  aws_wafv2_web_acl_association: 'priced with aws_wafv2_web_acl',
  aws_cloudwatch_log_resource_policy: 'free',
  aws_ssm_parameter: 'standard parameters are free',
  aws_eip_association: 'priced with aws_eip',
};

const PAID_MANAGED_RULE_GROUPS = ['AWSManagedRulesBotControlRuleSet', 'AWSManagedRulesATPRuleSet', 'AWSManagedRulesACFPRuleSet'];

const round2 = (n: number) => Math.round(n * 100) / 100;
const usd = (n: number) => `$${round2(n).toFixed(2)}`;

/** How many instances a resource block creates (`count` when numeric; for_each is unknown until plan). */
function instances(r: Record<string, unknown>): { n: number; unknown: boolean } {
  if (typeof r.count === 'number') return { n: r.count, unknown: false };
  if (r.count !== undefined || r.for_each !== undefined) return { n: 1, unknown: true };
  return { n: 1, unknown: false };
}

/** `${aws_x.id.attr}` -> { type, id } for every reference in a string. */
function references(value: unknown): { type: string; id: string }[] {
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\./g)].map((m) => ({ type: m[1], id: m[2] }));
}

function num(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : fallback;
}

function asList<T = Record<string, unknown>>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : v && typeof v === 'object' ? [v as T] : [];
}

/** Prices a synthesized stack. */
export function estimateCost(tf: TerraformJson, prices: PriceTable = defaultPrices): CostEstimate {
  const H = prices.hoursPerMonth;
  const A = Object.fromEntries(Object.entries(prices.assumptions).map(([k, v]) => [k, v.value])) as Record<keyof PriceTable['assumptions'], number>;
  const res = tf.resource ?? {};
  const all = (type: string) => Object.entries(res[type] ?? {});
  const lines: CostLine[] = [];
  const notPriced: NotPriced[] = [];
  const notes: string[] = [];
  const handled = new Set<string>();
  const add = (l: CostLine) => lines.push({ ...l, monthlyUsd: round2(l.monthlyUsd) });
  const skip = (type: string, count: number, reason: string) => notPriced.push({ type, count, reason });

  // --- Fargate: task size from the task definition, tasks = autoscaling floor (else desired_count).
  handled.add('aws_ecs_service');
  for (const [id, svc] of all('aws_ecs_service')) {
    const providers = asList<{ capacity_provider?: string }>(svc.capacity_provider_strategy).map((c) => c.capacity_provider);
    const fargate = svc.launch_type === 'FARGATE' || providers.includes('FARGATE') || providers.includes('FARGATE_SPOT');
    if (!fargate) {
      skip('aws_ecs_service', 1, `${id}: not a Fargate service (EC2 capacity is priced by its instances)`);
      continue;
    }
    const tdRef = references(svc.task_definition).find((r) => r.type === 'aws_ecs_task_definition');
    const td = tdRef ? res.aws_ecs_task_definition?.[tdRef.id] : undefined;
    if (!td) {
      skip('aws_ecs_service', 1, `${id}: task definition not found in the stack, so its size is unknown`);
      continue;
    }
    const vcpu = num(td.cpu, NaN) / 1024;
    const gb = num(td.memory, NaN) / 1024;
    if (!Number.isFinite(vcpu) || !Number.isFinite(gb)) {
      skip('aws_ecs_service', 1, `${id}: task cpu/memory not set at the task level`);
      continue;
    }
    const target = all('aws_appautoscaling_target').find(([, t]) => t.service_namespace === 'ecs' && references(t.resource_id).some((r) => r.type === 'aws_ecs_service' && r.id === id));
    const tasks = target ? num(target[1].min_capacity, 1) : num(svc.desired_count, 1);
    const arch = String(asList<{ cpu_architecture?: string }>(td.runtime_platform)[0]?.cpu_architecture ?? 'X86_64').toUpperCase() === 'ARM64' ? 'arm64' : 'x86';
    const p = prices.fargate[arch];
    const from = target ? 'autoscaling min_capacity' : 'desired_count';
    add({ type: 'aws_ecs_service', item: `Fargate vCPU (${arch}, ${tasks} tasks from ${from})`, count: 1, monthlyUsd: vcpu * tasks * H * p.vcpuHour, basis: `${vcpu} vCPU x ${tasks} x ${H} h x $${p.vcpuHour}`, usageAssumption: false, guide: 'compute' });
    add({ type: 'aws_ecs_service', item: `Fargate memory (${arch})`, count: 1, monthlyUsd: gb * tasks * H * p.gbHour, basis: `${gb} GB x ${tasks} x ${H} h x $${p.gbHour}`, usageAssumption: false, guide: 'compute' });
    const eph = num(asList<{ size_in_gib?: number }>(td.ephemeral_storage)[0]?.size_in_gib, 20);
    if (eph > 20) add({ type: 'aws_ecs_service', item: 'Fargate ephemeral storage above 20 GB', count: 1, monthlyUsd: (eph - 20) * tasks * H * prices.fargate.ephemeralGbHourAbove20, basis: `${eph - 20} GB x ${tasks} x ${H} h`, usageAssumption: false, guide: 'compute' });
    if (providers.includes('FARGATE_SPOT')) notes.push(`${id}: uses FARGATE_SPOT; priced at on-demand rates (Spot is up to 70% less)`);
    if (target) {
      const max = num(target[1].max_capacity, tasks);
      if (max > tasks) notes.push(`Scale-out: ${id} may run up to ${max} tasks; at the ceiling Fargate adds ${usd((max - tasks) * H * (vcpu * p.vcpuHour + gb * p.gbHour))}/month over this baseline`);
    }
  }

  // --- RDS: instance class, Multi-AZ and storage from the instance.
  handled.add('aws_db_instance');
  for (const [id, db] of all('aws_db_instance')) {
    const { n } = instances(db);
    const cls = String(db.instance_class ?? '');
    const hourly = (prices.rds.instanceHourly as Record<string, number>)[cls];
    const multiAz = db.multi_az === true;
    if (db.engine !== prices.rds.engine) {
      skip('aws_db_instance', n, `${id}: engine ${String(db.engine)} is not in the price table (PostgreSQL only)`);
      continue;
    }
    if (hourly === undefined) skip('aws_db_instance', n, `${id}: instance class ${cls} is not in the price table; add it to prices-us-east-1.json`);
    else {
      const m = multiAz ? prices.rds.multiAzInstanceMultiplier : 1;
      add({ type: 'aws_db_instance', item: `${cls} instance hours${multiAz ? ' (Multi-AZ)' : ''}`, count: n, monthlyUsd: n * hourly * m * H, basis: `${n} x $${hourly}/h${multiAz ? ` x ${m} (Multi-AZ)` : ''} x ${H} h`, usageAssumption: false, guide: 'database' });
    }
    const storageType = String(db.storage_type ?? 'gp2');
    const gbMonth = (prices.rds.storageGbMonth as Record<string, number>)[storageType];
    const gbs = num(db.allocated_storage, 0);
    if (gbMonth === undefined) skip('aws_db_instance', n, `${id}: storage type ${storageType} not in the price table`);
    else {
      const m = multiAz ? prices.rds.multiAzStorageMultiplier : 1;
      add({ type: 'aws_db_instance', item: `${storageType} storage ${gbs} GB${multiAz ? ' (Multi-AZ)' : ''}`, count: n, monthlyUsd: n * gbs * gbMonth * m, basis: `${n} x ${gbs} GB x $${gbMonth}${multiAz ? ` x ${m}` : ''}`, usageAssumption: false, guide: 'database' });
      const max = num(db.max_allocated_storage, 0);
      if (max > gbs) notes.push(`Storage autoscaling: ${id} may grow to ${max} GB (+${usd(n * (max - gbs) * gbMonth * m)}/month at the ceiling)`);
    }
    if (db.iops !== undefined || db.storage_throughput !== undefined) skip('aws_db_instance', n, `${id}: provisioned IOPS/throughput above the gp3 baseline`);
    if (/^db\.t/.test(cls)) notes.push(`${id}: burstable ${cls} runs in unlimited mode on RDS; sustained CPU above baseline is billed as CPU credits (not priced)`);
    if (num(db.performance_insights_retention_period, 7) > 7) skip('aws_db_instance', n, `${id}: Performance Insights retention beyond the free 7 days`);
    if (num(db.monitoring_interval, 0) > 0 || asList(db.enabled_cloudwatch_logs_exports).length) notes.push(`${id}: Enhanced Monitoring and exported PostgreSQL logs are CloudWatch Logs ingestion (not priced; usually a few dollars)`);
    notes.push(`${id}: backup storage up to the allocated size is free; beyond that and snapshots kept after deletion are not priced`);
    if (db.manage_master_user_password === true) add({ type: 'aws_secretsmanager_secret', item: `RDS-managed master password secret (${id})`, count: n, monthlyUsd: n * prices.secretsManager.secretMonth, basis: `${n} x $${prices.secretsManager.secretMonth}`, usageAssumption: false });
  }

  // --- Load balancers.
  handled.add('aws_lb');
  for (const [id, lb] of all('aws_lb')) {
    const type = String(lb.load_balancer_type ?? 'application');
    if (type !== 'application') {
      skip('aws_lb', 1, `${id}: ${type} load balancers are not in the price table`);
      continue;
    }
    add({ type: 'aws_lb', item: 'ALB hours', count: 1, monthlyUsd: H * prices.alb.hour, basis: `${H} h x $${prices.alb.hour}`, usageAssumption: false, guide: 'loadBalancer' });
    add({ type: 'aws_lb', item: `ALB LCUs (assumed ${A.albAverageLcu} on average)`, count: 1, monthlyUsd: A.albAverageLcu * H * prices.alb.lcuHour, basis: `${A.albAverageLcu} LCU x ${H} h x $${prices.alb.lcuHour}`, usageAssumption: true, guide: 'loadBalancer' });
    if (lb.internal !== true) {
      const ips = Math.max(asList(lb.subnets).length || asList(lb.subnet_mapping).length, 1);
      add({ type: 'aws_lb', item: `public IPv4 addresses (one per subnet: ${ips})`, count: 1, monthlyUsd: ips * H * prices.publicIpv4Hour, basis: `${ips} x ${H} h x $${prices.publicIpv4Hour}`, usageAssumption: false, guide: 'loadBalancer' });
    }
  }

  // --- NAT gateways and Elastic IPs.
  handled.add('aws_nat_gateway');
  const nats = all('aws_nat_gateway').filter(([, r]) => r.connectivity_type !== 'private');
  const natCount = nats.reduce((s, [, r]) => s + instances(r).n, 0);
  if (natCount) {
    add({ type: 'aws_nat_gateway', item: `NAT gateway hours (${natCount})`, count: natCount, monthlyUsd: natCount * H * prices.natGateway.hour, basis: `${natCount} x ${H} h x $${prices.natGateway.hour}`, usageAssumption: false });
    add({ type: 'aws_nat_gateway', item: `NAT data processing (assumed ${A.natDataGbPerGateway} GB per gateway)`, count: natCount, monthlyUsd: natCount * A.natDataGbPerGateway * prices.natGateway.dataGb, basis: `${natCount} x ${A.natDataGbPerGateway} GB x $${prices.natGateway.dataGb}`, usageAssumption: true, guide: 'dataTransfer' });
  }
  handled.add('aws_eip');
  const eips = all('aws_eip').reduce((s, [, r]) => s + instances(r).n, 0);
  if (eips) add({ type: 'aws_eip', item: `public IPv4 (Elastic IPs: ${eips})`, count: eips, monthlyUsd: eips * H * prices.publicIpv4Hour, basis: `${eips} x ${H} h x $${prices.publicIpv4Hour}`, usageAssumption: false });

  // --- CloudFront and WAF.
  handled.add('aws_cloudfront_distribution');
  const dists = all('aws_cloudfront_distribution').length;
  if (dists) {
    add({ type: 'aws_cloudfront_distribution', item: `HTTPS requests (assumed ${A.cloudfrontRequestsMillions} M per distribution)`, count: dists, monthlyUsd: dists * A.cloudfrontRequestsMillions * 100 * prices.cloudfront.httpsRequestsPer10k, basis: `${dists} x ${A.cloudfrontRequestsMillions} M / 10k x $${prices.cloudfront.httpsRequestsPer10k}`, usageAssumption: true, guide: 'cdn' });
    add({ type: 'aws_cloudfront_distribution', item: `data transfer out (assumed ${A.cloudfrontDataOutGb} GB per distribution)`, count: dists, monthlyUsd: dists * A.cloudfrontDataOutGb * prices.cloudfront.dataOutGbFirst10Tb, basis: `${dists} x ${A.cloudfrontDataOutGb} GB x $${prices.cloudfront.dataOutGbFirst10Tb}`, usageAssumption: true, guide: 'dataTransfer' });
    notes.push('CloudFront: the always-free tier (1 TB out, 10 M requests a month per account) is not deducted; origin fetches from the ALB are free');
  }
  handled.add('aws_wafv2_web_acl');
  for (const [id, acl] of all('aws_wafv2_web_acl')) {
    // Rules as blocks (`rule`) or as one JSON document (`rule_json`, literal or jsonencode()): every rule has a Priority.
    const blocks = asList<{ statement?: unknown }>(acl.rule);
    const ruleJson = typeof acl.rule_json === 'string' ? acl.rule_json : '';
    const ruleCount = blocks.length || (ruleJson.match(/"?Priority"?\s*[:=]/g) ?? []).length;
    const ruleText = blocks.length ? JSON.stringify(blocks) : ruleJson;
    add({ type: 'aws_wafv2_web_acl', item: `web ACL + ${ruleCount} rules`, count: 1, monthlyUsd: prices.waf.webAclMonth + ruleCount * prices.waf.ruleMonth, basis: `$${prices.waf.webAclMonth} + ${ruleCount} x $${prices.waf.ruleMonth}`, usageAssumption: false });
    if (acl.scope === 'CLOUDFRONT' && dists) {
      const m = dists * A.cloudfrontRequestsMillions;
      add({ type: 'aws_wafv2_web_acl', item: `requests inspected (the CloudFront assumption: ${m} M)`, count: 1, monthlyUsd: m * prices.waf.requestsPerMillion, basis: `${m} M x $${prices.waf.requestsPerMillion}`, usageAssumption: true });
    } else skip('aws_wafv2_web_acl', 1, `${id}: request charges of a regional web ACL (no request assumption)`);
    const paid = PAID_MANAGED_RULE_GROUPS.filter((g) => ruleText.includes(g));
    for (const g of paid) skip('aws_wafv2_web_acl', 1, `${id}: ${g} subscription and per-request fees`);
  }
  handled.add('aws_wafv2_rule_group');
  const ruleGroups = all('aws_wafv2_rule_group').length;
  if (ruleGroups) add({ type: 'aws_wafv2_rule_group', item: 'custom rule groups', count: ruleGroups, monthlyUsd: ruleGroups * prices.waf.ruleMonth, basis: `${ruleGroups} x $${prices.waf.ruleMonth}`, usageAssumption: false });

  // --- CloudWatch.
  const cw = prices.cloudwatch;
  handled.add('aws_cloudwatch_dashboard');
  const dashboards = all('aws_cloudwatch_dashboard').length;
  if (dashboards) add({ type: 'aws_cloudwatch_dashboard', item: 'dashboards', count: dashboards, monthlyUsd: dashboards * cw.dashboardMonth, basis: `${dashboards} x $${cw.dashboardMonth}`, usageAssumption: false, guide: 'monitoring' });
  handled.add('aws_cloudwatch_metric_alarm');
  const alarms = all('aws_cloudwatch_metric_alarm');
  if (alarms.length) {
    let standard = 0;
    let highRes = 0;
    for (const [, a] of alarms) {
      const queries = asList<{ metric?: { period?: number } }>(a.metric_query);
      const metrics = queries.length ? queries.filter((q) => q.metric).length || 1 : 1;
      const anomaly = JSON.stringify(a.metric_query ?? '').includes('ANOMALY_DETECTION_BAND') ? 2 : 0; // a band is billed as 3 metrics
      const period = num(a.period, queries[0]?.metric?.period ?? 60);
      if (period < 60) highRes += metrics + anomaly;
      else standard += metrics + anomaly;
    }
    add({ type: 'aws_cloudwatch_metric_alarm', item: `alarms (${alarms.length}: ${standard} standard, ${highRes} high-resolution alarm metrics)`, count: alarms.length, monthlyUsd: standard * cw.standardAlarmMetricMonth + highRes * cw.highResolutionAlarmMetricMonth, basis: `${standard} x $${cw.standardAlarmMetricMonth} + ${highRes} x $${cw.highResolutionAlarmMetricMonth}`, usageAssumption: false, guide: 'monitoring' });
  }
  handled.add('aws_cloudwatch_composite_alarm');
  const composite = all('aws_cloudwatch_composite_alarm').length;
  if (composite) add({ type: 'aws_cloudwatch_composite_alarm', item: 'composite alarms', count: composite, monthlyUsd: composite * cw.compositeAlarmMonth, basis: `${composite} x $${cw.compositeAlarmMonth}`, usageAssumption: false, guide: 'monitoring' });

  // Flow logs first: their destination log group is priced by the flow log (vended-log rate), not the generic assumption.
  handled.add('aws_flow_log');
  const flowLogGroups = new Set<string>();
  for (const [id, fl] of all('aws_flow_log')) {
    const dest = String(fl.log_destination_type ?? 'cloud-watch-logs');
    const rate = dest === 's3' ? cw.vendedLogsToS3Gb : dest === 'cloud-watch-logs' ? cw.vendedLogsToCloudWatchGb : undefined;
    for (const r of [...references(fl.log_destination), ...references(fl.log_group_name)]) if (r.type === 'aws_cloudwatch_log_group') flowLogGroups.add(r.id);
    if (rate === undefined) skip('aws_flow_log', 1, `${id}: destination ${dest} not in the price table`);
    else add({ type: 'aws_flow_log', item: `flow-log delivery to ${dest} (assumed ${A.flowLogGbPerMonth} GB)`, count: 1, monthlyUsd: A.flowLogGbPerMonth * rate, basis: `${A.flowLogGbPerMonth} GB x $${rate}`, usageAssumption: true, guide: 'monitoring' });
  }
  handled.add('aws_cloudwatch_log_group');
  for (const [id, lg] of all('aws_cloudwatch_log_group')) {
    const retentionDays = num(lg.retention_in_days, 0);
    const months = retentionDays > 0 ? retentionDays / 30.4 : A.logRetentionMonthsWhenUnlimited;
    const ingest = flowLogGroups.has(id) ? A.flowLogGbPerMonth : A.logIngestGbPerGroup;
    const stored = ingest * months;
    const storage = stored * cw.logsStorageGbMonth;
    const ingestion = flowLogGroups.has(id) ? 0 : ingest * cw.logsIngestGb;
    add({ type: 'aws_cloudwatch_log_group', item: `${String(lg.name ?? id)} (${flowLogGroups.has(id) ? 'storage only' : 'ingestion + storage'}, ${retentionDays ? `${retentionDays} d` : 'never expires'})`, count: 1, monthlyUsd: ingestion + storage, basis: `${flowLogGroups.has(id) ? '' : `${ingest} GB x $${cw.logsIngestGb} + `}${round2(stored)} GB stored x $${cw.logsStorageGbMonth}`, usageAssumption: true, guide: 'monitoring' });
  }
  const insights = all('aws_ecs_cluster').filter(([, c]) => asList<{ name?: string; value?: string }>(c.setting).some((s) => s.name === 'containerInsights' && s.value !== 'disabled'));
  if (insights.length) skip('aws_ecs_cluster', insights.length, 'Container Insights metrics and performance logs (billed as custom metrics and log ingestion)');

  // --- Secrets, keys, storage, registry, DNS, budgets.
  handled.add('aws_secretsmanager_secret');
  const secrets = all('aws_secretsmanager_secret').length;
  if (secrets) add({ type: 'aws_secretsmanager_secret', item: 'secrets', count: secrets, monthlyUsd: secrets * prices.secretsManager.secretMonth, basis: `${secrets} x $${prices.secretsManager.secretMonth}`, usageAssumption: false });
  handled.add('aws_kms_key');
  const keys = all('aws_kms_key');
  if (keys.length) {
    add({ type: 'aws_kms_key', item: 'customer managed keys', count: keys.length, monthlyUsd: keys.length * prices.kms.keyMonth, basis: `${keys.length} x $${prices.kms.keyMonth}`, usageAssumption: false });
    add({ type: 'aws_kms_key', item: `requests (assumed ${A.kmsRequestsPerKey} per key)`, count: keys.length, monthlyUsd: (keys.length * A.kmsRequestsPerKey * prices.kms.requestsPer10k) / 10000, basis: `${keys.length} x ${A.kmsRequestsPerKey} / 10k x $${prices.kms.requestsPer10k}`, usageAssumption: true });
    if (keys.some(([, k]) => k.enable_key_rotation === true)) notes.push('KMS: each of the first two automatic rotations adds $1/month per key (not priced)');
  }
  handled.add('aws_s3_bucket');
  const buckets = all('aws_s3_bucket').length;
  if (buckets) {
    add({ type: 'aws_s3_bucket', item: `Standard storage (assumed ${A.s3GbPerBucket} GB per bucket)`, count: buckets, monthlyUsd: buckets * A.s3GbPerBucket * prices.s3.standardGbMonth, basis: `${buckets} x ${A.s3GbPerBucket} GB x $${prices.s3.standardGbMonth}`, usageAssumption: true, guide: 's3' });
    notes.push('S3: request charges (PUT/GET) are not priced; log delivery PUTs are small');
  }
  handled.add('aws_ecr_repository');
  for (const [id] of all('aws_ecr_repository')) {
    const policy = all('aws_ecr_lifecycle_policy').find(([, p]) => references(p.repository).some((r) => r.type === 'aws_ecr_repository' && r.id === id));
    let kept = A.ecrImagesKept;
    if (policy && typeof policy[1].policy === 'string') {
      const rules = (JSON.parse(policy[1].policy).rules ?? []) as { selection?: { countType?: string; countNumber?: number; tagStatus?: string } }[];
      const byCount = rules.map((r) => r.selection).filter((s) => s?.countType === 'imageCountMoreThan').map((s) => s!.countNumber ?? kept);
      if (byCount.length) kept = Math.max(...byCount);
    }
    add({ type: 'aws_ecr_repository', item: `${kept} images kept${policy ? ' (lifecycle policy)' : ' (assumed)'} x ${A.ecrImageGb} GB`, count: 1, monthlyUsd: kept * A.ecrImageGb * prices.ecr.storageGbMonth, basis: `${kept} x ${A.ecrImageGb} GB x $${prices.ecr.storageGbMonth}`, usageAssumption: true, guide: 'ecr' });
  }
  handled.add('aws_route53_zone');
  const zones = all('aws_route53_zone').length;
  if (zones) {
    add({ type: 'aws_route53_zone', item: 'hosted zones', count: zones, monthlyUsd: zones * prices.route53.hostedZoneMonth, basis: `${zones} x $${prices.route53.hostedZoneMonth}`, usageAssumption: false });
    add({ type: 'aws_route53_zone', item: `queries (assumed ${A.route53QueriesMillions} M non-alias per zone)`, count: zones, monthlyUsd: zones * A.route53QueriesMillions * prices.route53.standardQueriesPerMillion, basis: `${zones} x ${A.route53QueriesMillions} M x $${prices.route53.standardQueriesPerMillion}`, usageAssumption: true });
  }
  handled.add('aws_route53_health_check');
  const checks = all('aws_route53_health_check').length;
  if (checks) add({ type: 'aws_route53_health_check', item: 'health checks (AWS endpoints, basic)', count: checks, monthlyUsd: checks * prices.route53.healthCheckMonth, basis: `${checks} x $${prices.route53.healthCheckMonth}`, usageAssumption: false });
  handled.add('aws_budgets_budget');
  const budgets = all('aws_budgets_budget').length;
  if (budgets) add({ type: 'aws_budgets_budget', item: 'budgets (no charge without actions)', count: budgets, monthlyUsd: budgets * prices.budgets.budgetMonth, basis: `${budgets} x $${prices.budgets.budgetMonth}`, usageAssumption: false });
  handled.add('aws_budgets_budget_action');
  const actions = all('aws_budgets_budget_action').length;
  if (actions) {
    const paid = Math.max(0, actions - prices.budgets.freeActionBudgets);
    add({ type: 'aws_budgets_budget_action', item: `action-enabled budgets (${prices.budgets.freeActionBudgets} free per account)`, count: actions, monthlyUsd: paid * prices.budgets.actionBudgetDay * 30.4, basis: `${paid} x $${prices.budgets.actionBudgetDay}/day x 30.4`, usageAssumption: false });
  }

  // --- Everything else: no charge of its own, or not priced.
  const noCharge: CostEstimate['noCharge'] = [];
  for (const [type, rs] of Object.entries(res)) {
    if (handled.has(type)) continue;
    const count = Object.values(rs).reduce((s, r) => s + instances(r).n, 0);
    if (NO_CHARGE[type]) noCharge.push({ type, count, note: NO_CHARGE[type] });
    else if (!notPriced.some((p) => p.type === type)) skip(type, count, 'not in the price table');
  }
  notes.push('Not priced: data transfer out to the internet other than through CloudFront, inter-AZ traffic, and API request charges beyond the assumptions above; free tiers are not deducted');

  const byTypeMap = new Map<string, { type: string; count: number; monthlyUsd: number }>();
  for (const l of lines) {
    const inJson = Object.values(res[l.type] ?? {}).reduce((s, r) => s + instances(r).n, 0);
    const e = byTypeMap.get(l.type) ?? { type: l.type, count: inJson, monthlyUsd: 0 };
    if (!inJson) e.count += l.count;
    e.monthlyUsd = round2(e.monthlyUsd + l.monthlyUsd);
    byTypeMap.set(l.type, e);
  }
  const totalUsd = round2(lines.reduce((s, l) => s + l.monthlyUsd, 0));
  const guideLines = prices.guide.lines.map((g) => {
    const estimateUsd = round2(lines.filter((l) => l.guide === g.key).reduce((s, l) => s + l.monthlyUsd, 0));
    return { key: g.key as GuideKey, label: g.label, guideUsd: g.usd, estimateUsd, deltaUsd: round2(estimateUsd - g.usd) };
  });
  return {
    region: prices.region,
    priceSource: prices.source,
    asOf: prices.asOf,
    lines,
    byType: [...byTypeMap.values()].sort((a, b) => b.monthlyUsd - a.monthlyUsd),
    totalUsd,
    fixedUsd: round2(lines.filter((l) => !l.usageAssumption).reduce((s, l) => s + l.monthlyUsd, 0)),
    guide: { title: prices.guide.title, totalUsd: prices.guide.total, lines: guideLines, notInGuideUsd: round2(lines.filter((l) => !l.guide).reduce((s, l) => s + l.monthlyUsd, 0)) },
    noCharge: noCharge.sort((a, b) => a.type.localeCompare(b.type)),
    notPriced,
    notes,
    assumptions: prices.assumptions,
  };
}

/** The human report printed by `npm run cost`. */
export function renderCostReport(e: CostEstimate, stack: string): string {
  const out: string[] = [];
  const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
  const money = (n: number) => usd(n).padStart(10);
  out.push(`Monthly cost estimate: ${stack} (${e.region}, on-demand)`, `Prices: ${e.priceSource}`, '');
  out.push(`${pad('Resource type / item', 74)} ${'USD/month'.padStart(10)}  basis`);
  for (const t of e.byType) {
    out.push(`${pad(`${t.type} (${t.count})`, 74)} ${money(t.monthlyUsd)}`);
    for (const l of e.lines.filter((x) => x.type === t.type)) out.push(`  ${pad(`${l.item}${l.usageAssumption ? ' *' : ''}`, 72)} ${money(l.monthlyUsd)}  ${l.basis}`);
  }
  out.push(`${pad('Total', 74)} ${money(e.totalUsd)}`, `${pad('  of which fixed by the configuration (no * usage assumption)', 74)} ${money(e.fixedUsd)}`, '');
  out.push(`Compared with the guide (${e.guide.title}):`, `${pad('Guide line', 40)} ${'guide'.padStart(10)} ${'estimate'.padStart(10)} ${'delta'.padStart(10)}`);
  for (const g of e.guide.lines) out.push(`${pad(g.label, 40)} ${money(g.guideUsd)} ${money(g.estimateUsd)} ${(g.deltaUsd >= 0 ? '+' : '-') + usd(Math.abs(g.deltaUsd)).padStart(9)}`);
  out.push(`${pad('Not in the guide (NAT, IPv4, WAF, KMS..)', 40)} ${money(0)} ${money(e.guide.notInGuideUsd)}`);
  out.push(`${pad('Total', 40)} ${money(e.guide.totalUsd)} ${money(e.totalUsd)} ${(e.totalUsd - e.guide.totalUsd >= 0 ? '+' : '-') + usd(Math.abs(e.totalUsd - e.guide.totalUsd)).padStart(9)}`, '');
  out.push('* usage assumptions (prices-us-east-1.json):');
  for (const [k, a] of Object.entries(e.assumptions)) out.push(`  ${k} = ${a.value}: ${a.why}`);
  out.push('', 'Not priced:');
  for (const p of e.notPriced) out.push(`  ${p.type} (${p.count}): ${p.reason}`);
  out.push('', 'Notes:');
  for (const n of e.notes) out.push(`  - ${n}`);
  out.push('', `No charge of their own: ${e.noCharge.map((n) => `${n.type} (${n.count})`).join(', ')}`);
  return out.join('\n');
}
