/**
 * env:pull against a real (local) SSM: moto started by this file. The round trip
 * env:sync -> env:pull must give back exactly what dotenv parsed from the original file.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'dotenv';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { dotenvLine, PullError, pullSsmToEnv, serializeDotenv } from '../../scripts/lib/aws/env-pull';
import { readEnvFile, syncEnvToSsm } from '../../scripts/lib/aws/ssm';
import { useMoto } from '../support/moto';

const moto = useMoto();
let dir: string;
let client: SSMClient;
let counter = 0;
const freshPath = () => `/venture-nudge/pull${++counter}/`;
const file = (name: string) => join(dir, name);

/** Every quoting dotenv knows, and the characters that break naive `KEY=value` handling. */
const TRICKY_FILE = [
  '# a comment line',
  'WITH_EQUALS=postgres://u:p@h/db?sslmode=require&a=b==',
  `SINGLE_QUOTED='say "hello" and # keep'`,
  'DOUBLE_QUOTED="a \'quoted\' # not a comment"',
  'BACKTICKED=`it\'s "both" quotes`',
  'MULTI_LINE="-----BEGIN KEY-----',
  'line two',
  '-----END KEY-----"',
  'ESCAPED_NEWLINES="first\\nsecond"',
  'UNICODE=ünïcødé ✓ 日本語 🚀',
  'SPACES=  trimmed outside  ',
  'PADDED="  kept inside  "',
  'HASH_AFTER=value # trailing comment',
  'export EXPORTED=exported-value',
  'DOTS.AND-DASHES=ok',
  '',
].join('\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'env-pull-'));
  client = new SSMClient({ region: 'us-east-1', endpoint: moto().endpoint, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
});
afterAll(() => {
  client?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('env:pull (SSM Parameter Store on moto)', () => {
  test('env:sync then env:pull round-trips a tricky dotenv file exactly', async () => {
    writeFileSync(file('.env.tricky'), TRICKY_FILE);
    const original = readEnvFile(file('.env.tricky'));
    const path = freshPath();
    await syncEnvToSsm({ path, entries: original, client });
    await pullSsmToEnv({ path, file: file('.env.restore'), client });
    expect(parse(readFileSync(file('.env.restore')))).toEqual(original);
    expect(Object.keys(original)).toHaveLength(12);
    expect(original.MULTI_LINE.split('\n')).toHaveLength(3);
    expect(original.BACKTICKED).toBe(`it's "both" quotes`);
  });

  test('the pulled file is read back identically by env:sync (a second sync changes nothing)', async () => {
    writeFileSync(file('.env.tricky2'), TRICKY_FILE);
    const path = freshPath();
    await syncEnvToSsm({ path, entries: readEnvFile(file('.env.tricky2')), client });
    await pullSsmToEnv({ path, file: file('.env.restore2'), client });
    const again = await syncEnvToSsm({ path, entries: readEnvFile(file('.env.restore2')), client });
    expect(again.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });

  test('writes the file with mode 0600', async () => {
    const path = freshPath();
    await syncEnvToSsm({ path, entries: { A_KEY: 'value-a' }, client });
    await pullSsmToEnv({ path, file: file('.env.mode'), client });
    expect(statSync(file('.env.mode')).mode & 0o777).toBe(0o600);
  });

  test('replacing an existing file needs force, and the replaced file is 0600 too', async () => {
    const path = freshPath();
    await syncEnvToSsm({ path, entries: { A_KEY: 'value-a' }, client });
    writeFileSync(file('.env.exists'), 'OLD=1\n', { mode: 0o644 });
    await expect(pullSsmToEnv({ path, file: file('.env.exists'), client })).rejects.toThrow(/\.env\.exists already exists; pass --force/);
    expect(readFileSync(file('.env.exists'), 'utf8')).toBe('OLD=1\n');
    await pullSsmToEnv({ path, file: file('.env.exists'), client, force: true });
    expect(parse(readFileSync(file('.env.exists')))).toEqual({ A_KEY: 'value-a' });
    expect(statSync(file('.env.exists')).mode & 0o777).toBe(0o600);
  });

  test('a dry run lists names and lengths and writes nothing', async () => {
    const path = freshPath();
    await syncEnvToSsm({ path, entries: { ONE: 'value-one', TWO: 'ü' }, client });
    const r = await pullSsmToEnv({ path, file: file('.env.dry'), client, dryRun: true });
    expect(r.variables.map((v) => [v.name, v.bytes, v.type])).toEqual([['ONE', 9, 'SecureString'], ['TWO', 2, 'SecureString']]);
    expect(r.written).toBe(false);
    expect(existsSync(file('.env.dry'))).toBe(false);
  });

  test('--only and --skip select the names pulled', async () => {
    const path = freshPath();
    await syncEnvToSsm({ path, entries: { A: 'value-a', B: 'value-b', C: 'value-c' }, client });
    const r = await pullSsmToEnv({ path, file: file('.env.only'), client, only: ['A', 'B'], skip: ['B'] });
    expect(parse(readFileSync(file('.env.only')))).toEqual({ A: 'value-a' });
    expect(r.skipped.map((s) => s.name)).toEqual(['B', 'C']);
  });

  test('an empty path is an error that says to run env:sync, and no file is written', async () => {
    await expect(pullSsmToEnv({ path: freshPath(), file: file('.env.none'), client })).rejects.toThrow(/no parameters under \/venture-nudge\/pull\d+\/; check --env, or run env:sync first/);
    expect(existsSync(file('.env.none'))).toBe(false);
  });

  test('a value no dotenv quoting can carry fails naming the variable, not its value', async () => {
    const path = freshPath();
    const impossible = `it's "every" \`quote\`\nacross # lines`;
    await client.send(new PutParameterCommand({ Name: `${path}IMPOSSIBLE`, Value: impossible, Type: 'SecureString' }));
    const run = pullSsmToEnv({ path, file: file('.env.impossible'), client });
    await expect(run).rejects.toThrow(PullError);
    await expect(pullSsmToEnv({ path, file: file('.env.impossible'), client })).rejects.toThrow(/^IMPOSSIBLE: no dotenv quoting reads this value back exactly.*--skip IMPOSSIBLE/);
    await pullSsmToEnv({ path, file: file('.env.impossible'), client }).catch((e: Error) => expect(e.message).not.toContain('every'));
    expect(existsSync(file('.env.impossible'))).toBe(false);
  });

  test('the CLI never prints a value, in dry run, real run and --json', () => {
    const secrets = { OPENAI_API_KEY: 'sk-live-VERY-SECRET-0123456789', NEXTAUTH_SECRET: 'nextauth=secret==value', MULTI: 'first-secret-line\nsecond-secret-line' };
    const env = { ...process.env, ...moto().clientEnv, AWS_REGION: 'us-east-1' };
    const ts = [require.resolve('ts-node/dist/bin.js'), '--transpile-only'];
    writeFileSync(file('.env.cli'), Object.entries(secrets).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n'));
    const sync = spawnSync(process.execPath, [...ts, join(__dirname, '../../scripts/env-sync.ts'), '--file', file('.env.cli'), '--env', 'staging'], { env, encoding: 'utf8' });
    expect(sync.status).toBe(0);
    const outputs: string[] = [];
    for (const extra of [['--dry-run'], [], ['--json', '--force']]) {
      const r = spawnSync(process.execPath, [...ts, join(__dirname, '../../scripts/env-pull.ts'), '--env', 'staging', '--file', file('.env.cli-restore'), ...extra], { env, encoding: 'utf8' });
      expect(r.status).toBe(0);
      outputs.push(r.stdout, r.stderr);
    }
    const all = outputs.join('\n');
    expect(all).toMatch(/OPENAI_API_KEY/);
    for (const value of [...Object.values(secrets), 'first-secret-line', 'second-secret-line', 'VERY-SECRET']) expect(all).not.toContain(value);
    expect(parse(readFileSync(file('.env.cli-restore')))).toMatchObject(secrets);
  });
});

describe('dotenv serialization', () => {
  test.each([
    ['plain', 'value'],
    ['single quote', "it's"],
    ['double quote', 'say "hi"'],
    ['both quotes', `it's "hi"`],
    ['all three quotes on one line', `it's "hi" \`there\``],
    ['newline', 'a\nb'],
    ['carriage return', 'a\r\nb'],
    ['literal backslash-n', 'C:\\new'],
    ['hash', '#fff # x'],
    ['outer spaces', '  x  '],
    ['trailing backslash', 'ends\\'],
    ['equals', 'a=b=='],
  ])('a value with %s reads back exactly', (_label, value) => {
    const line = dotenvLine('K', value);
    expect(line).toBeDefined();
    expect(parse(line!).K).toBe(value);
  });

  test('the file is sorted by name and starts with the header comment', () => {
    expect(serializeDotenv({ B: 'b', A: 'a' }, 'pulled')).toBe("# pulled\nA='a'\nB='b'\n");
  });
});
