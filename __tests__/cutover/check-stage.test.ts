/**
 * `cutover --check-stage`: the committed config's stage against the stage cutover applied (the
 * record of the day in SSM), what the deploy workflow runs before it applies. Engine and CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { checkStage, startingStage } from '../../scripts/lib/cutover/check-stage';
import { resolveConfig, type ConfigInput, type CutoverStage } from '../../stacks/config';
import { useMoto } from '../support/moto';

const at = (stage: CutoverStage) => resolveConfig({ environments: { production: { cutover: { stage } } } } as ConfigInput);
const applied = (stage: CutoverStage) => ({ applied: { stage, at: '2026-12-01T09:00:00Z' } });

describe('the check', () => {
  test('the committed stage equal to the applied one passes', () => {
    expect(checkStage(at('50'), 'production', applied('50'), 'ssm:/p')).toMatchObject({ ok: true, committed: '50', applied: { stage: '50' } });
  });

  test('a committed stage ahead of the applied one fails, naming the cutover command that moves AWS there', () => {
    const s = checkStage(at('50'), 'production', applied('25'), 'ssm:/p');
    expect(s.ok).toBe(false);
    expect(s.message).toContain('npm run cutover -- --env production --to 50 --apply');
  });

  test('a committed stage behind the applied one (a revert) fails, saying to commit the applied stage', () => {
    const s = checkStage(at('aws'), 'production', applied('rds'), 'ssm:/p');
    expect(s.ok).toBe(false);
    expect(s.message).toMatch(/to keep rds, commit the config at stage rds/);
  });

  test('with nothing applied yet, the starting stage passes and any other fails', () => {
    expect(startingStage('production')).toBe('vercel');
    expect(startingStage('staging')).toBe('aws');
    expect(checkStage(at('vercel'), 'production', {}, 'ssm:/p').ok).toBe(true);
    expect(checkStage(at('rds'), 'production', {}, 'ssm:/p')).toMatchObject({ ok: false, message: expect.stringMatching(/not the starting stage vercel/) });
  });
});

describe('npm run cutover -- --check-stage (CLI, SSM on moto)', () => {
  const moto = useMoto();
  let dir: string;
  let ssm: SSMClient;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cutover-cli-'));
    ssm = new SSMClient({ region: 'us-east-1', endpoint: moto().endpoint, credentials: { accessKeyId: moto().clientEnv.AWS_ACCESS_KEY_ID, secretAccessKey: moto().clientEnv.AWS_SECRET_ACCESS_KEY } });
  });
  afterAll(() => {
    ssm?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = join(__dirname, '../../scripts/cutover.ts');
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const base = { ...process.env, ...moto().clientEnv, VN_STATE_DIR: join(dir, 'state'), TF_VAR_origin_verify_secret: undefined, ...env };
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', cli, ...args], { env: base, encoding: 'utf8', cwd: dir });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const config = (stage: CutoverStage) => {
    const file = join(dir, `config-${stage}.json`);
    writeFileSync(file, JSON.stringify({ environments: { production: { cutover: { stage } } } }));
    return file;
  };
  const record = (stage: CutoverStage) =>
    ssm.send(new PutParameterCommand({ Name: '/venture-nudge/production/cutover/day', Type: 'String', Overwrite: true, Value: JSON.stringify(applied(stage)) }));

  test('exits 0 with --json when the committed stage is the applied one', async () => {
    await record('50');
    const r = run(['--env', 'production', '--check-stage', '--json', '--config', config('50')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, committed: '50', applied: { stage: '50' }, record: 'ssm:/venture-nudge/production/cutover/day' });
  });

  test('exits 1 naming the cutover command when they differ', async () => {
    await record('25');
    const r = run(['--env', 'production', '--check-stage', '--config', config('50')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm run cutover -- --env production --to 50 --apply');
  });

  test('--config naming a missing file refuses and creates nothing', () => {
    const missing = join(dir, 'typo.config.json');
    const r = run(['--env', 'production', '--to', 'canary', '--config', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: config file .*typo\.config\.json does not exist: pass --config/m);
    expect(existsSync(missing)).toBe(false);
  });

  test('--apply without a terminal and without --yes is refused as a bad command line', () => {
    const r = run(['--env', 'production', '--to', 'canary', '--apply', '--config', config('vercel')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--apply without a terminal needs --yes/);
  });

  test('--apply without TF_VAR_origin_verify_secret is refused by name before anything runs', () => {
    const r = run(['--env', 'production', '--to', 'canary', '--apply', '--yes', '--config', config('vercel')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: TF_VAR_origin_verify_secret is not set: .*nothing was run/m);
  });
});
