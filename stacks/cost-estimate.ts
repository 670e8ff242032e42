/**
 * The stack's monthly cost estimate at synth, from the same pricing `npm run cost` uses
 * (scripts/lib/pricing/pricing.ts over the bundled price table): the budget's alert
 * thresholds are derived from it.
 */
import { TerraformResource, TerraformStack } from 'cdktf';
import { estimateCost, TerraformJson } from '../scripts/lib/pricing/pricing';
import { resolveInStack } from './policy/rule';

/** Headroom of each budget threshold over the estimate: the first sits above a normal month, so it fires only on real overspend. */
export const BUDGET_HEADROOM = [1.1, 1.5, 2] as const;

/**
 * Alert thresholds (USD): each the configured floor or the estimate times its headroom, whichever
 * is higher (so the guide's $200/$400/$600 stay the minimum, and a stack estimated above them
 * does not alert every month). Sorted, strictly increasing.
 */
export function budgetThresholds(estimateUsd: number, floorsUsd: readonly number[]): number[] {
  const sorted = [...floorsUsd].sort((a, b) => a - b);
  const out: number[] = [];
  sorted.forEach((floor, i) => {
    const headroom = BUDGET_HEADROOM[i] ?? BUDGET_HEADROOM[BUDGET_HEADROOM.length - 1] + 0.5 * (i - BUDGET_HEADROOM.length + 1);
    const t = Math.max(floor, Math.ceil(estimateUsd * headroom));
    out.push(out.length && t <= out[out.length - 1] ? out[out.length - 1] + 1 : t);
  });
  return out;
}

export interface StackEstimateOptions {
  /** Resource types left out (the budget itself, which reads this estimate). */
  readonly exclude: readonly string[];
  readonly region: string;
}

/**
 * Monthly estimate (USD) of the stack as it will run: its resources rendered as in the
 * synthesized JSON (the budget excluded). A bootstrapping service (0 tasks) is priced at its floor
 * by the Fargate pricer itself, from the steady-state tags the service carries (stacks/service.ts).
 */
export function stackMonthlyEstimate(stack: TerraformStack, options: StackEstimateOptions): number {
  const resource: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const c of stack.node.findAll()) {
    if (!TerraformResource.isTerraformResource(c) || TerraformStack.of(c) !== stack || options.exclude.includes(c.terraformResourceType)) continue;
    const rendered = resolveInStack(stack, c.toTerraform())?.resource ?? {};
    for (const [type, byId] of Object.entries(rendered as Record<string, Record<string, Record<string, unknown>>>)) Object.assign((resource[type] ??= {}), byId);
  }
  const tf: TerraformJson = { resource, provider: { aws: [{ region: options.region }] } };
  return estimateCost(tf).totalUsd;
}
