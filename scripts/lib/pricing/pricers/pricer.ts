/**
 * The shape of a pricer: one resource family per file (pricers/<family>.ts),
 * the way the policy pack has one rule per file. `estimateCost` runs every
 * pricer of ./index.ts over one context, then lists what no pricer took as
 * "no charge" or "not priced".
 */
import type { CostLine, PriceTable } from '../price-types';

export type AssumptionKey = keyof PriceTable['assumptions'];

/** What a pricer reads (the stack, the price table) and where it writes (lines, not-priced items, notes). */
export interface PricingContext {
  readonly prices: PriceTable;
  /** Hours in a month (the price table's `hoursPerMonth`). */
  readonly H: number;
  /** Usage assumptions by name (values only; the reasons are in the price table). */
  readonly A: Readonly<Record<AssumptionKey, number>>;
  /** The stack's `resource` block: type -> logical id -> arguments. */
  readonly res: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
  /** `[logicalId, arguments]` of every resource of a type. */
  all(type: string): [string, Record<string, unknown>][];
  /** Adds a priced line (rounded to cents). */
  add(line: CostLine): void;
  /** Lists something the table cannot price, with the reason. */
  skip(type: string, count: number, reason: string): void;
  /** A cost that can come on top (scale-out ceiling, storage autoscaling, ...). */
  note(text: string): void;
}

export interface Pricer {
  /** Shown in docs and errors, e.g. "RDS". */
  readonly family: string;
  /** Resource types this pricer accounts for: they are never reported as "not in the price table". */
  readonly types: readonly string[];
  price(ctx: PricingContext): void;
}
