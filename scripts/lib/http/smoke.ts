/**
 * The guide's post-migration check as a function: health of target and baseline, then
 * N timed requests per path on both (interleaved, so both see the same moment of the
 * network), figures side by side, judged against the budgets.
 *
 *   const report = await runSmoke({ target: 'https://aws.venturenudge.com', baseline: 'https://venturenudge.com' });
 *   if (!report.ok) for (const f of report.failures) console.error(f.message);
 *
 * `cutover` and the deploy workflow call {@link runSmoke}; `npm run smoke` is a thin CLI
 * over it. The function never throws for a failing site: every problem is a failure in
 * the report. It throws only for invalid options.
 */
import { performance } from 'perf_hooks';
import { Budgets, Failure, GUIDE_BUDGETS, judgeBudgets, judgeRegression, kindOf, PathKind, Side, Timings } from './budgets';
import { checkHealth, DEFAULT_HEALTH_PATH, HealthResult, joinUrl } from './health';
import { RequestFailure, RequestOptions, timedGet } from './request';
import { Summary, summarize } from './stats';

export const DEFAULT_PATHS = ['/', DEFAULT_HEALTH_PATH];
export const DEFAULT_REQUESTS = 10;

export interface SmokeOptions extends RequestOptions {
  /** Base URL of the site under test, e.g. https://aws.venturenudge.com. */
  readonly target: string;
  /** Base URL to compare with (Vercel), e.g. https://venturenudge.com. @default none: no comparison */
  readonly baseline?: string;
  /** Paths measured. @default ['/', '/api/health'] */
  readonly paths?: readonly string[];
  /** Requests per path and side. @default 10 */
  readonly requests?: number;
  /** Overrides of the guide's budgets. */
  readonly budgets?: Partial<Budgets>;
  /** @default '/api/health' */
  readonly healthPath?: string;
  /** Called after each request (progress display). */
  readonly onSample?: (done: number, total: number) => void;
}

export interface SideTimings extends Timings {
  /** HTTP status -> count, over every answered request. */
  readonly statuses: Record<string, number>;
  /** Distinct request failures (DNS, TLS, connect, timeout, redirect) with their count. */
  readonly errors: { readonly message: string; readonly count: number }[];
  /** Distinct redirect chains seen. */
  readonly redirects: string[];
}

export interface PathReport {
  readonly path: string;
  readonly kind: PathKind;
  readonly target: SideTimings;
  readonly baseline?: SideTimings;
}

export interface SmokeReport {
  readonly ok: boolean;
  readonly target: string;
  readonly baseline?: string;
  readonly requests: number;
  readonly budgets: Budgets;
  readonly health: { readonly target: HealthResult; readonly baseline?: HealthResult };
  readonly paths: PathReport[];
  readonly failures: Failure[];
  readonly ms: number;
}

/** Invalid smoke options (names the option and what is allowed). */
export class SmokeOptionsError extends Error {
  override readonly name = 'SmokeOptionsError';
}

function checkBase(name: string, value: string): void {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new SmokeOptionsError(`${name} "${value}" is not a URL; give one such as https://aws.venturenudge.com`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SmokeOptionsError(`${name} "${value}" must be an http:// or https:// URL`);
}

/** Validates options and fills defaults. @throws SmokeOptionsError */
export function resolveSmokeOptions(o: SmokeOptions): { paths: string[]; requests: number; budgets: Budgets } {
  checkBase('--target', o.target);
  if (o.baseline !== undefined) checkBase('--baseline', o.baseline);
  const paths = [...(o.paths ?? DEFAULT_PATHS)];
  if (!paths.length) throw new SmokeOptionsError('--paths is empty; give at least one path such as /');
  for (const p of paths) if (!p.startsWith('/')) throw new SmokeOptionsError(`--paths: "${p}" must start with /`);
  const requests = o.requests ?? DEFAULT_REQUESTS;
  if (!Number.isInteger(requests) || requests < 1 || requests > 10000) throw new SmokeOptionsError(`--requests ${requests}: must be a whole number from 1 to 10000`);
  const budgets: Budgets = { ...GUIDE_BUDGETS, ...Object.fromEntries(Object.entries(o.budgets ?? {}).filter(([, v]) => v !== undefined)) };
  for (const k of ['pageMs', 'apiMs', 'ttfbMs', 'regressionFloorMs'] as const) {
    if (!(Number.isFinite(budgets[k]) && budgets[k] >= 0)) throw new SmokeOptionsError(`budget ${k} ${budgets[k]}: must be a number of milliseconds >= 0`);
  }
  if (budgets.maxRegressionPct !== undefined && !(Number.isFinite(budgets.maxRegressionPct) && budgets.maxRegressionPct >= 0)) {
    throw new SmokeOptionsError(`--max-regression ${budgets.maxRegressionPct}: must be a percentage >= 0`);
  }
  if (budgets.maxRegressionPct !== undefined && o.baseline === undefined) throw new SmokeOptionsError('--max-regression compares with the baseline: give --baseline <url> as well');
  if (!['p50', 'p95', 'max'].includes(budgets.stat)) throw new SmokeOptionsError(`--stat ${budgets.stat}: must be p50, p95 or max`);
  return { paths, requests, budgets };
}

interface Samples {
  ttfb: number[];
  total: number[];
  statuses: Record<string, number>;
  errors: Map<string, number>;
  redirects: Set<string>;
}

const emptySamples = (): Samples => ({ ttfb: [], total: [], statuses: {}, errors: new Map(), redirects: new Set() });

async function sample(base: string, path: string, s: Samples, opts: RequestOptions): Promise<void> {
  try {
    const r = await timedGet(joinUrl(base, path), opts);
    s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
    if (r.redirects.length) s.redirects.add(r.redirects.join('; '));
    if (r.status >= 200 && r.status < 300) {
      s.ttfb.push(r.ttfbMs);
      s.total.push(r.totalMs);
    }
  } catch (e) {
    const message = e instanceof RequestFailure ? e.message : (e as Error).message;
    s.errors.set(message, (s.errors.get(message) ?? 0) + 1);
  }
}

function finish(s: Samples): SideTimings {
  return {
    ttfb: summarize(s.ttfb),
    total: summarize(s.total),
    statuses: s.statuses,
    errors: [...s.errors].map(([message, count]) => ({ message, count })),
    redirects: [...s.redirects],
  };
}

/** Failures from unanswered or non-2xx requests of one side of one path. */
function requestFailures(path: string, side: Side, t: SideTimings, requests: number): Failure[] {
  const out: Failure[] = [];
  for (const e of t.errors) out.push({ check: 'request', side, path, message: `${side} ${path}: ${e.count} of ${requests} requests failed: ${e.message}` });
  const bad = Object.entries(t.statuses).filter(([code]) => !code.startsWith('2'));
  if (bad.length) out.push({ check: 'status', side, path, message: `${side} ${path}: ${bad.map(([c, n]) => `${n} of ${requests} answered HTTP ${c}`).join(', ')}` });
  return out;
}

function healthFailures(side: Side, h: HealthResult): Failure[] {
  return h.healthy ? [] : [{ check: 'health', side, path: new URL(h.url).pathname, message: `${side} unhealthy: ${h.url}: ${h.problems.join('; ')}` }];
}

/** Runs the smoke check. @throws SmokeOptionsError for invalid options only. */
export async function runSmoke(o: SmokeOptions): Promise<SmokeReport> {
  const { paths, requests, budgets } = resolveSmokeOptions(o);
  const started = performance.now();
  const sides: [Side, string][] = [['target', o.target], ...(o.baseline ? [['baseline', o.baseline] as [Side, string]] : [])];
  const healthOpts = { ...o, path: o.healthPath ?? DEFAULT_HEALTH_PATH };
  const [targetHealth, baselineHealth] = await Promise.all(sides.map(([, base]) => checkHealth(base, healthOpts)));

  const samples = new Map(paths.map((p) => [p, { target: emptySamples(), baseline: emptySamples() }]));
  const total = requests * paths.length * sides.length;
  let done = 0;
  for (let i = 0; i < requests; i++) {
    for (const path of paths) {
      // Alternate which side goes first, so neither always benefits from a warmer path.
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const [side, base] of order) {
        await sample(base, path, samples.get(path)![side], o);
        o.onSample?.(++done, total);
      }
    }
  }

  const failures: Failure[] = [...healthFailures('target', targetHealth), ...(baselineHealth ? healthFailures('baseline', baselineHealth) : [])];
  const reports: PathReport[] = [];
  for (const path of paths) {
    const s = samples.get(path)!;
    const target = finish(s.target);
    const baseline = o.baseline ? finish(s.baseline) : undefined;
    reports.push({ path, kind: kindOf(path), target, ...(baseline ? { baseline } : {}) });
    failures.push(...requestFailures(path, 'target', target, requests), ...judgeBudgets(path, 'target', target, budgets));
    if (baseline) failures.push(...requestFailures(path, 'baseline', baseline, requests), ...judgeRegression(path, target, baseline, budgets));
  }
  return {
    ok: failures.length === 0,
    target: o.target,
    ...(o.baseline ? { baseline: o.baseline } : {}),
    requests,
    budgets,
    health: { target: targetHealth, ...(baselineHealth ? { baseline: baselineHealth } : {}) },
    paths: reports,
    failures,
    ms: Math.round(performance.now() - started),
  };
}

const fig = (s: Summary) => (s.n ? `${s.p50} / ${s.p95} / ${s.max}` : '-');

function healthLine(side: Side, h: HealthResult): string {
  return h.healthy ? `${side}: healthy, database connected (${h.ms} ms)` : `${side}: UNHEALTHY (${h.problems.join('; ')})`;
}

/** Human-readable report: health, then p50 / p95 / max per path and metric, target beside baseline, then the verdict. */
export function formatSmokeReport(r: SmokeReport): string {
  const b = r.budgets;
  const lines = [
    `smoke: target ${r.target}${r.baseline ? `, baseline ${r.baseline}` : ''}; ${r.requests} request(s) per path`,
    `budgets (${b.stat}): TTFB < ${b.ttfbMs} ms, page < ${b.pageMs} ms, API < ${b.apiMs} ms${b.maxRegressionPct !== undefined ? `, at most ${b.maxRegressionPct}% slower than the baseline` : ''}`,
    `health ${healthLine('target', r.health.target)}${r.health.baseline ? `; ${healthLine('baseline', r.health.baseline)}` : ''}`,
    '',
  ];
  const rows: string[][] = [['path', 'metric', 'target p50 / p95 / max (ms)', ...(r.baseline ? ['baseline p50 / p95 / max (ms)'] : []), 'budget']];
  for (const p of r.paths) {
    const metric = p.kind === 'api' ? 'API time' : 'page time';
    rows.push([p.path, 'TTFB', fig(p.target.ttfb), ...(r.baseline ? [fig(p.baseline!.ttfb)] : []), `< ${b.ttfbMs}`]);
    rows.push([p.path, metric, fig(p.target.total), ...(r.baseline ? [fig(p.baseline!.total)] : []), `< ${p.kind === 'api' ? b.apiMs : b.pageMs}`]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) lines.push(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  for (const p of r.paths) for (const side of ['target', 'baseline'] as const) for (const chain of p[side]?.redirects ?? []) lines.push(`redirect ${side} ${p.path}: ${chain}`);
  lines.push('', r.ok ? `OK (${r.ms} ms)` : `FAILED: ${r.failures.length} check(s)`);
  for (const f of r.failures) lines.push(`  - ${f.message}`);
  return lines.join('\n');
}
