/**
 * The cost estimate reads sizes from the synthesized Terraform JSON, so
 * changing the config changes exactly the lines it should.
 */
import { estimateCost, NO_CHARGE, renderCostReport, TerraformJson } from '../../scripts/lib/terraform/pricing';
import { PRICERS } from '../../scripts/lib/terraform/pricers';
import prices from '../../scripts/lib/terraform/prices-us-east-1.json';
import { synthEnvironment } from '../support/synth';

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
