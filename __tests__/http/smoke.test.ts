/**
 * smoke (scripts/lib/http/smoke.ts) against servers this file starts on 127.0.0.1.
 */
import { execFile } from 'child_process';
import { join } from 'path';
import { formatSmokeReport, runSmoke, SmokeOptionsError } from '../../scripts/lib/http/smoke';
import { timedGet } from '../../scripts/lib/http/request';
import { appHandler, json, useServers, selfSignedCert, startHttp, startHttps } from './servers';

const serve = useServers();

let fast: string;
let fastBaseline: string;
let unhealthy: string;
let slowPage: string;
beforeAll(async () => {
  fast = await serve(startHttp(appHandler()));
  fastBaseline = await serve(startHttp(appHandler()));
  unhealthy = await serve(startHttp(appHandler({ healthy: false })));
  slowPage = await serve(startHttp(appHandler({ pageDelayMs: 900 })));
});

describe('smoke: health and budgets', () => {
  test('a healthy fast target and baseline pass with the guide budgets', async () => {
    const r = await runSmoke({ target: fast, baseline: fastBaseline, requests: 5 });
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.health.target).toMatchObject({ healthy: true, appStatus: 'healthy', database: 'connected' });
    expect(r.health.baseline).toMatchObject({ healthy: true });
  });

  test('reports p50, p95 and max of TTFB and total time per path, for target and baseline, over N requests', async () => {
    const r = await runSmoke({ target: fast, baseline: fastBaseline, requests: 4, paths: ['/', '/api/health'] });
    expect(r.paths.map((p) => [p.path, p.kind])).toEqual([['/', 'page'], ['/api/health', 'api']]);
    for (const p of r.paths) {
      for (const side of [p.target, p.baseline!]) {
        expect(side.ttfb.n).toBe(4);
        expect(side.total.n).toBe(4);
        expect(side.ttfb.p50).toBeLessThanOrEqual(side.ttfb.p95);
        expect(side.ttfb.p95).toBeLessThanOrEqual(side.ttfb.max);
        expect(side.total.p50).toBeGreaterThanOrEqual(side.ttfb.p50);
      }
    }
  });

  test('an unhealthy target (503, database disconnected) fails, naming the health check and the database', async () => {
    const r = await runSmoke({ target: unhealthy, baseline: fastBaseline, requests: 2 });
    expect(r.ok).toBe(false);
    expect(r.health.target).toMatchObject({ healthy: false, status: 503, database: 'disconnected' });
    const health = r.failures.filter((f) => f.check === 'health');
    expect(health).toHaveLength(1);
    expect(health[0].side).toBe('target');
    expect(health[0].message).toMatch(/target unhealthy: .*HTTP 503.*database is "disconnected", expected "connected"/);
  });

  test('an unhealthy baseline fails too', async () => {
    const r = await runSmoke({ target: fast, baseline: unhealthy, requests: 1, paths: ['/'] });
    expect(r.failures.map((f) => [f.check, f.side])).toEqual([['health', 'baseline']]);
  });

  test('a slow page breaks the TTFB budget and the report names TTFB', async () => {
    const r = await runSmoke({ target: slowPage, baseline: fastBaseline, requests: 2, paths: ['/'] });
    expect(r.ok).toBe(false);
    expect(r.failures.map((f) => [f.check, f.side, f.path])).toEqual([['ttfb', 'target', '/']]);
    expect(r.failures[0].message).toMatch(/^target \/: TTFB p95 \d+(\.\d)? ms is over the 800 ms budget$/);
    expect(formatSmokeReport(r)).toMatch(/FAILED: 1 check\(s\)\n {2}- target \/: TTFB p95/);
  });

  test('budgets can be set: a tighter API budget fails a path the guide budget passes', async () => {
    const slowApi = await serve(startHttp(appHandler({ delayMs: 120 })));
    expect((await runSmoke({ target: slowApi, requests: 1, paths: ['/api/health'] })).ok).toBe(true);
    const r = await runSmoke({ target: slowApi, requests: 1, paths: ['/api/health'], budgets: { apiMs: 60 } });
    expect(r.failures.map((f) => f.check)).toEqual(expect.arrayContaining(['api']));
    expect(r.failures.find((f) => f.check === 'api')!.message).toMatch(/API time p95 .* over the 60 ms budget/);
  });

  test('"no worse than the baseline by more than X %" fails a target slower than that', async () => {
    const slower = await serve(startHttp(appHandler({ delayMs: 150 })));
    const r = await runSmoke({ target: slower, baseline: fastBaseline, requests: 2, paths: ['/'], budgets: { maxRegressionPct: 50 } });
    const reg = r.failures.filter((f) => f.check === 'regression');
    expect(reg.length).toBeGreaterThanOrEqual(1);
    expect(reg[0].message).toMatch(/^target \/: (TTFB|page time) p95 .* above the baseline's .* \(allowed: 50%\)$/);
    const same = await runSmoke({ target: fast, baseline: fastBaseline, requests: 2, paths: ['/'], budgets: { maxRegressionPct: 50 } });
    expect(same.failures).toEqual([]);
  });

  test('non-2xx answers on a measured path fail with the status', async () => {
    const broken = await serve(startHttp((req, res) => (req.url === '/api/health' ? appHandler()(req, res) : json(res, 500, { error: 'boom' }))));
    const r = await runSmoke({ target: broken, requests: 2, paths: ['/'] });
    expect(r.failures.map((f) => f.message)).toEqual(['target /: 2 of 2 answered HTTP 500']);
  });

  test('invalid options are rejected naming the option', async () => {
    await expect(runSmoke({ target: 'aws.venturenudge.com' })).rejects.toThrow(SmokeOptionsError);
    await expect(runSmoke({ target: fast, paths: ['api/health'] })).rejects.toThrow(/--paths: "api\/health" must start with \//);
    await expect(runSmoke({ target: fast, requests: 0 })).rejects.toThrow(/--requests 0/);
    await expect(runSmoke({ target: fast, budgets: { maxRegressionPct: 10 } })).rejects.toThrow(/--max-regression compares with the baseline: give --baseline/);
  });
});

describe('smoke: TLS, DNS and redirect errors are reported plainly', () => {
  const tls = selfSignedCert();

  test('a self-signed certificate is reported as a TLS error, and trusted with its CA it passes', async () => {
    const secure = await serve(startHttps(tls, appHandler()));
    const r = await runSmoke({ target: secure, requests: 1, paths: ['/'] });
    expect(r.health.target.problems).toEqual([expect.stringMatching(/^TLS: 127\.0\.0\.1: the certificate is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/)]);
    expect(r.failures.map((f) => f.check)).toEqual(['health', 'request']);
    expect((await runSmoke({ target: secure, requests: 1, paths: ['/'], ca: tls.cert })).ok).toBe(true);
  });

  test('a name that does not resolve is reported as a DNS error naming the host', async () => {
    const lookup = ((hostname: string, _o: unknown, cb: (e: NodeJS.ErrnoException) => void) => cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }))) as never;
    const r = await runSmoke({ target: 'http://aws.venturenudge.invalid', requests: 1, paths: ['/'], lookup });
    expect(r.ok).toBe(false);
    expect(r.failures.map((f) => f.message)).toEqual([
      'target unhealthy: http://aws.venturenudge.invalid/api/health: DNS: aws.venturenudge.invalid: the name does not resolve (ENOTFOUND); check the record exists and has propagated',
      'target /: 1 of 1 requests failed: DNS: aws.venturenudge.invalid: the name does not resolve (ENOTFOUND); check the record exists and has propagated',
    ]);
  });

  test('a redirect loop is reported as a redirect error', async () => {
    const loop = await serve(startHttp((req, res) => (req.url === '/api/health' ? appHandler()(req, res) : (res.writeHead(302, { location: '/a' }), res.end()))));
    const r = await runSmoke({ target: loop, requests: 1, paths: ['/a'] });
    expect(r.failures.map((f) => f.message)).toEqual([`target /a: 1 of 1 requests failed: redirect: loop, ${loop}/a redirects back to ${loop}/a`]);
  });

  test('a redirect from https to http is reported as a downgrade', async () => {
    const secure = await serve(startHttps(tls, (_req, res) => (res.writeHead(301, { location: 'http://127.0.0.1:1/' }), res.end())));
    await expect(timedGet(`${secure}/`, { ca: tls.cert })).rejects.toThrow(/^redirect: .* a downgrade from https to http$/);
  });

  test('a followed redirect is timed as part of the request and listed in the report', async () => {
    const moved = await serve(startHttp((req, res) => (req.url === '/old' ? (res.writeHead(301, { location: '/' }), res.end()) : appHandler()(req, res))));
    const r = await runSmoke({ target: moved, requests: 1, paths: ['/old'] });
    expect(r.ok).toBe(true);
    expect(r.paths[0].target.redirects).toEqual([`301 ${moved}/old -> ${moved}/`]);
    expect(formatSmokeReport(r)).toContain(`redirect target /old: 301 ${moved}/old -> ${moved}/`);
  });

  test('a refused connection is reported as such', async () => {
    const closed = await startHttp(appHandler());
    await closed.close();
    const r = await runSmoke({ target: closed.url, requests: 1, paths: ['/'] });
    expect(r.health.target.problems[0]).toMatch(/^connect: 127\.0\.0\.1:\d+: connection refused/);
  });
});

describe('npm run smoke (CLI)', () => {
  const cli = join(__dirname, '../../scripts/smoke.ts');
  // Asynchronous: the servers answering the CLI live in this process.
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', cli, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
      );
    });

  test('exits 0 with a JSON report for a healthy target and 1 with the failures on stderr for an unhealthy one', async () => {
    const ok = await run(['--target', fast, '--baseline', fastBaseline, '--requests', '2', '--json']);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, requests: 2, budgets: { pageMs: 2000, apiMs: 500, ttfbMs: 800 } });
    const bad = await run(['--target', unhealthy, '--requests', '1', '--paths', '/']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAILED/);
    expect(bad.stderr).toMatch(/target unhealthy/);
  });

  test('exits 2 on an unknown option or a bad budget, naming it', async () => {
    const r = await run(['--target', fast, '--ttfb', 'fast']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('error: --ttfb "fast": must be a number of milliseconds');
    expect((await run(['--targt', fast])).status).toBe(2);
  });
});
