/**
 * One timed GET with node's own http/https, on a fresh connection (no keep-alive), so
 * every sample sees what a new visitor sees: DNS, TCP, TLS, then the first byte.
 *
 * Redirects are followed (up to `maxRedirects`) and timed as part of the request, the
 * way a browser would experience them. Failures are classified (`dns`, `tls`,
 * `connect`, `timeout`, `redirect`, `protocol`) with a sentence saying what happened,
 * never a raw stack.
 */
import * as http from 'http';
import * as https from 'https';
import type { LookupFunction } from 'net';
import { performance } from 'perf_hooks';

export type FailureKind = 'dns' | 'tls' | 'connect' | 'timeout' | 'redirect' | 'protocol';

/** A request that produced no usable response. */
export class RequestFailure extends Error {
  override readonly name = 'RequestFailure';
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface TimedResponse {
  /** Final URL after redirects. */
  readonly url: string;
  readonly status: number;
  /** Each redirect hop as `301 http://a/ -> https://a/`. */
  readonly redirects: string[];
  /** Start of the first request to the first byte of the final response (includes DNS, TCP, TLS and redirects). */
  readonly ttfbMs: number;
  /** Start of the first request to the last byte of the final body. */
  readonly totalMs: number;
  readonly bytes: number;
  /** The final body (text, at most `maxBodyBytes`). */
  readonly body: string;
  readonly contentType?: string;
}

export interface RequestOptions {
  /** Per request, including redirects. @default 10000 */
  readonly timeoutMs?: number;
  /** @default 5 */
  readonly maxRedirects?: number;
  /** Body kept for inspection (the rest is still read and counted). @default 65536 */
  readonly maxBodyBytes?: number;
  /** Extra CA certificates (PEM) to trust, e.g. a staging CA. @default Node's bundle */
  readonly ca?: string | Buffer;
  /** Custom DNS lookup (tests use it to simulate a resolver error without sending a query). */
  readonly lookup?: LookupFunction;
  readonly headers?: Readonly<Record<string, string>>;
}

const TLS_CODES: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate chain is incomplete (no trusted issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer of the certificate is not trusted (missing intermediate or private CA)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not cover this host name',
  EPROTO: 'the TLS handshake failed (protocol mismatch: is this port speaking HTTPS?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the TLS handshake failed (the server did not answer with TLS: http:// on an https port?)',
};

/** Turns a socket/TLS/DNS error into a RequestFailure whose message a person can act on. */
export function classifyError(err: NodeJS.ErrnoException, url: URL): RequestFailure {
  const code = err.code ?? '';
  const host = url.hostname;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA' || code === 'EAI_FAIL') {
    const why = code === 'EAI_AGAIN' ? 'the resolver did not answer (temporary failure)' : 'the name does not resolve';
    return new RequestFailure('dns', `DNS: ${host}: ${why} (${code}); check the record exists and has propagated`, code);
  }
  if (TLS_CODES[code] || /SSL|TLS|CERT/.test(code)) {
    return new RequestFailure('tls', `TLS: ${host}: ${TLS_CODES[code] ?? err.message} (${code})`, code);
  }
  if (code === 'ECONNREFUSED') return new RequestFailure('connect', `connect: ${url.host}: connection refused (nothing listening)`, code);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new RequestFailure('connect', `connect: ${url.host}: connection reset by the server`, code);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new RequestFailure('connect', `connect: ${url.host}: host unreachable (${code})`, code);
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_')) return new RequestFailure('protocol', `protocol: ${url.host}: not a valid HTTP response (${code}); https:// on an http port?`, code);
  return new RequestFailure('connect', `${url.host}: ${err.message}${code ? ` (${code})` : ''}`, code || undefined);
}

interface Hop {
  readonly status: number;
  readonly location?: string;
  readonly firstByteAt: number;
  readonly endAt: number;
  readonly bytes: number;
  readonly body: string;
  readonly contentType?: string;
}

function oneHop(url: URL, opts: RequestOptions, deadline: number): Promise<Hop> {
  const mod = url.protocol === 'https:' ? https : http;
  const maxBody = opts.maxBodyBytes ?? 65536;
  return new Promise((resolve, reject) => {
    const remaining = Math.max(1, deadline - performance.now());
    const req = mod.request(
      url,
      { method: 'GET', agent: false, headers: { 'user-agent': 'venture-nudge-smoke/1', accept: '*/*', ...opts.headers }, ca: opts.ca, lookup: opts.lookup, timeout: remaining },
      (res) => {
        const firstByteAt = performance.now();
        const chunks: Buffer[] = [];
        let bytes = 0;
        let kept = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (kept < maxBody) {
            chunks.push(c.subarray(0, maxBody - kept));
            kept += Math.min(c.length, maxBody - kept);
          }
        });
        res.on('end', () => {
          const location = res.headers.location;
          resolve({ status: res.statusCode ?? 0, location, firstByteAt, endAt: performance.now(), bytes, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] });
        });
        res.on('error', (e) => reject(classifyError(e as NodeJS.ErrnoException, url)));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'VN_TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'VN_TIMEOUT') reject(new RequestFailure('timeout', `timeout: ${url.href}: no complete answer within ${opts.timeoutMs ?? 10000} ms`, 'TIMEOUT'));
      else reject(classifyError(e, url));
    });
    req.end();
  });
}

/** Where a redirect from `from` may not go: a loop, a downgrade to http, or no Location. */
function redirectProblem(from: URL, location: string | undefined, seen: Set<string>, status: number): string | URL {
  if (!location) return `redirect: ${from.href} answered ${status} without a Location header`;
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return `redirect: ${from.href} answered ${status} with an invalid Location "${location}"`;
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') return `redirect: ${from.href} redirects to ${next.href}, a downgrade from https to http`;
  if (seen.has(next.href)) return `redirect: loop, ${from.href} redirects back to ${next.href}`;
  return next;
}

/** GETs `target`, following redirects, and times it. @throws RequestFailure */
export async function timedGet(target: string | URL, opts: RequestOptions = {}): Promise<TimedResponse> {
  let url = new URL(target);
  const start = performance.now();
  const deadline = start + (opts.timeoutMs ?? 10000);
  const maxRedirects = opts.maxRedirects ?? 5;
  const seen = new Set([url.href]);
  const redirects: string[] = [];
  for (;;) {
    const hop = await oneHop(url, opts, deadline);
    if (hop.status >= 300 && hop.status < 400 && hop.status !== 304) {
      const next = redirectProblem(url, hop.location, seen, hop.status);
      if (typeof next === 'string') throw new RequestFailure('redirect', next);
      redirects.push(`${hop.status} ${url.href} -> ${next.href}`);
      if (redirects.length > maxRedirects) throw new RequestFailure('redirect', `redirect: more than ${maxRedirects} redirects starting at ${new URL(target).href} (${redirects.join('; ')})`);
      seen.add(next.href);
      url = next;
      continue;
    }
    return {
      url: url.href,
      status: hop.status,
      redirects,
      ttfbMs: hop.firstByteAt - start,
      totalMs: hop.endAt - start,
      bytes: hop.bytes,
      body: hop.body,
      contentType: hop.contentType,
    };
  }
}
