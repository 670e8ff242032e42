/**
 * What every script shares (scripts/lib/cli/): one error prefix, exit 2 on a
 * bad command line, and a warning when a database URL with a password is given
 * on the command line.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ERROR_PREFIX, nearest, runCli } from '../../scripts/lib/cli/args';
import { createLogger } from '../../scripts/lib/cli/log';
import { flagsWithPassword, warnPasswordInUrlFlags } from '../../scripts/lib/cli/password-warning';

const ROOT = join(__dirname, '..', '..');
const PASSWORD = 'pw-on-argv-0123';

function script(file: string, args: string[]) {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts', file), ...args], { cwd: ROOT, env: { ...process.env, CI: 'true', SOURCE_DATABASE_URL: '', TARGET_DATABASE_URL: '' }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the error convention', () => {
  test('no script or benchmark sets its own error prefix', () => {
    const files = [...readdirSync(join(ROOT, 'scripts')).map((f) => join('scripts', f)), ...readdirSync(join(ROOT, 'bench')).map((f) => join('bench', f))].filter((f) => f.endsWith('.ts'));
    const own = files.filter((f) => /errorPrefix|failed: '\s*[,}]/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(own).toEqual([]);
  });

  test.each(['plan.ts', 'validate.ts', 'cost.ts', 'rehearse.ts', 'env-sync.ts', 'db-verify.ts', 'db-audit.ts'])('%s: an unknown flag is one "error: " line and exit 2', (file) => {
    const r = script(file, ['--bogus-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${ERROR_PREFIX}Unknown option '--bogus-flag'`))]);
  }, 60_000);
});

describe('a password in a database URL on the command line', () => {
  test('is found in the flags that carry one, in the user:password@ and ?password= forms', () => {
    expect(flagsWithPassword({ '--from': `postgres://u:${PASSWORD}@h/db`, '--to': 'postgres://u@h/db', '--url': undefined })).toEqual(['--from']);
    expect(flagsWithPassword({ '--url': `postgresql://h/db?user=u&password=${PASSWORD}` })).toEqual(['--url']);
  });

  test('gives one warning naming the flags and the -env alternative, never the password', () => {
    const lines: string[] = [];
    expect(warnPasswordInUrlFlags({ warn: (...p: unknown[]) => lines.push(p.join(' ')) }, { '--from': `postgres://u:${PASSWORD}@h/a`, '--to': `postgres://u:${PASSWORD}@h/b` })).toBe(true);
    expect(lines).toEqual(['a password was given on the command line in --from and --to (visible in the process list and shell history): prefer --from-env NAME / --to-env NAME']);
  });

  test.each([
    ['db-verify.ts', ['--from', `postgres://u:${PASSWORD}@127.0.0.1:1/a`, '--to', `postgres://u:${PASSWORD}@127.0.0.1:1/b`], '--from and --to'],
    ['db-audit.ts', ['--url', `postgres://u:${PASSWORD}@127.0.0.1:1/a`], '--url'],
  ])('%s warns before connecting (here to nothing) and never prints it', (file, args, flags) => {
    const r = script(file, args);
    expect(r.stderr).toContain(`warn: a password was given on the command line in ${flags}`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  }, 60_000);
});

describe('a mistyped flag', () => {
  test('is answered with the nearest flag of the script', () => {
    const r = script('db-verify.ts', ['--skip-schemaa']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Unknown option '--skip-schemaa'; did you mean --skip-schema\?; run /m);
  }, 60_000);

  test('that is nothing like any flag gets no guess', () => {
    const r = script('db-verify.ts', ['--bogus-flag']);
    expect(r.stderr).not.toContain('did you mean');
  }, 60_000);

  test('nearest() takes swaps and a missing letter, not a different word', () => {
    expect(nearest('jbos', ['jobs', 'json'])).toBe('jobs');
    expect(nearest('dryrun', ['dry-run', 'json'])).toBe('dry-run');
    expect(nearest('to', ['from', 'json'])).toBeUndefined();
  });
});

describe('a script that prefixes its lines', () => {
  test('still starts its error lines with "error: "', () => {
    const lines: string[] = [];
    const log = createLogger({ prefix: 'smoke:', stream: { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream });
    log.error('target unreachable');
    log.info('checking');
    expect(lines).toEqual([`${ERROR_PREFIX}smoke: target unreachable\n`, 'smoke: checking\n']);
  });
});

describe("the AWS SDK's Node version warning", () => {
  test('is switched off by every script before its main runs (cutover and app-role create clients too)', async () => {
    const saved = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    let seen: string | undefined;
    runCli(async () => {
      seen = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      return 0;
    });
    await new Promise((r) => setImmediate(r));
    process.exitCode = 0;
    if (saved === undefined) delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    else process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = saved;
    expect(seen).toBe('true');
  });

  test('every script that creates an AWS SDK client runs through runCli', () => {
    const files = readdirSync(join(ROOT, 'scripts')).filter((f) => f.endsWith('.ts'));
    const direct = files.filter((f) => {
      const text = readFileSync(join(ROOT, 'scripts', f), 'utf8');
      return /@aws-sdk\//.test(text) && !/runCli\(/.test(text);
    });
    expect(direct).toEqual([]);
  });
});

describe('an error whose reason is on its later lines', () => {
  test('reaches stderr whole: the two-writer configuration says why it is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-conv-'));
    const file = join(dir, 'venture-nudge.config.json');
    writeFileSync(file, JSON.stringify({ environments: { production: { cutover: { stage: 'rds', weights: { aws: 50, vercel: 50 } } } } }));
    const r = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(ROOT, 'scripts', 'cutover.ts'), '--env', 'production', '--to', 'rds', '--dry-run'], {
      cwd: dir,
      env: { ...process.env, CI: 'true', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), VN_CONFIG: file, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: Invalid configuration:\n\s+- .*two databases would take writes/m);
  }, 60_000);
});
