/**
 * Budget alerts derived from the stack's own cost estimate (the pricing `npm run cost` uses),
 * the configured thresholds (the guide's $200/$400/$600 in production) as a floor.
 */
import { Testing, TerraformResource } from 'cdktf';
import { estimateCost, estimateTotalUsd } from '../../scripts/lib/pricing/pricing';
import { resolveConfig } from '../../stacks/config';
import { budgetThresholds, stackMonthlyEstimate } from '../../stacks/cost-estimate';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { onlyResource, synthEnvironment, TfJson } from '../support/synth';

const TAGGED = { service: { imageTag: 'abc123' } };
const actual = (json: TfJson): number[] => onlyResource(json, 'aws_budgets_budget').notification.filter((n: any) => n.notification_type === 'ACTUAL').map((n: any) => n.threshold as number);

describe.each(['production', 'staging'])('%s', (environment) => {
  const json = synthEnvironment({ environments: { [environment]: TAGGED } }, environment);
  // Judged against `npm run cost`'s estimate of the synthesized JSON, computed here independently.
  const estimate = estimateCost(json).totalUsd;

  test('every alert threshold sits above the estimate, so a normal month fires none', () => {
    expect(actual(json).filter((t) => t <= estimate)).toEqual([]);
  });

  test('the thresholds are strictly increasing and the limit is the highest', () => {
    const t = actual(json);
    expect([...t].sort((a, b) => a - b)).toEqual(t);
    expect(new Set(t).size).toBe(t.length);
    expect(onlyResource(json, 'aws_budgets_budget').limit_amount).toBe(String(t[t.length - 1]));
  });

  test('a bootstrapping stack (0 tasks) is budgeted as it will run, with its service at the floor', () => {
    expect(actual(synthEnvironment({}, environment))).toEqual(actual(json));
  });
});

test("production's thresholds never fall below the guide's $200/$400/$600", () => {
  const json = synthEnvironment({ environments: { production: TAGGED } });
  const t = actual(json);
  expect([t[0] >= 200, t[1] >= 400, t[2] >= 600]).toEqual([true, true, true]);
});

describe('budgetThresholds', () => {
  test('keeps a floor that is above the estimate with headroom', () => expect(budgetThresholds(100, [200, 400, 600])).toEqual([200, 400, 600]));
  test('lifts floors the estimate outgrows: 10 %, 50 % and 100 % over it', () => expect(budgetThresholds(470, [200, 400, 600])).toEqual([517, 705, 940]));
  test('makes equal values strictly increasing', () => expect(budgetThresholds(10, [50, 50])).toEqual([50, 51]));
});

describe('stackMonthlyEstimate (the synth-time estimate, rendering only the types the pricers read)', () => {
  const config = resolveConfig({ environments: { production: TAGGED } });
  const stack = new EnvironmentStack(Testing.app(), 'production', { config, environment: 'production' });
  const json = JSON.parse(Testing.synth(stack)) as TfJson;
  const withoutBudget = { ...json, resource: Object.fromEntries(Object.entries(json.resource).filter(([type]) => type !== 'aws_budgets_budget')) };

  test("equals the full estimate's total over the synthesized JSON without the budget", () => {
    expect(estimateTotalUsd(withoutBudget)).toBe(estimateCost(withoutBudget).totalUsd);
    expect(stackMonthlyEstimate(stack, { exclude: ['aws_budgets_budget'], region: config.region })).toBe(estimateCost(withoutBudget).totalUsd);
  });

  test('does not render a type no pricer reads', () => {
    const record = stack.node.findAll().find((c): c is TerraformResource => TerraformResource.isTerraformResource(c) && c.terraformResourceType === 'aws_route53_record')!;
    const render = jest.spyOn(record, 'toTerraform');
    stackMonthlyEstimate(stack, { exclude: ['aws_budgets_budget'], region: config.region });
    expect(render).not.toHaveBeenCalled();
  });
});
