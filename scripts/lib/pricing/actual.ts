/**
 * The guide's "Cost Validation": the month's real bill (Cost Explorer GetCostAndUsage,
 * grouped by service and usage type, filtered by the stack's `Environment` tag) against the
 * offline estimate, per family, with the usual surprises called out: NAT data processing,
 * inter-AZ and internet data transfer, CloudWatch Logs ingestion, idle capacity.
 *
 * Cost Explorer sees a tag only once it is activated as a cost-allocation tag (README,
 * "Budgets and alert recipients"); an empty answer says so instead of reporting $0 as a saving.
 */
import { CostExplorerClient, GetCostAndUsageCommand, type GetCostAndUsageCommandOutput } from '@aws-sdk/client-cost-explorer';
import type { CostEstimate, CostLine } from './pricing';
import { round2, usd } from './pricers/util';

/** One service x usage type amount of the month. */
export interface ActualItem {
  readonly service: string;
  readonly usageType: string;
  readonly usd: number;
}

export interface ActualMonth {
  /** YYYY-MM */
  readonly month: string;
  readonly start: string;
  /** Exclusive (the first day of the next month), as Cost Explorer takes it. */
  readonly end: string;
  readonly tag: { readonly key: string; readonly value: string };
  /** Cost Explorer marks a month that is not closed yet as estimated. */
  readonly estimated: boolean;
  readonly items: ActualItem[];
  readonly totalUsd: number;
}

/** The families both sides are grouped into (a pricer family, or where AWS bills it). */
export const FAMILIES = ['compute', 'database', 'load balancer', 'network', 'data transfer', 'cdn', 'waf', 'monitoring', 'logs', 'keys and secrets', 'storage', 'registry', 'dns', 'other'] as const;
export type Family = (typeof FAMILIES)[number];

/** `YYYY-MM` -> Cost Explorer's period (end exclusive). @throws naming --month and the format. */
export function monthPeriod(month: string): { start: string; end: string } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new Error(`--month ${JSON.stringify(month)} is not a month; give YYYY-MM, e.g. --month 2026-11`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return { start: `${month}-01`, end: `${next}-01` };
}

/** Every page of GetCostAndUsage for the month, tag-filtered, grouped by SERVICE and USAGE_TYPE. */
export async function fetchActualCosts(client: Pick<CostExplorerClient, 'send'>, opts: { month: string; environment: string; tagKey?: string }): Promise<ActualMonth> {
  const { start, end } = monthPeriod(opts.month);
  const tag = { key: opts.tagKey ?? 'Environment', value: opts.environment };
  const items: ActualItem[] = [];
  let estimated = false;
  let token: string | undefined;
  do {
    const page: GetCostAndUsageCommandOutput = await client.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: start, End: end },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        GroupBy: [
          { Type: 'DIMENSION', Key: 'SERVICE' },
          { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
        ],
        Filter: { Tags: { Key: tag.key, Values: [tag.value], MatchOptions: ['EQUALS'] } },
        NextPageToken: token,
      }),
    );
    for (const r of page.ResultsByTime ?? []) {
      estimated ||= r.Estimated === true;
      for (const g of r.Groups ?? []) {
        const amount = Number(g.Metrics?.UnblendedCost?.Amount ?? 0);
        const unit = g.Metrics?.UnblendedCost?.Unit ?? 'USD';
        if (unit !== 'USD') throw new Error(`Cost Explorer answered in ${unit}; only USD is compared`);
        items.push({ service: g.Keys?.[0] ?? '(none)', usageType: g.Keys?.[1] ?? '(none)', usd: amount });
      }
    }
    token = page.NextPageToken;
  } while (token);
  return { month: opts.month, start, end, tag, estimated, items, totalUsd: round2(items.reduce((s, i) => s + i.usd, 0)) };
}

const TYPE_FAMILY: Readonly<Record<string, Family>> = {
  aws_ecs_service: 'compute',
  aws_db_instance: 'database',
  aws_lb: 'load balancer',
  aws_nat_gateway: 'network',
  aws_eip: 'network',
  aws_cloudfront_distribution: 'cdn',
  aws_wafv2_web_acl: 'waf',
  aws_cloudwatch_dashboard: 'monitoring',
  aws_cloudwatch_metric_alarm: 'monitoring',
  aws_cloudwatch_log_group: 'logs',
  aws_flow_log: 'logs',
  aws_kms_key: 'keys and secrets',
  aws_secretsmanager_secret: 'keys and secrets',
  aws_s3_bucket: 'storage',
  aws_ecr_repository: 'registry',
  aws_route53_zone: 'dns',
};

/** The family of an estimate line (public IPv4 is billed under VPC, whichever resource holds the address). */
export function familyOfLine(line: Pick<CostLine, 'type' | 'item'>): Family {
  if (/IPv4/i.test(line.item)) return 'network';
  return TYPE_FAMILY[line.type] ?? 'other';
}

/** The family of a billed service x usage type. */
export function familyOfUsage(service: string, usageType: string): Family {
  if (/CloudFront/i.test(service)) return 'cdn';
  if (/DataTransfer|-Bytes$/.test(usageType) && !/NatGateway|DataProcessing|VendedLog|TimedStorage/.test(usageType)) return 'data transfer';
  if (/NatGateway|PublicIPv4|ElasticIP|IdleAddress|VpcEndpoint/.test(usageType) || /Virtual Private Cloud/i.test(service)) return 'network';
  if (/CloudWatch/i.test(service)) return /DataProcessing-Bytes|TimedStorage-ByteHrs|VendedLog|Logs/i.test(usageType) ? 'logs' : 'monitoring';
  const byService: [RegExp, Family][] = [
    [/Elastic Container Service$|Fargate/i, 'compute'],
    [/Relational Database/i, 'database'],
    [/Elastic Load Balancing/i, 'load balancer'],
    [/WAF/i, 'waf'],
    [/Key Management|Secrets Manager/i, 'keys and secrets'],
    [/Simple Storage Service/i, 'storage'],
    [/Container Registry/i, 'registry'],
    [/Route ?53/i, 'dns'],
  ];
  return byService.find(([re]) => re.test(service))?.[1] ?? 'other';
}

export interface FamilyComparison {
  readonly family: Family;
  readonly estimateUsd: number;
  readonly actualUsd: number;
  readonly deltaUsd: number;
}

export type SurpriseKind = 'nat-data-processing' | 'inter-az-transfer' | 'internet-transfer' | 'logs-ingestion' | 'idle-capacity';

export interface Surprise {
  readonly kind: SurpriseKind;
  readonly usd: number;
  /** What was billed (usage types and amounts). */
  readonly detail: string;
  /** What usually causes it and what to change. */
  readonly fix: string;
}

export interface ActualComparison {
  readonly month: string;
  readonly tag: ActualMonth['tag'];
  readonly estimated: boolean;
  readonly families: FamilyComparison[];
  readonly estimateUsd: number;
  readonly actualUsd: number;
  readonly surprises: Surprise[];
  /** Billed items by family, largest first (what the actual column is made of). */
  readonly items: (ActualItem & { family: Family })[];
  readonly warnings: string[];
}

const sum = (xs: readonly { usd: number }[]) => round2(xs.reduce((s, x) => s + x.usd, 0));
const listed = (xs: readonly ActualItem[]) => xs.map((x) => `${x.usageType} ${usd(x.usd)}`).join(', ');

/** The guide's usual surprises in a month's items, given what the estimate assumed for each. */
export function findSurprises(items: readonly ActualItem[], estimate: CostEstimate): Surprise[] {
  const out: Surprise[] = [];
  const estimated = (re: RegExp) => round2(estimate.lines.filter((l) => re.test(`${l.type} ${l.item}`)).reduce((s, l) => s + l.monthlyUsd, 0));
  const add = (kind: SurpriseKind, hits: ActualItem[], assumed: number, fix: string) => {
    const total = sum(hits);
    if (total > 0 && total > assumed) out.push({ kind, usd: total, detail: `${listed(hits)}${assumed ? ` (the estimate assumed ${usd(assumed)})` : ' (not in the estimate)'}`, fix });
  };
  add('nat-data-processing', items.filter((i) => /NatGateway-Bytes/.test(i.usageType)), estimated(/aws_nat_gateway .*data/i),
    'every GB through a NAT gateway is charged: image pulls, ECR, S3, CloudWatch Logs and SSM traffic from private subnets; add VPC endpoints (S3 gateway endpoint is free) or pull images less often');
  add('inter-az-transfer', items.filter((i) => /DataTransfer-Regional-Bytes/.test(i.usageType)), 0,
    'traffic between availability zones (tasks to RDS or the ALB in another AZ, Multi-AZ replication is free) is $0.01/GB each way; keep chatty services in one AZ or cache');
  add('internet-transfer', items.filter((i) => !/CloudFront/i.test(i.service) && /DataTransfer-Out-Bytes|AWS-Out-Bytes/.test(i.usageType)), 0,
    'data served to the internet without CloudFront (the ALB or S3 directly, or NAT egress); serve through CloudFront, which the stack puts in front of the ALB');
  add('logs-ingestion', items.filter((i) => /CloudWatch/i.test(i.service) && /DataProcessing-Bytes|VendedLog-Bytes/.test(i.usageType)), estimated(/aws_(cloudwatch_log_group|flow_log) .*(ingestion|delivery)/i),
    'CloudWatch Logs ingestion is $0.50/GB: verbose application logs, flow logs (ALL traffic) and exported PostgreSQL logs; lower log levels, filter flow logs to REJECT, or shorten what is logged');
  const idle = items.filter((i) => /IdleAddress/.test(i.usageType));
  const natHours = items.filter((i) => /NatGateway-Hours/.test(i.usageType));
  const natBytes = sum(items.filter((i) => /NatGateway-Bytes/.test(i.usageType)));
  // Gateways billed by the hour while processing almost nothing ($0.045/GB: under $1 is under ~22 GB).
  const idleNat = natHours.length && sum(natHours) > 0 && natBytes < 1 ? natHours : [];
  add('idle-capacity', [...idle, ...idleNat], 0,
    'capacity billed while unused: public IPv4 addresses not attached, NAT gateways that carry almost no traffic (one shared gateway instead of one per AZ, network.natGatewayPerAz=false)');
  return out;
}

/** Estimate vs actual per family, the surprises, and the items behind the actual column. */
export function compareActual(estimate: CostEstimate, actual: ActualMonth): ActualComparison {
  const items = actual.items.filter((i) => i.usd !== 0).map((i) => ({ ...i, family: familyOfUsage(i.service, i.usageType) }));
  const families = FAMILIES.map((family) => {
    const estimateUsd = round2(estimate.lines.filter((l) => familyOfLine(l) === family).reduce((s, l) => s + l.monthlyUsd, 0));
    const actualUsd = sum(items.filter((i) => i.family === family));
    return { family, estimateUsd, actualUsd, deltaUsd: round2(actualUsd - estimateUsd) };
  }).filter((f) => f.estimateUsd !== 0 || f.actualUsd !== 0);
  const warnings: string[] = [];
  if (!items.length) warnings.push(`Cost Explorer returned nothing tagged ${actual.tag.key}=${actual.tag.value} for ${actual.month}: activate "${actual.tag.key}" as a cost-allocation tag (Billing console, Cost allocation tags; it applies from activation on, 24 h later), or check the month`);
  if (actual.estimated) warnings.push(`${actual.month} is not closed: Cost Explorer marks the figures as estimated`);
  return {
    month: actual.month,
    tag: actual.tag,
    estimated: actual.estimated,
    families,
    estimateUsd: estimate.totalUsd,
    actualUsd: actual.totalUsd,
    surprises: findSurprises(items, estimate),
    items: items.sort((a, b) => b.usd - a.usd),
    warnings,
  };
}

/** The human report of `npm run cost -- --actual`. */
export function renderComparison(c: ActualComparison, stack: string): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  const money = (n: number) => usd(n).padStart(10);
  const delta = (n: number) => `${n >= 0 ? '+' : '-'}${usd(Math.abs(n)).padStart(9)}`;
  const out = [`Estimate vs actual: ${stack}, ${c.month} (Cost Explorer, unblended, tag ${c.tag.key}=${c.tag.value}${c.estimated ? ', month not closed' : ''})`, ''];
  out.push(`${pad('Family', 20)} ${'estimate'.padStart(10)} ${'actual'.padStart(10)} ${'delta'.padStart(10)}`);
  for (const f of c.families) out.push(`${pad(f.family, 20)} ${money(f.estimateUsd)} ${money(f.actualUsd)} ${delta(f.deltaUsd)}`);
  out.push(`${pad('Total', 20)} ${money(c.estimateUsd)} ${money(c.actualUsd)} ${delta(c.actualUsd - c.estimateUsd)}`, '');
  out.push(c.surprises.length ? 'Surprises:' : 'Surprises: none of the usual ones (NAT data processing, inter-AZ and internet transfer, logs ingestion, idle capacity)');
  for (const s of c.surprises) out.push(`  ! ${s.kind} ${usd(s.usd)}: ${s.detail}`, `      ${s.fix}`);
  out.push('', 'Largest billed items:');
  for (const i of c.items.slice(0, 12)) out.push(`  ${pad(i.family, 16)} ${money(i.usd)}  ${i.service} / ${i.usageType}`);
  for (const w of c.warnings) out.push('', `warning: ${w}`);
  return out.join('\n');
}
