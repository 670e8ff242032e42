/**
 * The rehearsal library with real terraform and a real (patched) moto: a
 * deliberately broken stack must fail with the provider's error visible, and
 * still be destroyed, leave nothing in state and stop moto.
 * (The full rehearsal is the CI step `npm run rehearse`, not a jest test.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { RehearsalReport, rehearse, rehearseStackDir, timingTable } from '../../scripts/lib/rehearsal/rehearsal';
import { resolveConfig } from '../../stacks/config';
import { isRunning } from '../support/moto';
import { delegated } from '../support/synth';

/**
 * Keeps the VPC, one subnet with a CIDR outside the VPC (valid syntax, so the
 * provider sends it and the API rejects it at create time) and one resource that
 * depends on nothing: the apply fails after creating some resources.
 */
function breakStack(json: any): any {
  const resource: Record<string, Record<string, any>> = { aws_vpc: json.resource.aws_vpc };
  const [subnetName, subnet] = Object.entries(json.resource.aws_subnet)[0] as [string, any];
  resource.aws_subnet = { [subnetName]: { ...subnet, cidr_block: '192.168.99.0/24' } };
  for (const [type, byName] of Object.entries(json.resource as Record<string, Record<string, any>>)) {
    const independent = Object.entries(byName).find(([, body]) => !JSON.stringify(body).includes('${'));
    if (!(type in resource) && independent) {
      resource[type] = { [independent[0]]: independent[1] };
      break;
    }
  }
  const { output: _output, data: _data, ...rest } = json;
  return { ...rest, resource };
}


describe('rehearsal of a deliberately broken stack', () => {
  let workDir: string;
  let report: RehearsalReport;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'rehearsal-test-'));
    report = await rehearse({ config: resolveConfig(delegated({})), stacks: ['production'], workDir, editJson: (_stack, json) => breakStack(json), phaseTimeoutSeconds: 240 });
  }, 400_000);
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  test('fails, with a FAIL verdict for the stack', () => {
    expect(report.ok).toBe(false);
    expect(report.stacks[0].ok).toBe(false);
  });

  test("fails at apply with the provider's error visible", () => {
    const apply = report.stacks[0].phases.find((p) => p.phase === 'apply');
    expect(apply?.ok).toBe(false);
    expect(report.stacks[0].errors.join('\n')).toMatch(/production apply: [\s\S]*Error: creating EC2 Subnet[\s\S]*192\.168\.99\.0\/24/);
  });

  test('does not re-plan a stack that failed to apply', () => {
    expect(report.stacks[0].phases.map((p) => p.phase)).not.toContain('plan');
  });

  test('still destroys what was created and leaves nothing in state', () => {
    const phases = Object.fromEntries(report.stacks[0].phases.map((p) => [p.phase, p]));
    expect(phases.destroy?.ok).toBe(true);
    expect(phases.state?.ok).toBe(true);
    expect(report.stacks[0].leftovers).toEqual([]);
  });

  test('stops moto', () => {
    expect(isRunning(report.motoPid)).toBe(false);
  });

  test('prints a timing row per stack with the failed phase marked', () => {
    expect(timingTable(report)).toMatch(/production .*FAIL.*FAILED/);
  });

  test('lists every emulator gap it handled', () => {
    expect(report.gaps.map((g) => g.gap)).toEqual(expect.arrayContaining(['appautoscaling-tags', 'budgets-subscribers', 'cloudfront-echo']));
  });
});

describe('rehearsal of a stack that drifts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rehearsal-drift-'));
    // terraform_data is built into terraform (no provider, no AWS): its input changes on every plan.
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ resource: { terraform_data: { clock: { input: '${timestamp()}' } } } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('fails at plan, names the resource that would change, and still destroys it', async () => {
    const result = await rehearseStackDir('drift', dir, join(dir, 'rehearsal.log'), { env: {} });
    const phases = Object.fromEntries(result.phases.map((p) => [p.phase, p.ok]));
    expect(phases).toEqual({ init: true, apply: true, plan: false, destroy: true, state: true });
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toMatch(/drift after apply[\s\S]*terraform_data\.clock will be updated in-place/);
    expect(result.leftovers).toEqual([]);
  }, 120_000);
});
