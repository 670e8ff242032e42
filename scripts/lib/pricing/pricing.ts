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
import defaultDiscounts from './discounts.json';
import { PRICERS } from './pricers';
import type { AssumptionKey, Pricer, PricingContext } from './pricers/pricer';
import { instances, round2, usd } from './pricers/util';

export type DiscountTable = typeof defaultDiscounts;
export type { CostLine, GuideKey, PriceTable } from './price-types';
import type { CostLine, GuideKey, PriceTable } from './price-types';

/** The parts of a synthesized Terraform JSON document the estimate reads. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly provider?: { readonly aws?: readonly { readonly region?: unknown; readonly alias?: unknown }[] };
}

/** The region of the stack's default (unaliased) AWS provider, when it is a literal. */
export function providerRegion(tf: TerraformJson): string | undefined {
  const region = (tf.provider?.aws ?? []).find((p) => p.alias === undefined)?.region;
  return typeof region === 'string' && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? region : undefined;
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
  /** The region the stack deploys to (its default AWS provider's region). */
  readonly region: string;
  /** The region of the price table used (differs from `region` when no table exists for it). */
  readonly priceRegion: string;
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
  /** The guide's "Cost Optimization" what-ifs (published discounts, dated), beside the on-demand figure. */
  readonly whatIfs: WhatIf[];
  readonly discountsAsOf: string;
}

export interface WhatIf {
  /** `rds-reserved` or `fargate-savings-plan`. */
  readonly kind: 'rds-reserved' | 'fargate-savings-plan';
  readonly label: string;
  readonly appliesTo: string;
  readonly discount: number;
  readonly source: string;
  /** On-demand monthly USD of the lines the discount applies to. */
  readonly onDemandUsd: number;
  readonly discountedUsd: number;
  readonly savingUsd: number;
  /** The whole estimate with this discount applied. */
  readonly totalUsd: number;
}

/** RDS instance hours under reserved instances, Fargate hours under Savings Plans: each published option beside on-demand. */
export function whatIfs(lines: readonly CostLine[], totalUsd: number, discounts: DiscountTable = defaultDiscounts): WhatIf[] {
  const groups = [
    { kind: 'rds-reserved' as const, table: discounts.rdsReservedInstances, applies: (l: CostLine) => l.type === 'aws_db_instance' && /instance hours/.test(l.item) },
    { kind: 'fargate-savings-plan' as const, table: discounts.fargateSavingsPlans, applies: (l: CostLine) => l.type === 'aws_ecs_service' && /^Fargate (vCPU|memory)/.test(l.item) },
  ];
  return groups.flatMap(({ kind, table, applies }) => {
    const onDemandUsd = round2(lines.filter(applies).reduce((s, l) => s + l.monthlyUsd, 0));
    if (!onDemandUsd) return [];
    return table.options.map((o) => {
      const savingUsd = round2(onDemandUsd * o.discount);
      return { kind, label: o.label, appliesTo: table.appliesTo, discount: o.discount, source: o.source, onDemandUsd, discountedUsd: round2(onDemandUsd - savingUsd), savingUsd, totalUsd: round2(totalUsd - savingUsd) };
    });
  });
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

/** What the pricers wrote: priced lines, not-priced items, notes, and every type some pricer accounts for. */
interface PricerPass {
  readonly lines: CostLine[];
  readonly notPriced: NotPriced[];
  readonly notes: string[];
  readonly handled: Set<string>;
}

/**
 * Runs every pricer over `res`. They read it only through `ctx.all(type)` and `ctx.res[type]`, so a
 * `res` whose types are rendered on first read (stacks/cost-estimate.ts) is rendered only as far as
 * the pricers look.
 */
function runPricers(res: NonNullable<TerraformJson['resource']>, prices: PriceTable, pricers: readonly Pricer[]): PricerPass {
  const lines: CostLine[] = [];
  const notPriced: NotPriced[] = [];
  const notes: string[] = [];
  const ctx: PricingContext = {
    prices,
    H: prices.hoursPerMonth,
    A: Object.fromEntries(Object.entries(prices.assumptions).map(([k, v]) => [k, v.value])) as Record<AssumptionKey, number>,
    res,
    all: (type) => Object.entries(res[type] ?? {}),
    add: (l) => lines.push({ ...l, monthlyUsd: round2(l.monthlyUsd) }),
    skip: (type, count, reason) => notPriced.push({ type, count, reason }),
    note: (text) => notes.push(text),
  };
  const handled = new Set<string>();
  for (const pricer of pricers) {
    pricer.price(ctx);
    for (const t of pricer.types) handled.add(t);
  }
  return { lines, notPriced, notes, handled };
}

/** The sum of the priced lines (the `totalUsd` of {@link estimateCost}), without the report around it. */
export function estimateTotalUsd(tf: TerraformJson, prices: PriceTable = defaultPrices, pricers: readonly Pricer[] = PRICERS): number {
  return round2(runPricers(tf.resource ?? {}, prices, pricers).lines.reduce((s, l) => s + l.monthlyUsd, 0));
}

/** Prices a synthesized stack: every pricer of ./pricers/ in turn, then the types none of them took. */
export function estimateCost(tf: TerraformJson, prices: PriceTable = defaultPrices, pricers: readonly Pricer[] = PRICERS): CostEstimate {
  const res = tf.resource ?? {};
  const { lines, notPriced, notes, handled } = runPricers(res, prices, pricers);
  const skip = (type: string, count: number, reason: string) => notPriced.push({ type, count, reason });
  const stackRegion = providerRegion(tf) ?? prices.region;
  if (stackRegion !== prices.region) notes.unshift(`Region: the stack runs in ${stackRegion}, but the bundled table has ${prices.region} prices; ${stackRegion} on-demand prices differ (often 5-15% higher), so treat the figures as a ${prices.region} baseline`);

  // Everything no pricer took: no charge of its own, or not priced.
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
    region: stackRegion,
    priceRegion: prices.region,
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
    whatIfs: whatIfs(lines, totalUsd),
    discountsAsOf: defaultDiscounts.asOf,
  };
}

/** The human report printed by `npm run cost`. */
export function renderCostReport(e: CostEstimate, stack: string): string {
  const out: string[] = [];
  const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
  const money = (n: number) => usd(n).padStart(10);
  out.push(`Monthly cost estimate: ${stack} (${e.region}, on-demand${e.priceRegion !== e.region ? `, at ${e.priceRegion} prices` : ''})`, `Prices: snapshot of ${e.asOf}: ${e.priceSource}`, '');
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
  if (e.whatIfs.length) {
    out.push(`What if (the guide's "Cost Optimization"; published discounts as of ${e.discountsAsOf}, discounts.json):`);
    out.push(`${pad('', 50)} ${'on-demand'.padStart(10)} ${'with it'.padStart(10)} ${'total'.padStart(10)}`);
    for (const w of e.whatIfs) out.push(`${pad(`${w.kind === 'rds-reserved' ? 'RDS reserved' : 'Fargate Savings Plan'}, ${w.label} -${Math.round(w.discount * 100)}%`, 50)} ${money(w.onDemandUsd)} ${money(w.discountedUsd)} ${money(w.totalUsd)}`);
    out.push('');
  }
  out.push('* usage assumptions (prices-us-east-1.json):');
  for (const [k, a] of Object.entries(e.assumptions)) out.push(`  ${k} = ${a.value}: ${a.why}`);
  out.push('', 'Not priced:');
  for (const p of e.notPriced) out.push(`  ${p.type} (${p.count}): ${p.reason}`);
  out.push('', 'Notes:');
  for (const n of e.notes) out.push(`  - ${n}`);
  out.push('', `No charge of their own: ${e.noCharge.map((n) => `${n.type} (${n.count})`).join(', ')}`);
  return out.join('\n');
}
