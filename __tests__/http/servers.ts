/**
 * Local HTTP(S) servers for the smoke and load tests, bound to 127.0.0.1 on a free port
 * and closed after the tests of the calling file.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

export interface LocalServer {
  readonly url: string;
  readonly server: http.Server;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function listen(server: http.Server, scheme: 'http' | 'https'): Promise<LocalServer> {
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * For a test file: `serve(startHttp(...))` starts a server and returns its URL; every server
 * served is closed after the file's tests.
 */
export function useServers(): (started: Promise<LocalServer>) => Promise<string> {
  const servers: LocalServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  return async (started) => {
    const s = await started;
    servers.push(s);
    return s.url;
  };
}

export const startHttp = (handler: Handler) => listen(http.createServer(handler), 'http');

/** A self-signed certificate for 127.0.0.1 (openssl, P-256), generated once per call. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'smoke-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const startHttps = (tls: { key: string; cert: string }, handler: Handler) => listen(https.createServer(tls, handler) as unknown as http.Server, 'https');

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The guide's health route, healthy or not, plus a small HTML page at every other path. */
export function appHandler(opts: { healthy?: boolean; pageDelayMs?: number; delayMs?: number } = {}): Handler {
  return (req, res) => {
    const respond = () => {
      if (req.url === '/api/health') {
        if (opts.healthy === false) json(res, 503, { status: 'unhealthy', timestamp: new Date().toISOString(), database: 'disconnected', error: 'connect ECONNREFUSED 10.0.1.5:5432' });
        else json(res, 200, { status: 'healthy', timestamp: new Date().toISOString(), database: 'connected' });
        return;
      }
      const page = () => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>Venture Nudge</title><h1>hello</h1>');
      };
      if (opts.pageDelayMs) setTimeout(page, opts.pageDelayMs);
      else page();
    };
    if (opts.delayMs) setTimeout(respond, opts.delayMs);
    else respond();
  };
}
