/**
 * The guide's "simulate 10K concurrent users" on autocannon: N keep-alive connections,
 * each sending its next request as soon as the previous one is answered, for a duration.
 *
 * With a ramp, the connections are opened in steps: autocannon instances of N/steps
 * connections each, started one after another and all stopping together, so the
 * connections accumulate instead of being torn down between steps. The figures
 * (requests/s, latency percentiles, errors, non-2xx) cover only the full-load window
 * after the ramp; the ramp's own counts are reported separately.
 *
 * Latency percentiles are computed here from every answered request (any status),
 * exactly; autocannon's own histogram has no p95.
 */
import autocannon from 'autocannon';
import { performance } from 'perf_hooks';
import { ensureFdLimit, ephemeralPorts, establishedTo, FdLimit, GeneratorUsage, measureGenerator } from './generator';
import { percentile } from './stats';

export interface LoadOptions {
  readonly url: string;
  /** Concurrent connections (the guide's "users"). */
  readonly connections: number;
  /** Full-load duration, seconds (after the ramp). */
  readonly durationSec: number;
  /** Seconds over which the connections are opened in steps. @default 0 (all at once) */
  readonly rampSec?: number;
  /** Ramp steps. @default 4 */
  readonly rampSteps?: number;
  /** Per-request timeout, seconds. @default 10 */
  readonly timeoutSec?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Called once a second with the requests answered in that second. */
  readonly onTick?: (answeredLastSecond: number, elapsedSec: number) => void;
  /** Stops the run early (the report covers what ran). */
  readonly signal?: AbortSignal;
}

export interface LatencyMs {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface LoadReport {
  readonly url: string;
  /** Connections asked for. */
  readonly connections: number;
  /** Peak of this process's ESTABLISHED connections to the target, as the kernel counts them (sampled every 1-2 s; Linux only). */
  readonly connectionsOpenPeak?: number;
  /** Distinct connections that got at least one answer during full load. */
  readonly connectionsAnswered: number;
  readonly durationSec: number;
  readonly rampSec: number;
  /** Answered requests in the full-load window. */
  readonly requests: number;
  readonly requestsPerSec: number;
  readonly latencyMs: LatencyMs;
  /** Requests with no answer (connection errors and timeouts), full-load window. */
  readonly errors: number;
  readonly timeouts: number;
  /** Error code -> count (ECONNRESET, EMFILE, EADDRNOTAVAIL, ...). */
  readonly errorCodes: Record<string, number>;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
  readonly bytes: number;
  /** Answers and errors during the ramp (not in the figures above). */
  readonly ramp: { readonly requests: number; readonly errors: number };
  readonly stoppedEarly: boolean;
  readonly generator: GeneratorReport;
}

export interface GeneratorReport extends GeneratorUsage {
  readonly fdLimit: FdLimit;
  readonly ephemeralPorts?: number;
  /** True when the generator, not the server, was the limit (CPU near one core or a lagging event loop). */
  readonly saturated: boolean;
  /** One sentence: what this machine sustained and whether the figures measure the server or the generator. */
  readonly verdict: string;
}

/** Invalid load options (names the option). */
export class LoadOptionsError extends Error {
  override readonly name = 'LoadOptionsError';
}

export function validateLoadOptions(o: LoadOptions): void {
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new LoadOptionsError(`--url "${o.url}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LoadOptionsError(`--url "${o.url}" must be http:// or https://`);
  if (!Number.isInteger(o.connections) || o.connections < 1 || o.connections > 100000) throw new LoadOptionsError(`--users ${o.connections}: must be a whole number from 1 to 100000`);
  if (!(o.durationSec > 0 && o.durationSec <= 3600)) throw new LoadOptionsError(`--duration ${o.durationSec}: must be 1..3600 seconds`);
  if (o.rampSec !== undefined && !(o.rampSec >= 0 && o.rampSec <= 3600)) throw new LoadOptionsError(`--ramp ${o.rampSec}: must be 0..3600 seconds`);
}

interface Tally {
  latencies: number[];
  clients: Set<unknown>;
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  bytes: number;
  rampRequests: number;
  rampErrors: number;
  second: number;
}

/** Start of the full-load window: the end of the ramp, or later if the last connections took longer to set up. */
interface Window {
  fullLoadAt: number;
  started: number;
  readonly instances: number;
  /** Called when every instance has started. */
  readonly onFullLoad: () => void;
}

function track(instance: autocannon.Instance, t: Tally, w: Window): void {
  // autocannon emits 'start' once its connections are set up (setting up thousands takes a while).
  instance.on('start', () => {
    if (++w.started === w.instances) {
      w.fullLoadAt = Math.max(w.fullLoadAt, performance.now());
      w.onFullLoad();
    }
  });
  instance.on('response', (client, statusCode, resBytes, responseTime) => {
    t.second++;
    if (performance.now() < w.fullLoadAt) return void t.rampRequests++;
    t.latencies.push(responseTime);
    t.clients.add(client);
    t.statusCodes[statusCode] = (t.statusCodes[statusCode] ?? 0) + 1;
    t.bytes += resBytes;
  });
  instance.on('reqError', (err: NodeJS.ErrnoException) => {
    if (performance.now() < w.fullLoadAt) return void t.rampErrors++;
    const code = err?.code ?? (/timed out/.test(String(err?.message)) ? 'TIMEOUT' : 'ERROR');
    t.errors++;
    if (code === 'TIMEOUT') t.timeouts++;
    t.errorCodes[code] = (t.errorCodes[code] ?? 0) + 1;
  });
}

/** Splits `connections` over `steps` instances (the first ones get the remainder). */
export function rampPlan(connections: number, rampSec: number, steps: number): { connections: number; startSec: number }[] {
  const n = rampSec > 0 ? Math.max(1, Math.min(steps, connections)) : 1;
  return Array.from({ length: n }, (_, i) => ({ connections: Math.floor(connections / n) + (i < connections % n ? 1 : 0), startSec: (rampSec * i) / n }));
}

function latencySummary(values: number[]): LatencyMs {
  const sorted = Float64Array.from(values).sort();
  const r = (v: number) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : NaN);
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), p99: r(percentile(sorted, 99)), max: r(sorted[sorted.length - 1] ?? NaN), mean: r(sum / sorted.length) };
}

function verdictOf(o: LoadOptions, open: number | undefined, answered: number, rps: number, usage: GeneratorUsage): { saturated: boolean; verdict: string } {
  const starved = usage.loadAverage > usage.cores;
  const saturated = usage.cpuPercent >= 90 || (usage.eventLoopDelayP99Ms ?? 0) >= 100;
  const loop = usage.eventLoopDelayP99Ms === undefined ? 'event-loop delay not sampled' : `event-loop delay p99 ${usage.eventLoopDelayP99Ms} ms`;
  const held = `this machine held ${open ?? 'an unknown number of'} of ${o.connections} connections open (${answered} answered) and ${rps} requests/s at ${usage.cpuPercent}% of one core (${loop})`;
  let verdict: string;
  if (saturated) verdict = `${held}: the generator was the limit, so these figures are a floor for the server; spread the load over more machines for the server's ceiling`;
  else if (starved) verdict = `${held}, on a busy machine (load ${usage.loadAverage} on ${usage.cores} cores): the generator got less CPU than it asked for, so these figures are a floor; rerun from an idle machine`;
  else verdict = `${held}: the generator had headroom, so the figures measure the server`;
  return { saturated, verdict };
}

/** Runs the load test. @throws LoadOptionsError for invalid options only. */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  validateLoadOptions(o);
  const rampSec = o.rampSec ?? 0;
  const fdLimit = ensureFdLimit(o.connections);
  const meter = measureGenerator();
  const t0 = performance.now();
  const plan = rampPlan(o.connections, rampSec, o.rampSteps ?? 4);
  // Generator figures cover full load only: the ramp's end, or when the last connections were set up if later.
  const w: Window = { fullLoadAt: t0 + rampSec * 1000, started: 0, instances: plan.length, onFullLoad: () => setTimeout(meter.reset, Math.max(0, w.fullLoadAt - performance.now())) };
  const t: Tally = { latencies: [], clients: new Set(), statusCodes: {}, errorCodes: {}, errors: 0, timeouts: 0, bytes: 0, rampRequests: 0, rampErrors: 0, second: 0 };
  const instances: autocannon.Instance[] = [];
  /** Ramp steps not started yet: cancelling one resolves its promise. */
  const pending = new Map<NodeJS.Timeout, () => void>();
  let stoppedEarly = false;
  const stopAll = () => {
    stoppedEarly = true;
    for (const [timer, resolve] of pending) {
      clearTimeout(timer);
      resolve();
    }
    pending.clear();
    instances.forEach((i) => i.stop());
  };
  o.signal?.addEventListener('abort', stopAll, { once: true });
  const u = new URL(o.url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  let openPeak: number | undefined;
  let ticks = 0;
  // Counting sockets reads /proc: every second up to 2,000 connections, every other second above.
  const every = o.connections > 2000 ? 2 : 1;
  const ticker = setInterval(() => {
    o.onTick?.(t.second, Math.round((performance.now() - t0) / 1000));
    t.second = 0;
    if (++ticks % every === 0) {
      const open = establishedTo(port);
      if (open !== undefined) openPeak = Math.max(openPeak ?? 0, open);
    }
  }, 1000);
  const runs = plan.map(
    (step) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(timer);
          const duration = rampSec - step.startSec + o.durationSec;
          const inst = autocannon({ url: o.url, connections: step.connections, duration, timeout: o.timeoutSec ?? 10, headers: { ...o.headers } }, (err) => (err ? reject(err) : resolve()));
          instances.push(inst);
          track(inst, t, w);
        }, step.startSec * 1000);
        pending.set(timer, resolve);
      }),
  );
  try {
    await Promise.all(runs);
  } finally {
    clearInterval(ticker);
    o.signal?.removeEventListener('abort', stopAll);
  }
  const fullSec = Math.max(0.001, (performance.now() - w.fullLoadAt) / 1000);
  const usage = meter.stop();
  const answered = t.latencies.length;
  const rps = Math.round(answered / fullSec);
  const non2xx = Object.entries(t.statusCodes).filter(([c]) => !c.startsWith('2')).reduce((s, [, n]) => s + n, 0);
  return {
    url: o.url,
    connections: o.connections,
    ...(openPeak !== undefined ? { connectionsOpenPeak: openPeak } : {}),
    connectionsAnswered: t.clients.size,
    durationSec: o.durationSec,
    rampSec,
    requests: answered,
    requestsPerSec: rps,
    latencyMs: latencySummary(t.latencies),
    errors: t.errors,
    timeouts: t.timeouts,
    errorCodes: t.errorCodes,
    non2xx,
    statusCodes: t.statusCodes,
    bytes: t.bytes,
    ramp: { requests: t.rampRequests, errors: t.rampErrors },
    stoppedEarly,
    generator: { ...usage, fdLimit, ephemeralPorts: ephemeralPorts(), ...verdictOf(o, openPeak, t.clients.size, rps, usage) },
  };
}
