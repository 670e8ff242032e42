/**
 * HCL output (VN_HCL=1 -> cdktf hclOutput): reviewers who read HCL get a
 * cdk.tf that Terraform accepts, describing the same resources as the JSON.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { plannedResourceAddresses } from '../../scripts/lib/terraform/plan-summary';
import { ReviewResult, runReview } from '../../scripts/lib/terraform/review';
import { synthEnvironment, writeDelegatedConfig } from '../support/synth';

let dir: string;
let result: ReviewResult | undefined;
let failure: Error | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vn-hcl-'));
  try {
    result = await runReview({ stacks: ['production'], outdir: dir, offline: true, hcl: true, runner: 'ts-node', configFile: writeDelegatedConfig(join(dir, 'delegated.json')), env: { ...process.env, TF_VAR_origin_verify_secret: 'hcl-test-secret-0123456789-abcdefghijkl' } });
  } catch (e) {
    failure = e as Error;
  }
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HCL synth output', () => {
  it('is HCL, not JSON in a .tf file', () => {
    const hcl = readFileSync(join(dir, '.synth', 'stacks', 'production', 'cdk.tf'), 'utf8');
    expect(hcl).toMatch(/^terraform \{/);
    expect(hcl).toMatch(/^resource "aws_db_instance" /m);
  });

  it('states the Terraform version it needs inside the terraform block', () => {
    const hcl = readFileSync(join(dir, '.synth', 'stacks', 'production', 'cdk.tf'), 'utf8');
    expect(hcl).toMatch(/^terraform \{\nrequired_version = ">= 1\.5\.0"$/m);
    expect(hcl).not.toMatch(/^\s*0 = "required_version"/m);
  });

  it('passes terraform init, validate and an offline plan', () => {
    // The phase and Terraform's own first error lines, when it does not.
    expect(failure?.message).toBeUndefined();
    expect(result!.stacks[0].summary!.totals.add).toBeGreaterThan(0);
  });

  it('plans exactly the resources the JSON synth declares', () => {
    expect(failure?.message).toBeUndefined();
    const json = synthEnvironment({}, 'production', { kind: 'offline' });
    const declared = Object.entries(json.resource).flatMap(([type, rs]) => Object.keys(rs).map((id) => `${type}.${id}`));
    expect(plannedResourceAddresses(result!.stacks[0].plan!).sort()).toEqual(declared.sort());
  });
});
