/**
 * `npm run cost -- --refresh`: current us-east-1 on-demand prices from the AWS Price List API
 * (GetProducts) into the dated snapshot the offline estimate reads (prices-us-east-1.json).
 *
 * Each refreshable price of the snapshot has one query below (service code + TERM_MATCH
 * filters). A query that matches nothing, or products that disagree, keeps the old value and
 * says so; the snapshot's `asOf` and `source` then name the fetch date and what was kept.
 */
import { GetProductsCommand, type GetProductsCommandOutput, type PricingClient } from '@aws-sdk/client-pricing';
import type { PriceTable } from './pricing';

/** A price in the snapshot and how the Price List API finds it. */
export interface PriceQuery {
  /** Path in prices-us-east-1.json, e.g. ['rds', 'instanceHourly', 'db.t3.medium']. */
  readonly path: readonly string[];
  readonly serviceCode: string;
  /** TERM_MATCH filters (product attributes). */
  readonly filters: Readonly<Record<string, string>>;
}

const REGION = 'us-east-1';

/** The queries for a snapshot: every RDS class it lists, then the fixed list of other prices. */
export function priceQueries(table: PriceTable): PriceQuery[] {
  const rds = Object.keys(table.rds.instanceHourly).map((cls) => ({
    path: ['rds', 'instanceHourly', cls],
    serviceCode: 'AmazonRDS',
    filters: { regionCode: REGION, instanceType: cls, databaseEngine: 'PostgreSQL', deploymentOption: 'Single-AZ' },
  }));
  const byUsage = (path: string[], serviceCode: string, usagetype: string, extra: Record<string, string> = {}): PriceQuery => ({ path, serviceCode, filters: { regionCode: REGION, usagetype, ...extra } });
  return [
    ...rds,
    byUsage(['rds', 'storageGbMonth', 'gp3'], 'AmazonRDS', 'RDS:GP3-Storage', { databaseEngine: 'PostgreSQL', deploymentOption: 'Single-AZ' }),
    byUsage(['rds', 'storageGbMonth', 'gp2'], 'AmazonRDS', 'RDS:GP2-Storage', { databaseEngine: 'PostgreSQL', deploymentOption: 'Single-AZ' }),
    byUsage(['fargate', 'x86', 'vcpuHour'], 'AmazonECS', 'USE1-Fargate-vCPU-Hours:perCPU'),
    byUsage(['fargate', 'x86', 'gbHour'], 'AmazonECS', 'USE1-Fargate-GB-Hours'),
    byUsage(['fargate', 'arm64', 'vcpuHour'], 'AmazonECS', 'USE1-Fargate-ARM-vCPU-Hours:perCPU'),
    byUsage(['fargate', 'arm64', 'gbHour'], 'AmazonECS', 'USE1-Fargate-ARM-GB-Hours'),
    byUsage(['alb', 'hour'], 'AWSELB', 'LoadBalancerUsage', { productFamily: 'Load Balancer-Application' }),
    byUsage(['alb', 'lcuHour'], 'AWSELB', 'LCUUsage', { productFamily: 'Load Balancer-Application' }),
    byUsage(['natGateway', 'hour'], 'AmazonEC2', 'NatGateway-Hours'),
    byUsage(['natGateway', 'dataGb'], 'AmazonEC2', 'NatGateway-Bytes'),
    byUsage(['publicIpv4Hour'], 'AmazonVPC', 'PublicIPv4:InUseAddress'),
    byUsage(['cloudwatch', 'logsIngestGb'], 'AmazonCloudWatch', 'USE1-DataProcessing-Bytes'),
    byUsage(['cloudwatch', 'logsStorageGbMonth'], 'AmazonCloudWatch', 'USE1-TimedStorage-ByteHrs'),
    byUsage(['secretsManager', 'secretMonth'], 'AWSSecretsManager', 'USE1-AWSSecretsManager-Secrets'),
    byUsage(['kms', 'keyMonth'], 'awskms', 'USE1-KMS-Keys'),
    byUsage(['s3', 'standardGbMonth'], 'AmazonS3', 'TimedStorage-ByteHrs', { storageClass: 'General Purpose' }),
    byUsage(['ecr', 'storageGbMonth'], 'AmazonECR', 'USE1-TimedStorage-ByteHrs'),
    byUsage(['route53', 'hostedZoneMonth'], 'AmazonRoute53', 'HostedZone'),
  ];
}

/** A Price List product (the JSON string GetProducts returns, parsed), as far as it is read. */
interface PriceListItem {
  product?: { attributes?: Record<string, string> };
  terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, { beginRange?: string; unit?: string; pricePerUnit?: { USD?: string } }> }> };
}

/** The on-demand USD price of a product: its first tier (beginRange 0), undefined when it has none. */
export function onDemandUsd(item: PriceListItem): number | undefined {
  for (const term of Object.values(item.terms?.OnDemand ?? {})) {
    const dims = Object.values(term.priceDimensions ?? {}).sort((a, b) => Number(a.beginRange ?? 0) - Number(b.beginRange ?? 0));
    const usd = Number(dims[0]?.pricePerUnit?.USD);
    if (Number.isFinite(usd) && dims[0]?.pricePerUnit?.USD !== undefined) return usd;
  }
  return undefined;
}

/** Every product GetProducts returns for a query (all pages). */
async function products(client: Pick<PricingClient, 'send'>, q: PriceQuery): Promise<PriceListItem[]> {
  const out: PriceListItem[] = [];
  let token: string | undefined;
  do {
    const page: GetProductsCommandOutput = await client.send(
      new GetProductsCommand({ ServiceCode: q.serviceCode, Filters: Object.entries(q.filters).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value })), FormatVersion: 'aws_v1', NextToken: token, MaxResults: 100 }),
    );
    for (const p of page.PriceList ?? []) out.push(JSON.parse(String(p)) as PriceListItem);
    token = page.NextToken;
  } while (token);
  return out;
}

export interface RefreshChange {
  readonly key: string;
  readonly before: number;
  /** undefined when kept (see `reason`). */
  readonly after?: number;
  readonly reason?: string;
}

export interface RefreshResult {
  readonly table: PriceTable;
  readonly changes: RefreshChange[];
  readonly refreshed: number;
  readonly kept: number;
}

const getPath = (o: unknown, path: readonly string[]) => path.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
function setPath(o: Record<string, unknown>, path: readonly string[], value: number): void {
  let x = o;
  for (const k of path.slice(0, -1)) x = x[k] as Record<string, unknown>;
  x[path[path.length - 1]] = value;
}

/** Fetches every query and returns the new table (the input is not modified), dated `today`. */
export async function refreshPrices(client: Pick<PricingClient, 'send'>, table: PriceTable, today: string): Promise<RefreshResult> {
  const next = JSON.parse(JSON.stringify(table)) as PriceTable & Record<string, unknown>;
  const changes: RefreshChange[] = [];
  for (const q of priceQueries(table)) {
    const key = q.path.join('.');
    const before = Number(getPath(table, q.path));
    const prices = [...new Set((await products(client, q)).map(onDemandUsd).filter((p): p is number => p !== undefined && p > 0))];
    if (prices.length === 1) {
      setPath(next, q.path, prices[0]);
      changes.push({ key, before, after: prices[0] });
    } else {
      const why = prices.length ? `${prices.length} products with different prices (${prices.join(', ')})` : 'no product matched';
      changes.push({ key, before, reason: `${why}: ${q.serviceCode} ${Object.entries(q.filters).map(([k, v]) => `${k}=${v}`).join(' ')}` });
    }
  }
  const kept = changes.filter((c) => c.after === undefined).length;
  const refreshed = changes.length - kept;
  next.asOf = today;
  next.source = `AWS Price List API (GetProducts, on-demand, ${REGION}), fetched ${today} by npm run cost -- --refresh: ${refreshed} of ${changes.length} prices refreshed${kept ? `, ${kept} kept from the ${table.asOf} snapshot` : ''}; usage assumptions and the rest of the table are not fetched`;
  return { table: next, changes, refreshed, kept };
}
