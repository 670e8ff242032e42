/**
 * The record of the day: an SSM String parameter (JSON) under the environment's path that every
 * side reads, with the local file only as a cache that may fail to write (the runner's root is
 * read-only).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { dayLedger, dayState, fileLedger, readState, recordSync, ssmLedger, type SyncRecord } from '../../scripts/lib/cutover/ledger';
import { recordOutcome } from '../../scripts/lib/cutover/record';
import { resolveConfig } from '../../stacks/config';
import { FAKE_AWS_KEYS, useMoto } from '../support/moto';

const moto = useMoto();
let ssm: SSMClient;
let dir: string;
let n = 0;

beforeAll(() => {
  ssm = new SSMClient({ region: 'us-east-1', endpoint: moto().endpoint, credentials: { accessKeyId: FAKE_AWS_KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: FAKE_AWS_KEYS.AWS_SECRET_ACCESS_KEY } });
  dir = mkdtempSync(join(tmpdir(), 'cutover-ledger-'));
});
afterAll(() => {
  ssm?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const finish: SyncRecord = { direction: 'forward', ok: true, at: '2026-12-01T10:00:00Z', source: 'src:5432/verceldb', target: 'rds:5432/venturenudge', freezeMs: 900 };
/** A fresh environment: its own parameter and cache directory. */
function fresh() {
  const env = `env${++n}`;
  const parameter = `/venture-nudge/${env}/cutover/day`;
  return { env, parameter, cacheDir: join(dir, `${env}-cache`), ledger: (cacheDir = join(dir, `${env}-cache`)) => ssmLedger({ envName: env, client: ssm, parameter, dir: cacheDir }) };
}

test('the parameter is /<app>/<env>/cutover/day, under the path the config gives the environment', () => {
  expect(dayLedger('production', { env: {}, client: ssm }).where).toBe('ssm:/venture-nudge/production/cutover/day');
  expect(dayLedger('production', { env: {}, client: ssm, config: resolveConfig({ appName: 'acme' } as never) }).where).toBe('ssm:/acme/production/cutover/day');
});

test('the runner names the parameter in its environment (its image has no config file)', () => {
  expect(dayLedger('production', { env: { VN_DAY_RECORD_PARAMETER: '/x/production/cutover/day' }, client: ssm }).where).toBe('ssm:/x/production/cutover/day');
});

test('VN_DAY_RECORD=local keeps the record in the local file only; another value is refused by name', () => {
  expect(dayLedger('production', { env: { VN_DAY_RECORD: 'local' }, dir }).where).toBe(join(dir, 'production.json'));
  expect(() => dayLedger('production', { env: { VN_DAY_RECORD: 'file' } })).toThrow(/VN_DAY_RECORD must be ssm or local \(got file\)/);
});

test('what one side writes, another side with an empty cache reads from SSM', async () => {
  const e = fresh();
  await e.ledger(join(dir, 'runner-side')).update({ lastSync: finish });
  expect(await e.ledger(join(dir, `${e.env}-laptop`)).read()).toEqual({ lastSync: finish });
});

test('the record is a String parameter holding JSON', async () => {
  const e = fresh();
  await e.ledger().update({ lastSync: finish });
  const p = (await ssm.send(new GetParameterCommand({ Name: e.parameter }))).Parameter!;
  expect(p.Type).toBe('String');
  expect(JSON.parse(p.Value!)).toEqual({ lastSync: finish });
});

test('SSM is the truth: a stale cache file is overwritten by the next read', async () => {
  const e = fresh();
  await e.ledger().update({ lastSync: finish });
  writeFileSync(join(e.cacheDir, `${e.env}.json`), JSON.stringify({ lastSync: { ...finish, ok: false, message: 'stale' } }));
  expect((await e.ledger().read()).lastSync).toEqual(finish);
  expect(readState(e.env, e.cacheDir).lastSync).toEqual(finish);
});

test('a cache that cannot be written does not fail the write, and says why', async () => {
  const e = fresh();
  const blocked = join(dir, `${e.env}-blocked`);
  writeFileSync(blocked, 'a file where the cache directory should be');
  const out = await e.ledger(join(blocked, 'sub')).update({ lastSync: finish });
  expect(out).toMatchObject({ where: `ssm:${e.parameter}`, cacheError: expect.stringContaining(join(blocked, 'sub')) });
  expect(await e.ledger().read()).toEqual({ lastSync: finish });
});

test('a read-only cache directory (as in the runner) does not fail recordOutcome', async () => {
  const e = fresh();
  const ro = mkdtempSync(join(dir, 'ro-'));
  chmodSync(ro, 0o555);
  const warnings: string[] = [];
  const where = await recordOutcome(e.env, finish, { ledger: e.ledger(join(ro, 'state')), warn: (l) => warnings.push(l) });
  chmodSync(ro, 0o755);
  expect(where).toBe(`ssm:${e.parameter}`);
  expect((await e.ledger().read()).lastSync).toEqual(finish);
  // root ignores permissions: then the cache was simply written
  if (process.getuid?.() !== 0) expect(warnings.join('\n')).toMatch(/local cache was not written/);
});

test('a change keeps the rest of the record: the applied stage survives a later finish', async () => {
  const e = fresh();
  await e.ledger().update({ applied: { stage: 'aws', at: '2026-12-01T09:00:00Z' } });
  await e.ledger().update({ lastSync: finish });
  expect(await e.ledger().read()).toEqual({ applied: { stage: 'aws', at: '2026-12-01T09:00:00Z' }, lastSync: finish });
});

test('no parameter yet reads as an empty record', async () => {
  expect(await fresh().ledger().read()).toEqual({});
});

test('an unreachable SSM fails the read naming the parameter and the permissions', async () => {
  const dead = new SSMClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  const l = ssmLedger({ envName: 'production', client: dead, parameter: '/venture-nudge/production/cutover/day', dir });
  await expect(l.read()).rejects.toThrow(/cannot read the record of the day ssm:\/venture-nudge\/production\/cutover\/day .*ssm:GetParameter and ssm:PutParameter/);
  dead.destroy();
});

test('a parameter that is not a JSON object is refused by name', async () => {
  const e = fresh();
  await e.ledger().update({});
  await ssm.send(new (await import('@aws-sdk/client-ssm')).PutParameterCommand({ Name: e.parameter, Type: 'String', Overwrite: true, Value: '[1]' }));
  await expect(e.ledger().read()).rejects.toThrow(new RegExp(`ssm:${e.parameter}: cannot read the record of the day \\(not a JSON object\\)`));
});

test.each([
  [{}, { state: 'none' }],
  [{ lastSync: finish }, { state: 'forward-finished' }],
  [{ lastSync: { ...finish, direction: 'reverse' as const } }, { state: 'reverse-finished' }],
  [{ lastSync: { ...finish, ok: false, message: 'table public.users: content differs' } }, { state: 'failed', message: 'table public.users: content differs' }],
])('the state of the day: %j -> %j', (record, state) => {
  expect(dayState(record)).toEqual(state);
});

test('recordSync (the data commands\' old name) still writes the local file, and fileLedger reads it', async () => {
  const d = join(dir, 'legacy');
  const file = recordSync('production', finish, d);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ lastSync: finish });
  expect(await fileLedger('production', d).read()).toEqual({ lastSync: finish });
  expect(existsSync(join(d, 'production.json'))).toBe(true);
});
