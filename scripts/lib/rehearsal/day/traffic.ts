/**
 * The load driver of the migration-day rehearsal: a steady mix of reads and writes against the
 * stand-in app processes, split between the "Vercel" deployment and the "AWS" tasks by the
 * Route 53 weights of the stage that is live (read from the synthesized stack).
 */
import { readFileSync } from 'node:fs';

/** Weights of the apex A records by set identifier (vercel / aws), from a synthesized stack JSON. */
export function apexWeights(stackJsonFile: string, apex: string): { vercel: number; aws: number } {
  const json = JSON.parse(readFileSync(stackJsonFile, 'utf8')) as { resource?: Record<string, Record<string, Record<string, any>>> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const records = Object.values(json.resource?.aws_route53_record ?? {}).filter((r) => r.name === apex && r.type === 'A' && r.set_identifier);
  const weight = (id: string) => {
    const r = records.find((x) => x.set_identifier === id);
    const w = r?.weighted_routing_policy?.weight ?? r?.weighted_routing_policy?.[0]?.weight;
    return r ? Number(w ?? 0) : 0;
  };
  const out = { vercel: weight('vercel'), aws: weight('aws') };
  if (out.vercel + out.aws === 0) throw new Error(`${stackJsonFile}: no weighted A record for ${apex} with weight above 0 (set identifiers vercel / aws)`);
  return out;
}

export interface TrafficCounts {
  requests: number;
  writes: number;
  reads: number;
  /** Answers other than 2xx, and requests with no answer at all. */
  failed: number;
  unanswered: number;
}

export interface Traffic {
  /** Sets the split (Route 53 weights) and the app processes behind each side. */
  route(weights: { vercel: number; aws: number }, targets: { vercel: readonly number[]; aws: readonly number[] }): void;
  /** Counts since the start. */
  counts(): TrafficCounts;
  stop(): Promise<void>;
}

const OPERATIONS = [
  { weight: 20, method: 'POST', path: '/api/signup', body: () => ({ email: `u${Math.floor(Math.random() * 1e9)}@example.test` }) },
  { weight: 15, method: 'POST', path: '/api/plans', body: () => ({ signupId: 0, title: 'launch plan' }) },
  { weight: 25, method: 'POST', path: '/api/chat', body: () => ({ planId: 0, body: 'how do I price this?' }) },
  { weight: 40, method: 'GET', path: '/api/chat?planId=1' },
] as const;

function pick<T extends { weight: number }>(items: readonly T[]): T {
  let r = Math.random() * items.reduce((s, i) => s + i.weight, 0);
  for (const i of items) if ((r -= i.weight) < 0) return i;
  return items[items.length - 1];
}

/** Starts sending `rate` requests per second; nothing is sent until the first `route`. */
export function startTraffic(rate: number): Traffic {
  let weights = { vercel: 100, aws: 0 };
  let targets: { vercel: readonly number[]; aws: readonly number[] } = { vercel: [], aws: [] };
  let turn = 0;
  const counts: TrafficCounts = { requests: 0, writes: 0, reads: 0, failed: 0, unanswered: 0 };
  const inflight = new Set<Promise<void>>();
  const send = () => {
    const side = pick([
      { weight: weights.vercel, side: 'vercel' as const },
      { weight: weights.aws, side: 'aws' as const },
    ]).side;
    const ports = targets[side];
    if (!ports.length) return;
    const port = ports[turn++ % ports.length];
    const op = pick(OPERATIONS);
    counts.requests++;
    if (op.method === 'POST') counts.writes++;
    else counts.reads++;
    const p = fetch(`http://127.0.0.1:${port}${op.path}`, {
      method: op.method,
      headers: op.method === 'POST' ? { 'content-type': 'application/json' } : undefined,
      body: 'body' in op ? JSON.stringify(op.body()) : undefined,
      signal: AbortSignal.timeout(10000),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status >= 300) counts.failed++;
      })
      .catch(() => {
        counts.failed++;
        counts.unanswered++;
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const timer = setInterval(send, 1000 / rate);
  return {
    route(w, t) {
      weights = { ...w };
      targets = { vercel: [...t.vercel], aws: [...t.aws] };
    },
    counts: () => ({ ...counts }),
    async stop() {
      clearInterval(timer);
      await Promise.all([...inflight]);
    },
  };
}
