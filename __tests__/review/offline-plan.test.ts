/**
 * The review pipeline for real, offline: main.ts synthesizes both environments,
 * terraform init/validate/plan/show run against the provider mirror, and the
 * artifacts in .plan/<stack>/ say what the plan says.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PlanDocument, plannedResourceAddresses } from '../../scripts/lib/terraform/plan-summary';
import { PHASES, ReviewResult, reviewStack, runReview, StackReview } from '../../scripts/lib/terraform/review';
import { writeDelegatedConfig } from '../support/synth';

const SECRET = 'test-origin-secret-0123456789-abcdefghij';
/** The secret being rotated out, passed as Terraform takes it (a JSON list). */
const PREVIOUS = 'test-previous-origin-secret-9876543210-zyxw';
let dir: string;
let result: ReviewResult;
const stack = (name: string): StackReview => result.stacks.find((s) => s.stack === name)!;
const planOf = (name: string): PlanDocument => JSON.parse(readFileSync(stack(name).planJsonFile!, 'utf8'));
const count = (doc: PlanDocument, type: string) => plannedResourceAddresses(doc).filter((a) => a.startsWith(`${type}.`)).length;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vn-review-'));
  result = await runReview({ stacks: ['production', 'staging'], outdir: dir, offline: true, runner: 'ts-node', configFile: writeDelegatedConfig(join(dir, 'delegated.json')), env: { ...process.env, TF_VAR_origin_verify_secret: SECRET, TF_VAR_origin_verify_secret_previous: JSON.stringify([PREVIOUS]) } });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('offline plan of both environments', () => {
  it('writes plan.json and summary.md per stack', () => {
    for (const name of ['production', 'staging']) {
      expect(existsSync(join(dir, name, 'plan.json'))).toBe(true);
      expect(existsSync(join(dir, name, 'summary.md'))).toBe(true);
    }
  });

  it('plans every production resource as an add, and the summary says as many as plan.json holds', () => {
    const doc = planOf('production');
    const planned = plannedResourceAddresses(doc).length;
    expect(planned).toBeGreaterThan(0);
    expect(stack('production').summary!.totals).toMatchObject({ add: planned, change: 0, destroy: 0, replace: 0 });
    const md = readFileSync(join(dir, 'production', 'summary.md'), 'utf8');
    expect(md).toContain(`**${planned} to add, 0 to change, 0 to destroy, 0 to replace**`);
  });

  it('lists each resource type in the summary with the number plan.json creates of it', () => {
    const doc = planOf('production');
    for (const row of stack('production').summary!.byType) expect(row.add).toBe(count(doc, row.type));
  });

  it('raises no alert on a fresh plan (nothing is destroyed)', () => {
    expect(stack('production').summary!.alerts).toEqual([]);
    expect(stack('staging').summary!.alerts).toEqual([]);
  });

  it('plans staging from its own, smaller config (one shared NAT gateway instead of one per AZ)', () => {
    expect(count(planOf('production'), 'aws_nat_gateway')).toBe(2);
    expect(count(planOf('staging'), 'aws_nat_gateway')).toBe(1);
  });

  it('never writes the origin secret into plan.json or summary.md', () => {
    for (const name of ['production', 'staging']) {
      const text = readFileSync(join(dir, name, 'plan.json'), 'utf8') + readFileSync(join(dir, name, 'summary.md'), 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).toContain('(redacted: origin_verify_secret)');
    }
  });

  it('never writes the previous origin secret of a rotation into plan.json either', () => {
    for (const name of ['production', 'staging']) {
      const text = readFileSync(join(dir, name, 'plan.json'), 'utf8');
      expect(text).not.toContain(PREVIOUS);
      expect(text).toContain('(redacted: origin_verify_secret_previous)');
    }
  });

  it('times every phase for every stack', () => {
    for (const p of PHASES) expect(result.timings[p]).toBeGreaterThanOrEqual(0);
    for (const s of result.stacks) for (const p of ['init', 'validate', 'plan', 'show'] as const) expect(s.timings[p]).toBeDefined();
  });
});

describe('pipeline failures', () => {
  it('fails in the synth phase, naming the config field, for an invalid configuration', async () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ environments: { production: { service: { memory: 999 } } } }));
    await expect(runReview({ stacks: ['production'], outdir: join(dir, 'bad'), offline: true, runner: 'ts-node', configFile: config })).rejects.toThrow(/^synth: [\s\S]*environments\.production\.service\.memory/);
  });

  it('fails in the validate phase, naming the stack and the bad argument, for an invalid configuration', async () => {
    const file = join(dir, 'broken.tf.json');
    writeFileSync(file, JSON.stringify({ terraform: { required_providers: { aws: { source: 'aws', version: '5.100.0' } } }, provider: { aws: [{ region: 'us-east-1', skip_credentials_validation: true, skip_requesting_account_id: true }] }, resource: { aws_s3_bucket: { logs: { bucketz: 'x' } } } }));
    await expect(reviewStack({ stack: 'broken', synthFile: file, workdir: join(dir, 'broken'), offline: true, originSecret: SECRET })).rejects.toThrow(/^validate \(broken\): .*"bucketz"/);
  });

  it('refuses an unknown stack before running anything', async () => {
    await expect(runReview({ stacks: ['prod'], outdir: join(dir, 'unknown'), offline: true, runner: 'ts-node' })).rejects.toThrow(/unknown stack prod; known: production, staging/);
  });

  it('refuses a too-short origin secret without echoing it', async () => {
    const short = 'short-secret-value';
    const err = await runReview({ stacks: ['production'], outdir: join(dir, 'short'), offline: true, runner: 'ts-node', env: { ...process.env, TF_VAR_origin_verify_secret: short } }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/TF_VAR_origin_verify_secret must be at least 32 characters/);
    expect((err as Error).message).not.toContain(short);
  });
});
