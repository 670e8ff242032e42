/**
 * The moto launcher: a free loopback port, a log file, and the server stopped
 * by its PID in every outcome.
 */
import { spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { request } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { appliedPatches, MOTO_PATCHES, startMoto, withMoto } from '../../scripts/lib/rehearsal/moto';
import { isRunning } from '../support/moto';

let logDir: string;
beforeAll(() => (logDir = mkdtempSync(join(tmpdir(), 'moto-launcher-'))));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));


/** POSTs an AWS JSON-protocol request to moto (unsigned: moto does not check signatures). */
function awsJson(endpoint: string, service: string, target: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((done, reject) => {
    const url = new URL(endpoint);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': target,
          Authorization: `AWS4-HMAC-SHA256 Credential=AKIATEST/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('moto launcher', () => {
  test('starts on 127.0.0.1, writes its log in the given folder and is gone after stop()', async () => {
    const moto = await startMoto({ logDir });
    try {
      expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(isRunning(moto.pid)).toBe(true);
    } finally {
      await moto.stop();
    }
    expect(isRunning(moto.pid)).toBe(false);
    expect(existsSync(moto.logFile)).toBe(true);
    expect(moto.logFile.startsWith(logDir)).toBe(true);
  });

  test('withMoto stops the server when the callback throws', async () => {
    let pid = 0;
    await expect(
      withMoto(async (moto) => {
        pid = moto.pid;
        throw new Error('boom');
      }, { logDir }),
    ).rejects.toThrow('boom');
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid)).toBe(false);
  });

  test.each(['SIGINT', 'SIGTERM'] as const)('a %s to the Node process stops moto too', async (signal) => {
    const holder = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', join(__dirname, 'fixtures/hold-moto.ts'), logDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const motoPid = await new Promise<number>((resolve, reject) => {
        holder.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
        holder.once('exit', () => reject(new Error('holder exited before starting moto')));
      });
      expect(isRunning(motoPid)).toBe(true);
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill(signal);
      await exited;
      await new Promise((r) => setTimeout(r, 200));
      expect(isRunning(motoPid)).toBe(false);
    } finally {
      if (holder.exitCode === null) holder.kill('SIGKILL');
    }
  }, 60_000);

  test('a python without moto fails with a clear message and leaves no process', async () => {
    await expect(startMoto({ logDir, python: '/bin/false', startTimeoutSeconds: 5 })).rejects.toThrow(/moto exited before answering/);
  });

  test('every patch moto_patched.py applies is documented for the verdict', async () => {
    const applied = await appliedPatches();
    expect(applied.sort()).toEqual(Object.keys(MOTO_PATCHES).sort());
  });
});

describe('moto_patched.py fills the gaps the stack hits', () => {
  test('the server answers application-autoscaling ListTagsForResource (NotImplemented in plain moto)', async () => {
    await withMoto(async (moto) => {
      const ecs = (target: string, body: unknown) => awsJson(moto.endpoint, 'ecs', `AmazonEC2ContainerServiceV20141113.${target}`, body);
      expect((await ecs('CreateCluster', { clusterName: 'c' })).status).toBe(200);
      expect((await ecs('RegisterTaskDefinition', { family: 'f', containerDefinitions: [{ name: 'app', image: 'x', memory: 512 }] })).status).toBe(200);
      expect((await ecs('CreateService', { cluster: 'c', serviceName: 's', taskDefinition: 'f', desiredCount: 1 })).status).toBe(200);
      const aas = (target: string, body: unknown) => awsJson(moto.endpoint, 'application-autoscaling', `AnyScaleFrontendService.${target}`, body);
      const registered = await aas('RegisterScalableTarget', { ServiceNamespace: 'ecs', ResourceId: 'service/c/s', ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: 1, MaxCapacity: 2, Tags: { Project: 'vn' } });
      expect(registered.status).toBe(200);
      const arn = registered.body.ScalableTargetARN;
      await aas('TagResource', { ResourceARN: arn, Tags: { Env: 'test' } });
      const tags = await aas('ListTagsForResource', { ResourceARN: arn });
      expect(tags).toEqual({ status: 200, body: { Tags: { Project: 'vn', Env: 'test' } } });
    }, { logDir });
  });

  test('every patch makes moto answer as AWS does (boto3 self-test of moto_patched.py)', () => {
    const r = spawnSync(process.env.VN_PYTHON ?? 'python3', [join(__dirname, 'moto_patched_selftest.py')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).not.toMatch(/^FAIL/m);
    expect(r.status).toBe(0);
  });

  test('the server log records the requests', async () => {
    const moto = await startMoto({ logDir });
    await awsJson(moto.endpoint, 'ecs', 'AmazonEC2ContainerServiceV20141113.ListClusters', {});
    await moto.stop();
    expect(readFileSync(moto.logFile, 'utf8')).toMatch(/POST \/ HTTP/);
  });
});
