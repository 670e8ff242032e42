/**
 * The guide's health endpoint (`src/app/api/health/route.ts`): 200 with
 * `{ "status": "healthy", "database": "connected" }`, or 503 with
 * `{ "status": "unhealthy", "database": "disconnected", "error": ... }`.
 */
import { RequestFailure, RequestOptions, timedGet } from './request';

export const DEFAULT_HEALTH_PATH = '/api/health';

export interface HealthResult {
  /** The URL checked. */
  readonly url: string;
  readonly healthy: boolean;
  readonly status?: number;
  /** `status` field of the body. */
  readonly appStatus?: string;
  /** `database` field of the body. */
  readonly database?: string;
  /** Each way the answer falls short, one sentence each. */
  readonly problems: string[];
  readonly ms?: number;
}

/** Appends `path` to a base URL (keeping any path prefix the base has). */
export function joinUrl(base: string, path: string): string {
  const u = new URL(base);
  const prefix = u.pathname.replace(/\/$/, '');
  return new URL(`${prefix}${path.startsWith('/') ? path : `/${path}`}`, u).href;
}

/** Reads the health answer; never throws (a failed request is a problem in the result). */
export async function checkHealth(base: string, opts: RequestOptions & { readonly path?: string } = {}): Promise<HealthResult> {
  const url = joinUrl(base, opts.path ?? DEFAULT_HEALTH_PATH);
  let res;
  try {
    res = await timedGet(url, opts);
  } catch (e) {
    const message = e instanceof RequestFailure ? e.message : (e as Error).message;
    return { url, healthy: false, problems: [message] };
  }
  const problems: string[] = [];
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(res.body);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  if (res.status !== 200) problems.push(`answered HTTP ${res.status}, expected 200`);
  if (!body) problems.push(`body is not a JSON object (content-type ${res.contentType ?? 'none'})`);
  const appStatus = typeof body?.status === 'string' ? body.status : undefined;
  const database = typeof body?.database === 'string' ? body.database : undefined;
  if (body && appStatus !== 'healthy') problems.push(`status is ${JSON.stringify(body.status ?? null)}, expected "healthy"`);
  if (body && database !== 'connected') problems.push(`database is ${JSON.stringify(body.database ?? null)}, expected "connected"`);
  if (body && typeof body.error === 'string' && problems.length) problems.push(`the app reports: ${body.error.slice(0, 200)}`);
  return { url, healthy: problems.length === 0, status: res.status, appStatus, database, problems, ms: Math.round(res.totalMs) };
}
