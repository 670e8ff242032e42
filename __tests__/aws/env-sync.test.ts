/**
 * env:sync against a real (local) SSM: moto started by this file.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { existingParameters, parseEnvText, readEnvFile, syncEnvToSsm, SyncError } from '../../scripts/lib/aws/ssm';
import { useMoto } from '../support/moto';

const moto = useMoto();
let dir: string;
let client: SSMClient;
let pathCounter = 0;
/** A fresh SSM path per test, so tests do not see each other's parameters. */
const freshPath = () => `/venture-nudge/test${++pathCounter}/`;

const TRICKY_FILE = [
  'WITH_EQUALS=postgres://u:p@h/db?sslmode=require&a=b==',
  `SINGLE_QUOTED='say "hello" and it''s fine'`,
  'DOUBLE_QUOTED="a \'quoted\' # not a comment"',
  'MULTI_LINE="-----BEGIN KEY-----',
  'line two',
  '-----END KEY-----"',
  'UNICODE=ünïcødé ✓ 日本語 🚀',
  'SPACES=  trimmed outside  ',
  '',
].join('\n');

function envFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function valueOf(parameter: string): Promise<string | undefined> {
  const r = await client.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
  return r.Parameter?.Value;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'env-sync-'));
  client = new SSMClient({ region: 'us-east-1', endpoint: moto().endpoint, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
});
afterAll(() => {
  client?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('env:sync (SSM Parameter Store on moto)', () => {
  test('values with =, quotes, multi-line and unicode arrive in SSM exactly as dotenv parses them', async () => {
    const entries = readEnvFile(envFile('.env.tricky', TRICKY_FILE));
    const path = freshPath();
    const result = await syncEnvToSsm({ path, entries, client });
    expect(result.counts.created).toBe(Object.keys(entries).length);
    for (const [name, value] of Object.entries(entries)) expect(await valueOf(`${path}${name}`)).toBe(value);
    expect(entries.WITH_EQUALS).toBe('postgres://u:p@h/db?sslmode=require&a=b==');
    expect(entries.MULTI_LINE.split('\n')).toHaveLength(3);
  });

  test('every parameter is written as a SecureString', async () => {
    const path = freshPath();
    await syncEnvToSsm({ path, entries: { A_KEY: 'value-a' }, client });
    expect((await existingParameters(client, path)).get(`${path}A_KEY`)?.Type).toBe('SecureString');
  });

  test('a dry run reports what it would create and writes nothing', async () => {
    const path = freshPath();
    const result = await syncEnvToSsm({ path, entries: { ONE: 'value-one', TWO: 'value-two' }, client, dryRun: true });
    expect(result.items.map((i) => [i.name, i.action])).toEqual([['ONE', 'create'], ['TWO', 'create']]);
    expect(result.counts.created).toBe(2);
    expect((await existingParameters(client, path)).size).toBe(0);
  });

  test('a second run with the same file reports every value unchanged', async () => {
    const path = freshPath();
    const entries = { ONE: 'value-one', TWO: 'a=b=c' };
    await syncEnvToSsm({ path, entries, client });
    const again = await syncEnvToSsm({ path, entries, client });
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 2, deleted: 0, skipped: 0 });
  });

  test('a changed value is reported as updated and overwritten', async () => {
    const path = freshPath();
    await syncEnvToSsm({ path, entries: { ONE: 'old-value' }, client });
    const result = await syncEnvToSsm({ path, entries: { ONE: 'new-value' }, client });
    expect(result.counts.updated).toBe(1);
    expect(await valueOf(`${path}ONE`)).toBe('new-value');
  });

  test('a plain String parameter with the same value is rewritten as a SecureString', async () => {
    const path = freshPath();
    await client.send(new PutParameterCommand({ Name: `${path}PLAIN`, Value: 'same-value', Type: 'String' }));
    const result = await syncEnvToSsm({ path, entries: { PLAIN: 'same-value' }, client });
    expect(result.counts.updated).toBe(1);
    expect((await existingParameters(client, path)).get(`${path}PLAIN`)?.Type).toBe('SecureString');
  });

  test('parameters the file lacks are kept without --prune', async () => {
    const path = freshPath();
    await syncEnvToSsm({ path, entries: { KEEP: 'value-keep', OLD: 'value-old' }, client });
    const result = await syncEnvToSsm({ path, entries: { KEEP: 'value-keep' }, client });
    expect(result.counts.deleted).toBe(0);
    expect([...(await existingParameters(client, path)).keys()].sort()).toEqual([`${path}KEEP`, `${path}OLD`]);
  });

  test('--prune deletes parameters under the path that the file lacks', async () => {
    const path = freshPath();
    await syncEnvToSsm({ path, entries: { KEEP: 'value-keep', OLD: 'value-old', OLDER: 'value-older' }, client });
    const result = await syncEnvToSsm({ path, entries: { KEEP: 'value-keep' }, client, prune: true });
    expect(result.counts.deleted).toBe(2);
    expect([...(await existingParameters(client, path)).keys()]).toEqual([`${path}KEEP`]);
  });

  test('an invalid parameter name fails naming the variable, before anything is written', async () => {
    const path = freshPath();
    const run = syncEnvToSsm({ path, entries: { GOOD: 'value-good', 'BAD NAME!': 'value-bad' }, client });
    await expect(run).rejects.toThrow(SyncError);
    await expect(syncEnvToSsm({ path, entries: { 'BAD NAME!': 'x' }, client })).rejects.toThrow(/BAD NAME!: not a valid SSM parameter name/);
    expect((await existingParameters(client, path)).size).toBe(0);
  });

  test('a value over 4 KB fails naming the variable unless --advanced-tier is given', async () => {
    const path = freshPath();
    const big = 'x'.repeat(5000);
    await expect(syncEnvToSsm({ path, entries: { BIG: big }, client })).rejects.toThrow(/BIG: value is 5000 bytes; the Standard tier allows 4096/);
    const result = await syncEnvToSsm({ path, entries: { BIG: big }, client, advancedTier: true });
    expect(result.items[0].tier).toBe('Advanced');
    expect(await valueOf(`${path}BIG`)).toBe(big);
  });

  test('a value over 8 KB fails even with --advanced-tier', async () => {
    await expect(syncEnvToSsm({ path: freshPath(), entries: { HUGE: 'x'.repeat(9000) }, client, advancedTier: true })).rejects.toThrow(/HUGE: value is 9000 bytes; SSM allows at most 8192/);
  });

  test("Vercel's database variables are skipped by default with a note", async () => {
    const path = freshPath();
    const entries = { POSTGRES_URL: 'postgres://x', DATABASE_URL: 'postgres://y', PGHOST: 'h', APP_KEY: 'value-app' };
    const result = await syncEnvToSsm({ path, entries, client });
    expect(result.items.filter((i) => i.action === 'skip').map((i) => i.name).sort()).toEqual(['DATABASE_URL', 'PGHOST', 'POSTGRES_URL']);
    expect(result.warnings.join('\n')).toMatch(/skipped database variables .*PGHOST/);
    expect([...(await existingParameters(client, path)).keys()]).toEqual([`${path}APP_KEY`]);
  });

  test('--include-database-vars writes the database variables too', async () => {
    const path = freshPath();
    const result = await syncEnvToSsm({ path, entries: { DATABASE_URL: 'postgres://y' }, client, includeDatabaseVars: true });
    expect(result.counts.created).toBe(1);
  });

  test('--only and --skip select the names written', async () => {
    const path = freshPath();
    const entries = { A: 'value-a', B: 'value-b', C: 'value-c' };
    await syncEnvToSsm({ path, entries, client, only: ['A', 'B'], skip: ['B'] });
    expect([...(await existingParameters(client, path)).keys()]).toEqual([`${path}A`]);
  });

  test('names the task expects but the file lacks are a warning, and an error with --strict', async () => {
    const path = freshPath();
    const warned = await syncEnvToSsm({ path, entries: { OPENAI_API_KEY: 'sk-value' }, client, expected: ['OPENAI_API_KEY', 'TAVILY_API_KEY'], dryRun: true });
    expect(warned.missing).toEqual(['TAVILY_API_KEY']);
    expect(warned.warnings.join('\n')).toMatch(/TAVILY_API_KEY/);
    await expect(syncEnvToSsm({ path, entries: { OPENAI_API_KEY: 'sk-value' }, client, expected: ['OPENAI_API_KEY', 'TAVILY_API_KEY'], strict: true })).rejects.toThrow(/expects TAVILY_API_KEY/);
  });

  test('the CLI rejects an unknown option with one line naming it and exit 2, writing nothing', () => {
    const cli = join(__dirname, '../../scripts/env-sync.ts');
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', cli, '--fil', 'x'], { env: { ...process.env, ...moto().clientEnv }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([`error: Unknown option '--fil'; did you mean --file?; run npm run env:sync -- --help for the list of options`]);
  });

  test('the CLI never prints a value, in dry run, real run and --json', () => {
    const secrets = { OPENAI_API_KEY: 'sk-live-VERY-SECRET-0123456789', NEXTAUTH_SECRET: 'nextauth=secret==value', MULTI: 'first-secret-line\nsecond-secret-line' };
    const file = envFile('.env.cli', Object.entries(secrets).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n'));
    const env = { ...process.env, ...moto().clientEnv, AWS_REGION: 'us-east-1' };
    const cli = join(__dirname, '../../scripts/env-sync.ts');
    const outputs: string[] = [];
    for (const extra of [['--dry-run'], [], ['--json']]) {
      const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', cli, '--file', file, '--env', 'staging', ...extra], { env, encoding: 'utf8' });
      expect(r.status).toBe(0);
      outputs.push(r.stdout, r.stderr);
    }
    const all = outputs.join('\n');
    expect(all).toMatch(/OPENAI_API_KEY/);
    expect(all).toMatch(/unchanged/);
    for (const value of [...Object.values(secrets), 'first-secret-line', 'second-secret-line', 'VERY-SECRET']) expect(all).not.toContain(value);
  });

  test('the CLI does not print the AWS SDK\'s Node version warning', () => {
    const file = envFile('.env.quiet', 'OPENAI_API_KEY=sk-quiet-value\n');
    const cli = join(__dirname, '../../scripts/env-sync.ts');
    const env: NodeJS.ProcessEnv = { ...process.env, ...moto().clientEnv, AWS_REGION: 'us-east-1' };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', cli, '--file', file, '--env', 'staging', '--dry-run'], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|require node >=/);
  });
});

describe('lines dotenv cannot parse', () => {
  const TEXT = ['GOOD=1', 'API:KEY=sk-colon-secret', 'MY KEY=space-secret', '# a comment', '', 'MULTI="one', 'two"', 'export EXPORTED=3', 'not a variable line'].join('\n');

  test('are listed by line number and name, never by value', () => {
    const { entries, unparsed } = parseEnvText(TEXT);
    expect(entries).toEqual({ GOOD: '1', MULTI: 'one\ntwo', EXPORTED: '3' });
    expect(unparsed).toEqual([{ line: 2, name: 'API:KEY' }, { line: 3, name: 'MY KEY' }, { line: 9 }]);
    expect(JSON.stringify(unparsed)).not.toMatch(/secret/);
  });

  test('are a warning naming the line and the fix, and are not synced', async () => {
    const { entries, unparsed } = parseEnvText(TEXT);
    const r = await syncEnvToSsm({ path: freshPath(), entries, unparsed, file: '.env.production', client, dryRun: true });
    expect(r.unparsed).toEqual(unparsed);
    expect(r.warnings).toContain('.env.production line 2 (API:KEY): dotenv cannot parse this line, so it is not synced; rename it to letters, digits, _ . - only (e.g. API_KEY)');
    expect(r.warnings.join('\n')).toMatch(/line 3 \(MY KEY\).*e\.g\. MY_KEY/);
    expect(r.warnings.join('\n')).not.toMatch(/secret/);
  });

  test('fail the sync with --strict, before anything is written', async () => {
    const path = freshPath();
    const { entries, unparsed } = parseEnvText(TEXT);
    await expect(syncEnvToSsm({ path, entries, unparsed, client, strict: true })).rejects.toThrow(/line 2 \(API:KEY\): dotenv cannot parse/);
    expect((await existingParameters(client, path)).size).toBe(0);
  });

  test('make the CLI exit 1 with --strict, naming the line', () => {
    const file = envFile('.env.broken', 'OPENAI_API_KEY=sk-value\nAPI:KEY=sk-hidden-value\n');
    const cli = join(__dirname, '../../scripts/env-sync.ts');
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', cli, '--file', file, '--env', 'staging', '--strict', '--only', 'OPENAI_API_KEY'], { env: { ...process.env, ...moto().clientEnv, AWS_REGION: 'us-east-1' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*line 2 \(API:KEY\): dotenv cannot parse this line/m);
    expect(r.stdout + r.stderr).not.toContain('sk-hidden-value');
  });
});

describe('names the task does not read', () => {
  test('are reported as "will not reach the task", with the config change that fixes it', async () => {
    const r = await syncEnvToSsm({ path: freshPath(), entries: { OPENAI_API_KEY: 'sk-1', STRIPE_KEY: 'sk-2', FEATURE_FLAG: 'on' }, client, expected: ['OPENAI_API_KEY'], dryRun: true });
    expect(r.notReachingTask).toEqual(['STRIPE_KEY', 'FEATURE_FLAG']);
    const warning = r.warnings.find((w) => w.includes('will not reach the task'));
    expect(warning).toMatch(/^STRIPE_KEY, FEATURE_FLAG will not reach the task/);
    expect(warning).toContain('add ["STRIPE_KEY","FEATURE_FLAG"] to environments.<env>.service.ssmSecrets');
  });

  test('are not reported when every synced name is one the task reads', async () => {
    const r = await syncEnvToSsm({ path: freshPath(), entries: { OPENAI_API_KEY: 'sk-1' }, client, expected: ['OPENAI_API_KEY'], dryRun: true });
    expect(r.notReachingTask).toEqual([]);
  });
});

describe('unquoted values with a "#"', () => {
  const TEXT = ['TOKEN=abc123#def456ghi789xyz', 'NOTE=kept # a comment', 'QUOTED="a#b"'].join('\n');

  test('are listed with the bytes dotenv keeps, never the value', () => {
    const { entries, cutAtHash } = parseEnvText(TEXT);
    expect(entries.TOKEN).toBe('abc123');
    expect(cutAtHash).toEqual([{ line: 1, name: 'TOKEN', keptBytes: 6, lineBytes: 22 }]);
    expect(JSON.stringify(cutAtHash)).not.toContain('def456');
  });

  test('are a warning naming the line, the variable and the quoting fix', async () => {
    const { entries, unparsed, cutAtHash } = parseEnvText(TEXT);
    const r = await syncEnvToSsm({ path: freshPath(), entries, unparsed, cutAtHash, file: '.env.production', client, dryRun: true });
    expect(r.warnings).toContain('.env.production line 1 (TOKEN): dotenv reads an unquoted value only up to "#", so 6 of its 22 bytes are synced; quote the value (TOKEN="...") if the "#" belongs to it, or put a space before "#" if it starts a comment');
    expect(r.warnings.join('\n')).not.toMatch(/NOTE|QUOTED|def456/);
  });

  test('fail the sync with --strict, before anything is written', async () => {
    const path = freshPath();
    const { entries, cutAtHash } = parseEnvText(TEXT);
    await expect(syncEnvToSsm({ path, entries, cutAtHash, client, strict: true })).rejects.toThrow(/line 1 \(TOKEN\): dotenv reads an unquoted value only up to "#"/);
    expect((await existingParameters(client, path)).size).toBe(0);
  });
});
