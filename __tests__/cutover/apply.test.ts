/**
 * `cutover --apply` as a reviewed change, with the real terraform on a small stack (built-in
 * `terraform_data`, no provider): refusal of a missing variable by name before terraform runs, the
 * saved plan summarized and confirmed, exactly that plan applied, terraform's own error shown.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingVariables, ORIGIN_SECRET_ENV, reviewedApply, type ReviewedApplyOptions } from '../../scripts/lib/cutover/apply';
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
