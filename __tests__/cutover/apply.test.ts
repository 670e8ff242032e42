/**
 * `cutover --apply` as a reviewed change, with the real terraform on a small stack (built-in
 * `terraform_data`, no provider): refusal of a missing variable by name before terraform runs, the
 * saved plan summarized and confirmed, exactly that plan applied, terraform's own error shown.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingVariables, ORIGIN_SECRET_ENV, reviewedApply, switchAddresses, type ReviewedApplyOptions } from '../../scripts/lib/cutover/apply';
import { editStage } from '../../scripts/lib/cutover/config-file';
import { ORIGIN_SECRET_VARIABLE } from '../../stacks/environment-stack';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cutover-apply-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'x'.repeat(40);

/** A config file and a stack directory whose synth writes one terraform_data per stage. */
function setup(extra: Record<string, unknown> = {}) {
  const root = join(dir, `case${++n}`);
  const stack = join(root, 'stack');
  mkdirSync(stack, { recursive: true });
  const file = join(root, 'venture-nudge.config.json');
  writeFileSync(file, JSON.stringify({ environments: { production: { cutover: { stage: '25' } } } }, null, 2));
  const synthSeen: string[] = [];
  const synth = async (configFile: string) => {
    const stage = JSON.parse(readFileSync(configFile, 'utf8')).environments.production.cutover.stage;
    synthSeen.push(stage);
    writeFileSync(
      join(stack, 'cdk.tf.json'),
      JSON.stringify({
        terraform: { backend: { local: { path: 'terraform.tfstate' } } },
        variable: { origin_verify_secret: { type: 'string', sensitive: true, validation: [{ condition: '${length(var.origin_verify_secret) >= 32}', error_message: 'origin_verify_secret must be at least 32 characters.' }] } },
        resource: { terraform_data: { stage: { input: stage } } },
        ...extra,
      }),
    );
    return stack;
  };
  const edit = editStage(file, 'production', '50');
  const output: string[] = [];
  const options = (o: Partial<ReviewedApplyOptions> = {}): ReviewedApplyOptions => ({
    envName: 'production',
    edit,
    synth,
    env: { ...process.env, TF_VAR_origin_verify_secret: SECRET },
    onOutput: (c) => output.push(c),
    confirm: async () => true,
    ...o,
  });
  const appliedStage = () => {
    const state = join(stack, 'terraform.tfstate');
    if (!existsSync(state)) return undefined;
    const r = JSON.parse(readFileSync(state, 'utf8')).resources.find((x: { type: string }) => x.type === 'terraform_data');
    return r?.instances[0].attributes.input?.value as string | undefined;
  };
  return { root, stack, file, edit, options, appliedStage, synthSeen, output };
}

test('a variable without a default and without TF_VAR_<name> is named', () => {
  expect(missingVariables({ variable: { origin_verify_secret: {}, with_default: { default: 'x' } } }, {})).toEqual(['TF_VAR_origin_verify_secret']);
  expect(missingVariables({ variable: { origin_verify_secret: {} } }, { TF_VAR_origin_verify_secret: 's' })).toEqual([]);
});

test('a missing TF_VAR is refused by name before terraform runs', async () => {
  const s = setup();
  const env = { ...process.env };
  delete env.TF_VAR_origin_verify_secret;
  await expect(reviewedApply(s.options({ env }))).rejects.toThrow(/^TF_VAR_origin_verify_secret not set/);
  expect(existsSync(join(s.stack, '.terraform'))).toBe(false);
});

test('the stack is synthesized from the edited config, and the config file itself is not written', async () => {
  const s = setup();
  const before = readFileSync(s.file, 'utf8');
  await reviewedApply(s.options({ confirm: async () => false }));
  expect(s.synthSeen).toEqual(['50']);
  expect(readFileSync(s.file, 'utf8')).toBe(before);
  expect(readdirSync(s.root).filter((f) => f.includes('cutover-'))).toEqual([]);
});

test('the operator sees the saved plan summarized before anything is applied', async () => {
  const s = setup();
  let shown = '';
  let stateAtPrompt: string | undefined = 'unset';
  await reviewedApply(s.options({ confirm: async (summary, text) => ((shown = text), (stateAtPrompt = s.appliedStage()), summary.totals.add === 1) }));
  expect(shown).toMatch(/1 to add, 0 to change, 0 to destroy/);
  expect(shown).toContain('terraform_data');
  expect(stateAtPrompt).toBeUndefined();
  expect(s.appliedStage()).toBe('50');
});

test('a declined plan applies nothing and leaves no saved plan behind', async () => {
  const s = setup();
  expect(await reviewedApply(s.options({ confirm: async () => false }))).toBe(false);
  expect(s.appliedStage()).toBeUndefined();
  expect(existsSync(join(s.stack, 'cutover.tfplan'))).toBe(false);
});

test('a failing terraform shows its own error, not an empty line', async () => {
  const s = setup();
  const short = { ...process.env, TF_VAR_origin_verify_secret: 'too-short' };
  const err = await reviewedApply(s.options({ env: short })).catch((e: Error) => e);
  expect((err as Error).message).toMatch(/^terraform plan .* failed \(exit 1\):\n[\s\S]*origin_verify_secret must be at least 32 characters/);
});

test('the variable --apply asks for up front is the one the environment stack declares', () => {
  expect(ORIGIN_SECRET_ENV).toBe(`TF_VAR_${ORIGIN_SECRET_VARIABLE}`);
});

describe('the database switch (switchFirst)', () => {
  /** A stack with a "listener" and an "alarm" that both follow the stage, like the weighted rule and the alarms at ready -> rds. */
  function switchSetup() {
    const s = setup();
    const synth = async (configFile: string) => {
      const stage = JSON.parse(readFileSync(configFile, 'utf8')).environments.production.cutover.stage;
      writeFileSync(
        join(s.stack, 'cdk.tf.json'),
        JSON.stringify({ terraform: { backend: { local: { path: 'terraform.tfstate' } } }, resource: { terraform_data: { listener: { input: stage }, alarm: { input: stage } } } }),
      );
      return s.stack;
    };
    const applied = (name: string) => {
      const state = join(s.stack, 'terraform.tfstate');
      if (!existsSync(state)) return undefined;
      const r = JSON.parse(readFileSync(state, 'utf8')).resources.find((x: { name: string }) => x.name === name);
      return r?.instances[0].attributes.input?.value as string | undefined;
    };
    const options = (o: Partial<ReviewedApplyOptions> = {}) => s.options({ synth, switchFirst: true, switchTargets: () => ['terraform_data.listener'], ...o });
    return { ...s, applied, options };
  }

  test('the switch is planned and applied alone first, then the rest, each shown before it is applied', async () => {
    const s = switchSetup();
    const seen: { text: string; listener?: string; alarm?: string; add: number }[] = [];
    const ok = await reviewedApply(s.options({ confirm: async (summary, text) => (seen.push({ text, listener: s.applied('listener'), alarm: s.applied('alarm'), add: summary.totals.add }), true) }));
    expect(ok).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ add: 1, listener: undefined, alarm: undefined, text: expect.stringContaining('The switch (terraform_data.listener), applied first') });
    expect(seen[1]).toMatchObject({ add: 1, listener: '50', alarm: undefined, text: expect.stringContaining('The rest of the stage') });
    expect([s.applied('listener'), s.applied('alarm')]).toEqual(['50', '50']);
  });

  test('a prepared switch is saved and not applied; the apply then runs exactly it before any synth, asking only about the rest', async () => {
    const s = switchSetup();
    const prepared = await reviewedApply(s.options({ prepareOnly: true, stackDir: s.stack }));
    expect(prepared).toBe(true);
    expect(s.applied('listener')).toBeUndefined();
    expect(existsSync(join(s.stack, 'cutover-switch.prepared.json'))).toBe(true);
    const listenerAtSynth: (string | undefined)[] = [];
    const synth = async (configFile: string) => {
      listenerAtSynth.push(s.applied('listener'));
      const stage = JSON.parse(readFileSync(configFile, 'utf8')).environments.production.cutover.stage;
      writeFileSync(join(s.stack, 'cdk.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: 'terraform.tfstate' } } }, resource: { terraform_data: { listener: { input: stage }, alarm: { input: stage } } } }));
      return s.stack;
    };
    const asked: string[] = [];
    const ok = await reviewedApply(s.options({ synth, stackDir: s.stack, confirm: async (_summary, text) => (asked.push(text), true) }));
    expect(ok).toBe(true);
    expect(listenerAtSynth).toEqual(['50']);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('The rest of the stage');
    expect([s.applied('listener'), s.applied('alarm')]).toEqual(['50', '50']);
    expect(existsSync(join(s.stack, 'cutover-switch.prepared.json'))).toBe(false);
  });

  test('a prepared switch kept as one ModifyRule is sent through the API before terraform applies its saved plan', async () => {
    const s = switchSetup();
    await reviewedApply(s.options({ prepareOnly: true, stackDir: s.stack }));
    // terraform_data is no listener rule, so prepare kept no API change: put one in the marker as a plan of a rule would.
    const markerFile = join(s.stack, 'cutover-switch.prepared.json');
    const before = [{ targetGroupArn: 'arn:tg-source', weight: 100 }, { targetGroupArn: 'arn:tg-rds', weight: 0 }];
    const after = [{ targetGroupArn: 'arn:tg-source', weight: 0 }, { targetGroupArn: 'arn:tg-rds', weight: 100 }];
    writeFileSync(markerFile, JSON.stringify({ ...JSON.parse(readFileSync(markerFile, 'utf8')), api: { address: 'terraform_data.listener', ruleArn: 'arn:rule', stickiness: { enabled: false }, before, after } }));
    const sent: { name: string; listener?: string }[] = [];
    const elbv2 = {
      send: async (c: object) => {
        sent.push({ name: c.constructor.name, listener: s.applied('listener') });
        return c.constructor.name === 'DescribeRulesCommand' ? { Rules: [{ Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: before.map((g) => ({ TargetGroupArn: g.targetGroupArn, Weight: g.weight })) } }] }] } : {};
      },
    } as unknown as ReviewedApplyOptions['elbv2'];
    const logs: string[] = [];
    expect(await reviewedApply(s.options({ stackDir: s.stack, elbv2, log: (l) => logs.push(l) }))).toBe(true);
    expect(sent).toEqual([{ name: 'DescribeRulesCommand', listener: undefined }, { name: 'ModifyRuleCommand', listener: undefined }]);
    expect(s.applied('listener')).toBe('50');
    expect(logs.join('\n')).toMatch(/switched: ModifyRule terraform_data.listener: arn:tg-source=100, arn:tg-rds=0 -> arn:tg-source=0, arn:tg-rds=100 in \d+ ms[\s\S]*terraform apply -input=false cutover-switch.tfplan {3}# .*its state follows the live switch/);
  });

  test('a prepared switch for another config is not used: the switch is planned and asked again', async () => {
    const s = switchSetup();
    await reviewedApply(s.options({ prepareOnly: true, stackDir: s.stack }));
    const other = { ...s.edit, text: s.edit.text.replace('"50"', '"50" ') };
    const logs: string[] = [];
    let asked = 0;
    const ok = await reviewedApply(s.options({ edit: other, stackDir: s.stack, log: (l) => logs.push(l), confirm: async () => (++asked, true) }));
    expect(ok).toBe(true);
    expect(asked).toBe(2);
    expect(logs.join('\n')).toMatch(/a prepared switch is in .* but is not used: the config changed since it was prepared/);
  });

  test('a prepared switch whose state changed since (another apply) is called stale by terraform and planned again', async () => {
    const s = switchSetup();
    await reviewedApply(s.options({ prepareOnly: true, stackDir: s.stack }));
    const { terraform } = await import('../../scripts/lib/terraform/run');
    await terraform(s.stack, ['apply', '-input=false', '-auto-approve', '-target=terraform_data.alarm'], { env: { ...process.env, TF_VAR_origin_verify_secret: SECRET } });
    const logs: string[] = [];
    let asked = 0;
    const ok = await reviewedApply(s.options({ stackDir: s.stack, log: (l) => logs.push(l), confirm: async () => (++asked, true) }));
    expect(ok).toBe(true);
    expect(logs.join('\n')).toMatch(/terraform calls the prepared switch stale/);
    expect(asked).toBe(2);
    expect(s.applied('listener')).toBe('50');
  });

  test('a declined switch applies nothing', async () => {
    const s = switchSetup();
    expect(await reviewedApply(s.options({ confirm: async () => false }))).toBe(false);
    expect(s.applied('listener')).toBeUndefined();
  });

  test('when the rest is declined after the switch, the stage still counts as applied and the rerun is named', async () => {
    const s = switchSetup();
    let pending = '';
    let n = 0;
    const ok = await reviewedApply(s.options({ confirm: async () => ++n === 1, onRestPending: (m) => (pending = m) }));
    expect(ok).toBe(true);
    expect([s.applied('listener'), s.applied('alarm')]).toEqual(['50', undefined]);
    expect(pending).toMatch(/the switch is applied and live, but the rest of the plan was not confirmed: rerun the same cutover command with --apply/);
  });
});

test('the switch targets the listener rule whose forward carries weights, not the plain ones', () => {
  const json = {
    resource: {
      aws_lb_listener: { http: { default_action: [{ type: 'redirect' }] }, https: { default_action: [{ type: 'fixed-response' }] } },
      aws_lb_listener_rule: { plain: { action: [{ type: 'forward', target_group_arn: 'x' }] }, 'from-cloudfront': { action: [{ type: 'forward', forward: { target_group: [] } }] } },
    },
  };
  expect(switchAddresses(json)).toEqual(['aws_lb_listener_rule.from-cloudfront']);
});
