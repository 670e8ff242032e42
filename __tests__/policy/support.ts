/**
 * Tiny stacks for the policy tests: build resources with the real provider
 * classes, apply the pack (usually one rule) and synthesize with `Testing.synth`,
 * exactly the path a real synth takes.
 */
import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { applyPolicyPack, PolicyOptions, PolicyReport, PolicyViolationError } from '../../stacks/policy';
import { PolicyRule } from '../../stacks/policy/rule';

export function testStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  return stack;
}

/** Synthesizes `stack` with the pack applied and returns the report (errors do not throw here). */
export function synthReport(stack: TerraformStack, options: PolicyOptions = {}): PolicyReport {
  let report: PolicyReport | undefined;
  applyPolicyPack(stack, { ...options, onReport: (r) => (report = r) });
  try {
    Testing.synth(stack);
  } catch (e) {
    if (!(e instanceof PolicyViolationError)) throw e;
  }
  if (!report) throw new Error('the policy aspect did not run');
  return report;
}

/** Terraform addresses `rule` reports (error or warning) for a stack built by `build`. */
export function flagged(rule: PolicyRule, build: (stack: TerraformStack) => void, options: PolicyOptions = {}): string[] {
  const stack = testStack();
  build(stack);
  const report = synthReport(stack, { ...options, rules: [rule] });
  return [...report.errors, ...report.warnings].filter((f) => f.ruleId === rule.id).map((f) => f.address);
}

/** The finding details `rule` reports. */
export function details(rule: PolicyRule, build: (stack: TerraformStack) => void, options: PolicyOptions = {}): string[] {
  const stack = testStack();
  build(stack);
  const report = synthReport(stack, { ...options, rules: [rule] });
  return [...report.errors, ...report.warnings].filter((f) => f.ruleId === rule.id).map((f) => f.detail ?? '');
}
