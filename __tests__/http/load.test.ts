/**
 * load (scripts/lib/http/load.ts, on autocannon) against servers this file starts on 127.0.0.1.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { join } from 'path';
import { runLoad, rampPlan, LoadOptionsError } from '../../scripts/lib/http/load';
import { formatLoadReport, wafCaveat } from '../../scripts/lib/http/load-report';
import { ensureFdLimit, readFdLimit } from '../../scripts/lib/http/generator';
import { json, useServers, startHttp } from './servers';

const serve = useServers();

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill()));

/** The fixture server in a child process; resolves to its URL. */
function serverProcess(): Promise<string> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures/ok-server.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve(`http://127.0.0.1:${d.toString().trim()}/`));
  });
}

const ok = () => startHttp((_req, res) => json(res, 200, { status: 'healthy', database: 'connected' }));

describe('load', () => {
  test('1,000 concurrent connections against a local server complete and report their percentiles', async () => {
    const url = await serverProcess();
    const r = await runLoad({ url, connections: 1000, durationSec: 3 });
    expect(r.connections).toBe(1000);
    expect(r.connectionsOpenPeak).toBeGreaterThanOrEqual(1000);
    expect(r.connectionsAnswered).toBeGreaterThan(0);
    expect(r.errors).toBe(0);
    expect(r.non2xx).toBe(0);
    expect(r.requests).toBeGreaterThan(0);
    expect(r.requestsPerSec).toBeGreaterThan(0);
    const l = r.latencyMs;
    for (const v of [l.p50, l.p95, l.p99, l.max]) expect(Number.isFinite(v)).toBe(true);
    expect(l.p50).toBeLessThanOrEqual(l.p95);
    expect(l.p95).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(r.generator.fdLimit.soft).toBeGreaterThanOrEqual(1000);
    expect(r.generator.verdict).toMatch(new RegExp(`held ${r.connectionsOpenPeak} of 1000 connections open \\(${r.connectionsAnswered} answered\\) and ${r.requestsPerSec} requests/s`));
    expect(formatLoadReport(r)).toMatch(/latency \(ms\) +p50 [\d.]+ +p95 [\d.]+ +p99 [\d.]+/);
  }, 90_000);

  test('non-2xx answers are counted apart from errors', async () => {
    const url = await serve(startHttp((_req, res) => json(res, 503, { status: 'unhealthy', database: 'disconnected' })));
    const r = await runLoad({ url, connections: 10, durationSec: 1 });
    expect(r.requests).toBeGreaterThan(0);
    expect(r.non2xx).toBe(r.requests);
    expect(r.statusCodes).toEqual({ 503: r.requests });
    expect(r.errors).toBe(0);
  });

  test('connections the server resets are counted as errors with their code', async () => {
    const url = await serve(startHttp((req) => req.socket.resetAndDestroy()));
    const r = await runLoad({ url, connections: 2, durationSec: 1 });
    expect(r.requests).toBe(0);
    expect(r.errors).toBeGreaterThan(0);
    expect(r.errorCodes).toEqual({ ECONNRESET: r.errors });
  });

  test('a ramp opens the connections in steps that stay open, and reports the ramp apart', async () => {
    const url = await serve(ok());
    const r = await runLoad({ url, connections: 40, durationSec: 2, rampSec: 2 });
    expect(r.ramp.requests).toBeGreaterThan(0);
    expect(r.connectionsAnswered).toBe(40);
  });

  test('an abort during the ramp stops the run early and still reports', async () => {
    const url = await serve(ok());
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 1500);
    const started = Date.now();
    const r = await runLoad({ url, connections: 8, durationSec: 5, rampSec: 4, signal: abort.signal });
    expect(r.stoppedEarly).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.ramp.requests).toBeGreaterThan(0);
  });

  test('the ramp plan splits the connections over steps started evenly across the ramp', () => {
    expect(rampPlan(10, 4, 4)).toEqual([{ connections: 3, startSec: 0 }, { connections: 3, startSec: 1 }, { connections: 2, startSec: 2 }, { connections: 2, startSec: 3 }]);
    expect(rampPlan(10, 0, 4)).toEqual([{ connections: 10, startSec: 0 }]);
  });

  test('invalid options are rejected naming the option', async () => {
    await expect(runLoad({ url: 'nope', connections: 1, durationSec: 1 })).rejects.toThrow(LoadOptionsError);
    await expect(runLoad({ url: 'http://127.0.0.1:1/', connections: 0, durationSec: 1 })).rejects.toThrow(/--users 0/);
  });

  describe('open-file limit', () => {
    const generator = join(__dirname, '../../scripts/lib/http/generator.ts');
    /** ensureFdLimit(n) in a child whose limits prlimit(1) set to soft:hard. */
    const inChild = (limits: string, n: number) => {
      const code = `process.stdout.write(JSON.stringify(require(${JSON.stringify(generator)}).ensureFdLimit(${n})))`;
      const r = spawnSync('prlimit', [`--nofile=${limits}`, process.execPath, '-r', 'ts-node/register/transpile-only', '-e', code], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout);
    };

    test('a soft limit below the connections is raised to the hard limit (Node does it at start-up)', () => {
      expect(inChild('1024:20000', 5000)).toEqual({ soft: 20000, hard: 20000 });
    });

    test('a hard limit below the connections is reported with the command that fixes it', () => {
      const fd = inChild('256:512', 5000);
      expect(fd).toMatchObject({ soft: 512, hard: 512 });
      expect(fd.problem).toMatch(/^5000 connections need 5064 open files but the soft limit is 512 \(the hard limit is 512\); raise it before running: `ulimit -n 5064`/);
    });
  });

  test('10,000 connections fit under the open-file limit of this process', () => {
    const fd = ensureFdLimit(10_000);
    expect(fd.problem).toBeUndefined();
    expect(readFdLimit()!.soft).toBeGreaterThanOrEqual(10_064);
  });

  test('the WAF caveat quotes the rate limit and both ways of running a test properly', () => {
    const text = wafCaveat(2000, 'https://aws.venturenudge.com/');
    expect(text).toMatch(/after 2000 requests in 5 minutes/);
    expect(text).toMatch(/set edge\.wafRateLimit to 0 in the config and apply, then restore it/);
    expect(text).not.toMatch(/IP set in config/);
    expect(text).toMatch(/spread the source/);
    expect(text).not.toMatch(/is local/);
  });

  test('the CLI prints the WAF caveat before starting, then the report; a bad flag exits 2', async () => {
    const url = await serverProcess();
    const cli = [require.resolve('ts-node/dist/bin.js'), '--transpile-only', join(__dirname, '../../scripts/load.ts')];
    const r = spawnSync(process.execPath, [...cli, '--url', url, '--users', '3', '--duration', '1'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(r.status).toBe(0);
    expect(r.stderr.indexOf('WAF: the CloudFront web ACL blocks a client IP after 2000 requests')).toBe(0);
    expect(r.stdout).toMatch(/^load: .*3 connections/);
    expect(r.stdout).toMatch(/latency \(ms\) +p50/);
    const bad = spawnSync(process.execPath, [...cli, '--url', url, '--users', 'many'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('error: --users "many": must be a number');
  }, 60_000);
});
