/**
 * The guide's performance budgets ("Post-Migration Validation: Performance Benchmarks")
 * and the judgement of measured figures against them.
 *
 *   page load < 2 s, API response < 500 ms, TTFB < 800 ms, "vs Vercel baseline"
 *
 * A path under /api/ is judged on the API budget, any other path on the page budget;
 * every path is judged on TTFB. The figure judged is a percentile of the samples
 * (p95 by default). The baseline comparison fails a figure that is more than
 * `maxRegressionPct` % above the baseline's and also more than `regressionFloorMs`
 * above it (so 2 ms against 1 ms is not a "100 % regression").
 */
import type { Summary } from './stats';

export interface Budgets {
  /** Full page time (HTML document, redirects included), ms. @default 2000 */
  readonly pageMs: number;
  /** API response time, ms. @default 500 */
  readonly apiMs: number;
  /** Time to first byte, ms. @default 800 */
  readonly ttfbMs: number;
  /** Which statistic is judged. @default 'p95' */
  readonly stat: 'p50' | 'p95' | 'max';
  /** Fail when the target is more than this many % slower than the baseline. @default undefined (no comparison) */
  readonly maxRegressionPct?: number;
  /** Differences below this many ms never count as a regression. @default 50 */
  readonly regressionFloorMs: number;
}

export const GUIDE_BUDGETS: Budgets = { pageMs: 2000, apiMs: 500, ttfbMs: 800, stat: 'p95', regressionFloorMs: 50 };

export type Check = 'health' | 'request' | 'status' | 'ttfb' | 'page' | 'api' | 'regression';
export type Side = 'target' | 'baseline';

export interface Failure {
  readonly check: Check;
  readonly side: Side;
  readonly path?: string;
  /** One line: what failed, the figure and the budget. */
  readonly message: string;
}

export type PathKind = 'page' | 'api';

/** `api` for /api/... paths, `page` otherwise. */
export function kindOf(path: string): PathKind {
  return /^\/api(\/|$)/.test(path) ? 'api' : 'page';
}

/** The measured figures of one path on one side. */
export interface Timings {
  readonly ttfb: Summary;
  /** Full page time (page) or API response time (api). */
  readonly total: Summary;
}

const LABEL: Readonly<Record<'ttfb' | PathKind, string>> = { ttfb: 'TTFB', page: 'page time', api: 'API time' };

/** Budget failures of one path on one side. */
export function judgeBudgets(path: string, side: Side, t: Timings, b: Budgets): Failure[] {
  const kind = kindOf(path);
  const out: Failure[] = [];
  const check = (what: 'ttfb' | PathKind, s: Summary, limit: number) => {
    const v = s[b.stat];
    if (s.n > 0 && !(v < limit)) out.push({ check: what, side, path, message: `${side} ${path}: ${LABEL[what]} ${b.stat} ${v} ms is over the ${limit} ms budget` });
  };
  check('ttfb', t.ttfb, b.ttfbMs);
  check(kind, t.total, kind === 'api' ? b.apiMs : b.pageMs);
  return out;
}

/** Regression failures of the target against the baseline for one path (none without maxRegressionPct). */
export function judgeRegression(path: string, target: Timings, baseline: Timings, b: Budgets): Failure[] {
  if (b.maxRegressionPct === undefined) return [];
  const out: Failure[] = [];
  const kind = kindOf(path);
  for (const [what, t, base] of [['ttfb', target.ttfb, baseline.ttfb], [kind, target.total, baseline.total]] as const) {
    if (t.n === 0 || base.n === 0) continue;
    const tv = t[b.stat];
    const bv = base[b.stat];
    const limit = bv * (1 + b.maxRegressionPct / 100);
    if (tv > limit && tv - bv > b.regressionFloorMs) {
      const pct = bv > 0 ? Math.round(((tv - bv) / bv) * 100) : Infinity;
      out.push({ check: 'regression', side: 'target', path, message: `target ${path}: ${LABEL[what]} ${b.stat} ${tv} ms is ${pct}% above the baseline's ${bv} ms (allowed: ${b.maxRegressionPct}%)` });
    }
  }
  return out;
}
