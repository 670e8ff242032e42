/**
 * The types the estimate (pricing.ts) and every pricer (pricers/) share: kept apart so a pricer
 * never imports pricing.ts, which imports the pricers.
 */
import type defaultPrices from './prices-us-east-1.json';

export type PriceTable = typeof defaultPrices;
export type GuideKey = PriceTable['guide']['lines'][number]['key'];

export interface CostLine {
  /** Resource type the line prices (e.g. aws_db_instance). */
  readonly type: string;
  /** What is charged, e.g. "instance hours (Multi-AZ)". */
  readonly item: string;
  /** How many resource instances the line covers. */
  readonly count: number;
  readonly monthlyUsd: number;
  /** The arithmetic, readable. */
  readonly basis: string;
  /** Depends on a usage assumption (traffic, GB), not only on the configuration. */
  readonly usageAssumption: boolean;
  /** The guide line it compares with; undefined = not in the guide's table. */
  readonly guide?: GuideKey;
}
