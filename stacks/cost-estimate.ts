/**
 * The stack's monthly cost estimate at synth, from the same pricing `npm run cost` uses
 * (scripts/lib/pricing/pricing.ts over the bundled price table): the budget's alert
 * thresholds are derived from it.
 */
import { TerraformResource, TerraformStack } from 'cdktf';
import { estimateTotalUsd, TerraformJson } from '../scripts/lib/pricing/pricing';
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

type ResourceBlock = Record<string, Record<string, Record<string, unknown>>>;

/**
 * Monthly estimate (USD) of the stack as it will run: its resources rendered as in the
 * synthesized JSON (the budget excluded). A bootstrapping service (0 tasks) is priced at its floor
 * by the Fargate pricer itself, from the steady-state tags the service carries (stacks/service.ts).
 */
export function stackMonthlyEstimate(stack: TerraformStack, options: StackEstimateOptions): number {
  const tf: TerraformJson = { resource: lazyResourceBlock(stack, options.exclude), provider: { aws: [{ region: options.region }] } };
  return estimateTotalUsd(tf);
}

/**
 * The stack's `resource` block (type -> logical id -> arguments, keys in tree order), each type
 * rendered when a pricer first reads it. The pricers read about a third of the types, and
 * rendering (toTerraform plus token resolution) is most of the estimate's time at synth. All of it
 * happens within one synchronous estimate, so what is rendered is what an eager pass would render.
 */
function lazyResourceBlock(stack: TerraformStack, exclude: readonly string[]): ResourceBlock {
  const byType = new Map<string, TerraformResource[]>();
  for (const c of stack.node.findAll()) {
    if (!TerraformResource.isTerraformResource(c) || TerraformStack.of(c) !== stack || exclude.includes(c.terraformResourceType)) continue;
    const list = byType.get(c.terraformResourceType);
    if (list) list.push(c);
    else byType.set(c.terraformResourceType, [c]);
  }
  const block: ResourceBlock = {};
  for (const [type, resources] of byType) {
    Object.defineProperty(block, type, {
      enumerable: true,
      configurable: true,
      get: () => {
        const value = renderType(stack, type, resources);
        Object.defineProperty(block, type, { value, enumerable: true, configurable: true, writable: true });
        return value;
      },
    });
  }
  return block;
}

/** Logical id -> arguments of `resources` (all of `type`), as the synthesized JSON has them. */
function renderType(stack: TerraformStack, type: string, resources: readonly TerraformResource[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const r of resources) Object.assign(out, (resolveInStack(stack, r.toTerraform())?.resource as ResourceBlock | undefined)?.[type] ?? {});
  return out;
}
