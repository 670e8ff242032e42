/**
 * The cost estimate reads sizes from the synthesized Terraform JSON, so
 * changing the config changes exactly the lines it should.
 */
import { execFile } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer, Server } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import type { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { compareActual, fetchActualCosts, monthPeriod } from '../../scripts/lib/pricing/actual';
import { estimateCost, NO_CHARGE, renderCostReport, TerraformJson } from '../../scripts/lib/pricing/pricing';
import { PRICERS } from '../../scripts/lib/pricing/pricers';
import discounts from '../../scripts/lib/pricing/discounts.json';
import prices from '../../scripts/lib/pricing/prices-us-east-1.json';
import { FAKE_AWS_KEYS, useMoto } from '../support/moto';
import { synthEnvironment } from '../support/synth';
import CE from './fixtures/cost-explorer-2026-11.json';
import PRICE_LIST from './fixtures/price-list.json';

const ROOT = join(__dirname, '..', '..');
const items = (ce: typeof CE) => ce.pages.flatMap((p) => p.ResultsByTime.flatMap((r) => r.Groups.map((g) => ({ usd: Number(g.Metrics.UnblendedCost.Amount) }))));

const synth = (overrides: Parameters<typeof synthEnvironment>[0] = {}, env = 'production') => synthEnvironment(overrides, env) as unknown as TerraformJson;
const typeTotal = (e: ReturnType<typeof estimateCost>, type: string) => e.byType.find((t) => t.type === type)?.monthlyUsd ?? 0;
const line = (e: ReturnType<typeof estimateCost>, type: string, item: RegExp) => {
  const hits = e.lines.filter((l) => l.type === type && item.test(l.item));
  if (hits.length !== 1) throw new Error(`expected one ${type} line matching ${item}, found ${hits.length}`);
  return hits[0];
};

const production = estimateCost(synth());

describe('estimateCost on the synthesized production stack', () => {
  it('prices the database from its instance class and Multi-AZ flag', () => {
    const hourly = prices.rds.instanceHourly['db.t3.medium'];
    expect(line(production, 'aws_db_instance', /instance hours/).monthlyUsd).toBeCloseTo(hourly * 2 * prices.hoursPerMonth, 2);
  });

  it('doubles the RDS instance line with Multi-AZ', () => {
    // Staging: the policy pack requires Multi-AZ in production, so the single-AZ side is staging's default.
    const single = estimateCost(synth({}, 'staging'));
    const multi = estimateCost(synth({ environments: { staging: { database: { multiAz: true } } } }, 'staging'));
    expect(line(multi, 'aws_db_instance', /instance hours/).monthlyUsd).toBeCloseTo(2 * line(single, 'aws_db_instance', /instance hours/).monthlyUsd, 2);
  });

  it('follows a change of instance class in the config', () => {
    const large = estimateCost(synth({ environments: { production: { database: { instanceClass: 'db.t3.large' } } } }));
    expect(line(large, 'aws_db_instance', /instance hours/).item).toContain('db.t3.large');
    expect(line(large, 'aws_db_instance', /instance hours/).monthlyUsd).toBeGreaterThan(line(production, 'aws_db_instance', /instance hours/).monthlyUsd);
  });

  it('does not change the baseline when maxTasks doubles', () => {
    const max = estimateCost(synth({ environments: { production: { service: { maxTasks: 20 } } } }));
    expect(max.totalUsd).toBe(production.totalUsd);
    expect(typeTotal(max, 'aws_ecs_service')).toBe(typeTotal(production, 'aws_ecs_service'));
  });

  it('scales Fargate with minTasks', () => {
    const three = estimateCost(synth({ environments: { production: { service: { minTasks: 3 } } } }));
    expect(typeTotal(three, 'aws_ecs_service')).toBeCloseTo((typeTotal(production, 'aws_ecs_service') * 3) / 2, 1);
    expect(three.totalUsd).toBeGreaterThan(production.totalUsd);
  });

  it('prices a bootstrap service (no image tag, 0 tasks) at its minTasks floor and says so', () => {
    expect(line(production, 'aws_ecs_service', /Fargate vCPU/).item).toContain('2 tasks from minTasks; bootstrap runs 0');
    expect(production.notes.some((n) => /Bootstrap: .* runs 0 tasks until the first apply with an image tag/.test(n))).toBe(true);
  });

  it('prices a deployed service (image tag set) at its autoscaling floor', () => {
    const tagged = estimateCost(synth({ environments: { production: { service: { imageTag: 'v1' } } } }));
    expect(line(tagged, 'aws_ecs_service', /Fargate vCPU/).item).toContain('2 tasks from autoscaling min_capacity');
  });

  it('prices one NAT gateway per AZ in production and one shared gateway when natGatewayPerAz is off', () => {
    const shared = estimateCost(synth({ environments: { production: { network: { natGatewayPerAz: false } } } }));
    expect(line(production, 'aws_nat_gateway', /hours/).count).toBe(2);
    expect(line(shared, 'aws_nat_gateway', /hours/).count).toBe(1);
  });

  it('costs less for staging than for production', () => {
    const staging = estimateCost(synth({}, 'staging'));
    expect(staging.totalUsd).toBeLessThan(production.totalUsd);
    expect(staging.fixedUsd).toBeLessThan(production.fixedUsd);
  });

  it('compares every guide line and adds up to the guide total of $220', () => {
    expect(production.guide.lines.map((g) => g.label)).toEqual(prices.guide.lines.map((g) => g.label));
    expect(production.guide.lines.reduce((s, g) => s + g.guideUsd, 0)).toBe(220);
    const mapped = production.guide.lines.reduce((s, g) => s + g.estimateUsd, 0) + production.guide.notInGuideUsd;
    expect(mapped).toBeCloseTo(production.totalUsd, 1);
  });

  it('leaves no resource type of the stack unaccounted for: priced, no charge, or listed as not priced', () => {
    const json = synth();
    const accounted = new Set([...production.byType.map((t) => t.type), ...production.noCharge.map((t) => t.type), ...production.notPriced.map((t) => t.type)]);
    expect(Object.keys(json.resource!).filter((t) => !accounted.has(t))).toEqual([]);
  });

  it('lists a resource type it has no price for as not priced', () => {
    const json = synth();
    const withUnknown: TerraformJson = { resource: { ...json.resource, aws_elasticache_cluster: { cache: { node_type: 'cache.t3.micro' } } } };
    expect(estimateCost(withUnknown).notPriced).toContainEqual({ type: 'aws_elasticache_cluster', count: 1, reason: 'not in the price table' });
  });

  it('reports an instance class missing from the table instead of pricing it at zero', () => {
    const e = estimateCost(synth({ environments: { production: { database: { instanceClass: 'db.x2g.large' } } } }));
    expect(e.notPriced.some((p) => p.type === 'aws_db_instance' && p.reason.includes('db.x2g.large'))).toBe(true);
    expect(e.lines.some((l) => l.type === 'aws_db_instance' && /instance hours/.test(l.item))).toBe(false);
  });

  it('names the price source and its date in the report', () => {
    const text = renderCostReport(production, 'production');
    expect(text).toContain(prices.source);
    expect(text).toContain(prices.asOf);
    expect(text).toMatch(/Not priced:/);
  });

  it('labels a stack with its own region and says the figures are us-east-1 prices', () => {
    const prefixList = { edge: { cloudfrontPrefixListId: 'pl-0123456789abcdef0' } };
    const eu = estimateCost(synth({ region: 'eu-west-1', environments: { production: prefixList, staging: prefixList } }));
    expect(eu.region).toBe('eu-west-1');
    expect(eu.priceRegion).toBe('us-east-1');
    expect(renderCostReport(eu, 'production').split('\n')[0]).toBe('Monthly cost estimate: production (eu-west-1, on-demand, at us-east-1 prices)');
    expect(eu.notes[0]).toMatch(/^Region: the stack runs in eu-west-1, but the bundled table has us-east-1 prices/);
  });

  it('labels a us-east-1 stack plainly', () => {
    expect(renderCostReport(production, 'production').split('\n')[0]).toBe('Monthly cost estimate: production (us-east-1, on-demand)');
  });
});

describe('the pricers', () => {
  it('take disjoint resource types, none of them also listed as having no charge', () => {
    const types = PRICERS.flatMap((p) => p.types);
    expect(types.filter((t, i) => types.indexOf(t) !== i)).toEqual([]);
    expect(types.filter((t) => NO_CHARGE[t] !== undefined)).toEqual([]);
  });

  it('run only the pricers given: without the RDS pricer the database is listed as not priced', () => {
    const withoutRds = estimateCost(synth(), prices, PRICERS.filter((p) => p.family !== 'RDS'));
    expect(withoutRds.lines.some((l) => l.type === 'aws_db_instance')).toBe(false);
    expect(withoutRds.notPriced).toContainEqual({ type: 'aws_db_instance', count: 1, reason: 'not in the price table' });
  });
});

describe('what-ifs from the guide\'s "Cost Optimization"', () => {
  const rds = production.whatIfs.filter((w) => w.kind === 'rds-reserved');
  const fargate = production.whatIfs.filter((w) => w.kind === 'fargate-savings-plan');

  it('prices every published RDS reserved-instance option on the instance hours only, beside the on-demand figure', () => {
    expect(rds.map((w) => w.discount)).toEqual(discounts.rdsReservedInstances.options.map((o) => o.discount));
    const hours = line(production, 'aws_db_instance', /instance hours/).monthlyUsd;
    for (const w of rds) {
      expect(w.onDemandUsd).toBe(hours);
      expect(w.discountedUsd).toBeCloseTo(hours * (1 - w.discount), 1);
      expect(w.totalUsd).toBeCloseTo(production.totalUsd - hours * w.discount, 1);
    }
  });

  it('prices every Fargate Savings Plan option on the vCPU and memory hours of the service', () => {
    const hours = production.lines.filter((l) => l.type === 'aws_ecs_service' && /^Fargate (vCPU|memory)/.test(l.item)).reduce((s, l) => s + l.monthlyUsd, 0);
    expect(fargate.length).toBe(discounts.fargateSavingsPlans.options.length);
    for (const w of fargate) expect(w.onDemandUsd).toBeCloseTo(hours, 2);
  });

  it('follow the stack: a larger instance class saves more under the same reservation', () => {
    const large = estimateCost(synth({ environments: { production: { database: { instanceClass: 'db.t3.large' } } } }));
    expect(large.whatIfs.find((w) => w.kind === 'rds-reserved')!.savingUsd).toBeGreaterThan(rds[0].savingUsd);
  });

  it('are printed with the date of the published discounts, and the estimate says the date of its price snapshot', () => {
    const text = renderCostReport(production, 'production');
    expect(text).toContain(`published discounts as of ${discounts.asOf}`);
    expect(text).toMatch(/^RDS reserved, migration guide: Reserved Instances -40%/m);
    expect(text.split('\n')[1]).toBe(`Prices: snapshot of ${prices.asOf}: ${prices.source}`);
  });
});

describe('estimate vs actual (Cost Explorer)', () => {
  const november = { month: '2026-11', ...monthPeriod('2026-11'), tag: { key: 'Environment', value: 'production' }, estimated: false };
  const items = CE.pages.flatMap((p) => p.ResultsByTime.flatMap((r) => r.Groups.map((g) => ({ service: g.Keys[0], usageType: g.Keys[1], usd: Number(g.Metrics.UnblendedCost.Amount) }))));
  const actual = { ...november, items, totalUsd: items.reduce((s, i) => s + i.usd, 0) };
  const comparison = compareActual(production, actual);
  const family = (name: string) => comparison.families.find((f) => f.family === name)!;

  it('takes the month as Cost Explorer does (end exclusive, December into January) and refuses anything else, naming --month', () => {
    expect(monthPeriod('2026-12')).toEqual({ start: '2026-12-01', end: '2027-01-01' });
    expect(() => monthPeriod('2026-1')).toThrow(/^--month "2026-1" is not a month; give YYYY-MM/);
  });

  it('asks for the month grouped by service and usage type, filtered by the Environment tag, and follows every page', async () => {
    const sent: GetCostAndUsageCommand[] = [];
    const client = { send: async (c: GetCostAndUsageCommand) => (sent.push(c), CE.pages[sent.length - 1]) };
    const got = await fetchActualCosts(client as never, { month: '2026-11', environment: 'production' });
    expect(sent.map((c) => c.input.NextPageToken)).toEqual([undefined, 'page-2']);
    expect(sent[0].input).toMatchObject({ TimePeriod: { Start: '2026-11-01', End: '2026-12-01' }, Granularity: 'MONTHLY', GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }, { Type: 'DIMENSION', Key: 'USAGE_TYPE' }], Filter: { Tags: { Key: 'Environment', Values: ['production'] } } });
    expect(got.items).toHaveLength(items.length);
    expect(got.totalUsd).toBeCloseTo(actual.totalUsd, 2);
  });

  it('puts each billed item in the family the estimate prices it in', () => {
    expect(family('database').actualUsd).toBeCloseTo(105.12 + 23.0, 2);
    expect(family('compute').actualUsd).toBeCloseTo(118.2 + 25.96, 2);
    expect(family('cdn').actualUsd).toBeCloseTo(21.3 + 9.8, 2);
    expect(family('network').actualUsd).toBeCloseTo(65.7 + 31.5 + 14.6 + 3.65, 2);
    expect(family('database').estimateUsd).toBeCloseTo(production.lines.filter((l) => l.type === 'aws_db_instance').reduce((s, l) => s + l.monthlyUsd, 0), 2);
    expect(comparison.families.reduce((s, f) => s + f.actualUsd, 0)).toBeCloseTo(actual.totalUsd, 1);
  });

  it('flags each of the usual surprises with what was billed and the fix', () => {
    const kinds = Object.fromEntries(comparison.surprises.map((s) => [s.kind, s]));
    expect(Object.keys(kinds).sort()).toEqual(['idle-capacity', 'inter-az-transfer', 'internet-transfer', 'logs-ingestion', 'nat-data-processing']);
    expect(kinds['nat-data-processing'].detail).toMatch(/USE1-NatGateway-Bytes \$31\.50 \(the estimate assumed \$4\.50\)/);
    expect(kinds['inter-az-transfer'].usd).toBe(12.4);
    expect(kinds['internet-transfer'].detail).toBe('USE1-DataTransfer-Out-Bytes $8.75 (not in the estimate)');
    expect(kinds['idle-capacity'].detail).toContain('USE1-PublicIPv4:IdleAddress $3.65');
    expect(kinds['logs-ingestion'].fix).toMatch(/\$0\.50\/GB/);
  });

  it('flags nothing on a month that billed only what the estimate assumed', () => {
    const calm = items.filter((i) => !/Bytes|IdleAddress/.test(i.usageType) || /NatGateway-Bytes/.test(i.usageType)).map((i) => (/NatGateway-Bytes/.test(i.usageType) ? { ...i, usd: 4 } : i));
    expect(compareActual(production, { ...november, items: calm, totalUsd: 0 }).surprises).toEqual([]);
  });

  it('says an empty answer most likely means the Environment tag is not activated for cost allocation', () => {
    const empty = compareActual(production, { ...november, items: [], totalUsd: 0 });
    expect(empty.warnings[0]).toMatch(/^Cost Explorer returned nothing tagged Environment=production for 2026-11: activate "Environment" as a cost-allocation tag/);
  });
});

describe('npm run cost (CLI)', () => {
  const moto = useMoto();
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vn-cost-'));
    file = join(dir, 'cdk.tf.json');
    writeFileSync(file, JSON.stringify(synth()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cost = (args: string[], env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts', 'cost.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  test('--actual --month reads the bill from Cost Explorer (moto, answering the recorded pages) and prints estimate vs actual per family with the surprises as JSON', async () => {
    const seeded = await fetch(`${moto().endpoint}/moto-api/static/ce/cost-and-usage-results`, { method: 'POST', body: JSON.stringify({ results: CE.pages }) });
    expect(seeded.status).toBe(201);
    const r = await cost(['--actual', '--month', '2026-11', '--file', file, '--json'], moto().clientEnv);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ stack: 'production', month: '2026-11', tag: { key: 'Environment', value: 'production' } });
    expect(out.items).toHaveLength(items(CE).filter((i) => i.usd !== 0).length);
    expect(out.families.map((f: { family: string }) => f.family)).toEqual(expect.arrayContaining(['compute', 'database', 'network', 'data transfer', 'logs']));
    expect(out.surprises.map((s: { kind: string }) => s.kind)).toContain('nat-data-processing');
  }, 120_000);

  test('--actual without --month, or a month that is not YYYY-MM, is a bad command line (exit 2) naming the flag', async () => {
    expect(await cost(['--actual'], {})).toMatchObject({ code: 2, stderr: 'error: --actual needs --month YYYY-MM (the billing month to compare)\n' });
    expect((await cost(['--actual', '--month', 'november'], {})).stderr).toMatch(/^error: --month "november" is not a month; give YYYY-MM/);
  }, 120_000);

  test("a new zone's zone-only JSON is priced as it is, with a warning naming dns.delegated and --delegated", async () => {
    const zoneOnly = join(dir, 'zone-only.tf.json');
    writeFileSync(zoneOnly, JSON.stringify(synthEnvironment({ environments: { production: { dns: { delegated: false } } } })));
    const r = await cost(['--file', zoneOnly, '--json'], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/production is the zone-only first apply \(environments\.production\.dns\.delegated is false\).*--delegated prices the full stack/);
    expect(JSON.parse(r.stdout)).toMatchObject({ zoneOnly: true });
  }, 120_000);

  test('--delegated prices the full stack of a config whose zone awaits delegation, leaving cdktf.out alone', async () => {
    const config = join(dir, 'awaiting.config.json');
    writeFileSync(config, JSON.stringify({ environments: { production: { dns: { delegated: false } } } }));
    const r = await cost(['--delegated', '--json'], { VN_CONFIG: config, CDKTF_OUTDIR: join(dir, 'untouched') });
    expect(r.stderr).not.toMatch(/^error:/m);
    const out = JSON.parse(r.stdout);
    expect(out.zoneOnly).toBe(false);
    expect(out.lines.map((l: { type: string }) => l.type)).toEqual(expect.arrayContaining(['aws_db_instance', 'aws_ecs_service']));
    expect(existsSync(join(dir, 'untouched'))).toBe(false);
  }, 240_000);

  test('--delegated with --file is a bad command line (exit 2)', async () => {
    expect(await cost(['--delegated', '--file', file], {})).toMatchObject({ code: 2, stderr: expect.stringMatching(/--delegated synthesizes the full stack; it does not go with --file or --no-synth/) });
  }, 120_000);

  describe('--refresh', () => {
    let server: Server;
    let endpoint: string;
    const requests: { ServiceCode: string }[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const input = JSON.parse(body) as { ServiceCode: string; Filters: { Field: string; Value: string }[]; NextToken?: string };
          requests.push(input);
          expect(req.headers['x-amz-target']).toBe('AWSPriceListService.GetProducts');
          const hits = PRICE_LIST.products.filter((p) => p.serviceCode === input.ServiceCode && input.Filters.every((f) => (p.product.attributes as unknown as Record<string, string>)[f.Field] === f.Value));
          // One product per page, so that a query with several follows NextToken.
          const at = Number(input.NextToken ?? 0);
          const page = { FormatVersion: 'aws_v1', PriceList: hits.slice(at, at + 1).map((h) => JSON.stringify(h)), ...(at + 1 < hits.length ? { NextToken: String(at + 1) } : {}) };
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(page));
        });
      });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
    const env = () => ({ ...FAKE_AWS_KEYS, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint });

    test('writes the fetched prices into the snapshot, dated today, keeping (and naming) what matched nothing or disagreed', async () => {
      const out = join(dir, 'prices.json');
      const r = await cost(['--refresh', '--out', out, '--json'], env());
      expect(r.code).toBe(0);
      const table = JSON.parse(readFileSync(out, 'utf8')) as typeof prices;
      expect(table.rds.instanceHourly['db.t3.medium']).toBe(0.074);
      expect(table.natGateway.hour).toBe(0.046);
      expect(table.s3.standardGbMonth).toBe(0.023);
      expect(table.rds.instanceHourly['db.t3.large']).toBe(prices.rds.instanceHourly['db.t3.large']);
      expect(table.cloudfront).toEqual(prices.cloudfront);
      expect(table.asOf).toBe(new Date().toISOString().slice(0, 10));
      expect(table.source).toMatch(/^AWS Price List API \(GetProducts, on-demand, us-east-1\), fetched \d{4}-\d{2}-\d{2} .*: 4 of \d+ prices refreshed, \d+ kept from the 2025-01-01 snapshot/);
      const summary = JSON.parse(r.stdout);
      expect(summary.changes.find((c: { key: string }) => c.key === 'rds.instanceHourly.db.t3.large').reason).toMatch(/^2 products with different prices/);
      expect(requests.some((q) => q.ServiceCode === 'AmazonRDS')).toBe(true);
      // The estimate reads what was written.
      expect(line(estimateCost(synth(), table), 'aws_db_instance', /instance hours/).monthlyUsd).toBeCloseTo(0.074 * 2 * prices.hoursPerMonth, 2);
    }, 120_000);

    test('--dry-run fetches and shows the changes but writes nothing', async () => {
      const out = join(dir, 'untouched.json');
      const r = await cost(['--refresh', '--dry-run', '--out', out], env());
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Would write .*untouched\.json: 4 of \d+ prices refreshed/);
      expect(r.stderr).toMatch(/rds\.instanceHourly\.db\.t3\.medium: 0\.072 -> 0\.074/);
      expect(existsSync(out)).toBe(false);
    }, 120_000);
  });
});
