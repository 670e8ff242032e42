/**
 * The staged DNS cutover is a config change that must touch DNS only: moving
 * `cutover.stage` from canary to 50 changes aws_route53_record resources and
 * nothing else in the planned infrastructure. Two real offline plans of the
 * production stack, in one init'ed working directory.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PlanDocument } from '../../scripts/lib/terraform/plan-summary';
import { reviewStack, synthStacks } from '../../scripts/lib/terraform/review';
import { writeDelegatedConfig } from '../support/synth';
import type { CutoverStage } from '../../stacks/config';

// One fixed secret for both plans: the CloudFront origin header and the listener rule embed it.
const SECRET = 'cutover-test-secret-0123456789-abcdefghij';

interface PlannedResource {
  address: string;
  type: string;
  values: unknown;
}

let dir: string;
const plans: Record<string, PlanDocument> = {};

function resources(doc: PlanDocument): Map<string, PlannedResource> {
  const out = new Map<string, PlannedResource>();
  const walk = (m: any) => {
    for (const r of m?.resources ?? []) out.set(r.address, r);
    for (const c of m?.child_modules ?? []) walk(c);
  };
  walk(doc.planned_values?.root_module);
  return out;
}

async function planStage(stage: string): Promise<PlanDocument> {
  const config = join(dir, `${stage}.json`);
  writeDelegatedConfig(config, { environments: { production: { cutover: { stage: stage as CutoverStage } } } });
  const synth = await synthStacks({ outdir: join(dir, `synth-${stage}`), stacks: ['production'], offline: true, configFile: config, runner: 'ts-node' });
  const review = await reviewStack({ stack: 'production', synthFile: synth.files.production, workdir: join(dir, 'work'), offline: true, originSecret: SECRET, validate: false });
  return review.plan!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vn-cutover-'));
  plans.canary = await planStage('canary');
  plans['50'] = await planStage('50');
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cutover stage canary -> 50', () => {
  it('plans the same set of resources at both stages', () => {
    expect([...resources(plans['50']).keys()].sort()).toEqual([...resources(plans.canary).keys()].sort());
  });

  it('changes at least one Route 53 record (the weights)', () => {
    const before = resources(plans.canary);
    const changed = [...resources(plans['50']).values()].filter((r) => JSON.stringify(r.values) !== JSON.stringify(before.get(r.address)?.values));
    expect(changed.some((r) => r.type === 'aws_route53_record')).toBe(true);
  });

  it('changes nothing but aws_route53_record resources in planned_values', () => {
    const before = resources(plans.canary);
    const changedTypes = [...resources(plans['50']).values()]
      .filter((r) => JSON.stringify(r.values) !== JSON.stringify(before.get(r.address)?.values))
      .map((r) => r.type);
    expect([...new Set(changedTypes)]).toEqual(['aws_route53_record']);
  });

  it('changes only the cutover_weights output among the outputs', () => {
    const a = (plans.canary.planned_values?.outputs ?? {}) as Record<string, unknown>;
    const b = (plans['50'].planned_values?.outputs ?? {}) as Record<string, unknown>;
    const changed = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    expect(changed).toEqual(['cutover_weights']);
  });
});
