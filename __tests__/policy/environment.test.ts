/**
 * The real environment stacks against the pack. Uses `evaluatePolicy` (no
 * aspect), so it holds whether or not EnvironmentStack applies the pack itself.
 */
import { Testing } from 'cdktf';
import { resolveConfig } from '../../stacks/config';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { delegated } from '../support/synth';
import { evaluatePolicy, PolicyReport } from '../../stacks/policy';

function evaluate(environment: string, overrides = {}): PolicyReport {
  const config = resolveConfig(delegated(overrides));
  return evaluatePolicy(new EnvironmentStack(Testing.app(), environment, { config, environment }), { environment });
}

const listed = (r: PolicyReport) => r.errors.map((f) => f.message);

test('the production stack with the default configuration has no policy errors', () => expect(listed(evaluate('production'))).toEqual([]));

test('the staging stack with the default configuration has no policy errors', () => expect(listed(evaluate('staging'))).toEqual([]));

test('weakening production settings in the configuration is caught', () => {
  const report = evaluate('production', { environments: { production: { database: { multiAz: false }, loadBalancer: { sslPolicy: 'ELBSecurityPolicy-2016-08' } } } });
  expect(report.errors.map((f) => f.ruleId).sort()).toEqual(['VN-ELB-1', 'VN-RDS-4']);
});
