/**
 * The GitHub deploy and plan roles as synthesized: who may assume them (trust), what the deploy
 * role may do (no path to admin: the permissions boundary, no wildcard service actions, one
 * environment's resources), what the plan role reads, and the S3 state backend they use.
 * What these policies allow at run time is rehearsed against moto's IAM evaluation
 * (__tests__/aws/rehearsal-iam.test.ts, npm run rehearse).
 */
import { onlyResource, parseJsonAttr, resourceNamed, resourcesOf, synthEnvironment, TfJson } from '../support/synth';
import { REFRESH_ACTIONS } from '../../stacks/github-deploy';

const REPO = 'venture-nudge/venture-nudge-aws';
const HOST = 'token.actions.githubusercontent.com';
const S3 = { type: 's3', bucket: 'vn-state', region: 'us-east-1' };
const synth = (env: string, github: object = { repository: REPO }, production: object = {}) => synthEnvironment({ github, environments: { production } } as never, env);
const statements = (json: TfJson, policy: string) => parseJsonAttr(resourceNamed(json, 'aws_iam_role_policy', policy).policy).Statement as any[];
const trustOf = (json: TfJson, role: string) => parseJsonAttr(resourceNamed(json, 'aws_iam_role', role).assume_role_policy);
const actions = (s: any): string[] => [s.Action ?? []].flat();
const resources = (s: any): string[] => [s.Resource ?? []].flat();
const boundaryRef = (json: TfJson) => `\${aws_iam_policy.${Object.keys(resourcesOf(json, 'aws_iam_policy')).find((k) => k.startsWith('github-boundary_'))}.arn}`;
const READ = /^[a-z0-9-]+:(Describe|Get|List|View)/;

describe('trust', () => {
  const prod = synth('production');
  const staging = synth('staging');

  test('without github.repository there is no provider, no role and no boundary', () => {
    const json = synthEnvironment();
    expect(resourcesOf(json, 'aws_iam_openid_connect_provider')).toEqual({});
    expect(resourcesOf(json, 'aws_iam_policy')).toEqual({});
    expect(Object.keys(resourcesOf(json, 'aws_iam_role')).filter((k) => k.includes('github'))).toEqual([]);
  });

  test('the production stack creates the one OIDC provider; staging refers to it by ARN', () => {
    expect(onlyResource(prod, 'aws_iam_openid_connect_provider')).toMatchObject({ url: `https://${HOST}`, client_id_list: ['sts.amazonaws.com'] });
    expect(resourcesOf(staging, 'aws_iam_openid_connect_provider')).toEqual({});
    expect(trustOf(staging, 'github_deploy-role').Statement[0].Principal.Federated).toMatch(/^arn:aws:iam::\$\{.*\}:oidc-provider\/token\.actions\.githubusercontent\.com$/);
  });

  test('the deploy role trusts one environment AND the deploy workflow on main, for the STS audience only', () => {
    const trust = trustOf(prod, 'github_deploy-role');
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        [`${HOST}:aud`]: 'sts.amazonaws.com',
        [`${HOST}:sub`]: `repo:${REPO}:environment:production`,
        [`${HOST}:job_workflow_ref`]: `${REPO}/.github/workflows/deploy-environment.yml@refs/heads/main`,
      },
    });
    expect(JSON.stringify(trust)).not.toMatch(/StringLike|\*/);
  });

  test("staging's deploy role trusts staging's environment, not production's", () => {
    expect(trustOf(staging, 'github_deploy-role').Statement[0].Condition.StringEquals[`${HOST}:sub`]).toBe(`repo:${REPO}:environment:staging`);
  });

  test('trust "branch" pins the branch in both the subject and the workflow ref; an existing provider is used, none created', () => {
    const arn = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
    const json = synth('production', { repository: REPO, trust: 'branch', branch: 'release', oidcProviderArn: arn });
    expect(resourcesOf(json, 'aws_iam_openid_connect_provider')).toEqual({});
    const trust = trustOf(json, 'github_deploy-role').Statement[0];
    expect(trust.Principal.Federated).toBe(arn);
    expect(trust.Condition.StringEquals[`${HOST}:sub`]).toBe(`repo:${REPO}:ref:refs/heads/release`);
    expect(trust.Condition.StringEquals[`${HOST}:job_workflow_ref`]).toBe(`${REPO}/.github/workflows/deploy-environment.yml@refs/heads/release`);
  });

  test("the plan role trusts the repository's pull requests, from the pull-request workflow only", () => {
    const c = trustOf(prod, 'github_plan-role').Statement[0].Condition;
    expect(c.StringEquals[`${HOST}:sub`]).toBe(`repo:${REPO}:pull_request`);
    expect(c.StringLike).toEqual({ [`${HOST}:job_workflow_ref`]: `${REPO}/.github/workflows/pull-request.yml@refs/pull/*/merge` });
  });

  test('a repository that is not owner/name fails the config', () => {
    expect(() => synthEnvironment({ github: { repository: 'just-a-name' } })).toThrow(/github\.repository: must be "owner\/name"/);
  });
});

describe('the deploy role has no path to admin', () => {
  const prod = synth('production');
  const deploy = statements(prod, 'github_deploy-policy');
  const bySid = Object.fromEntries(deploy.map((s) => [s.Sid, s]));

  test('every role of the stack except the GitHub roles carries the permissions boundary', () => {
    const roles = Object.entries(resourcesOf(prod, 'aws_iam_role')).filter(([k]) => !k.startsWith('github_'));
    expect(roles.length).toBeGreaterThanOrEqual(6);
    for (const [name, role] of roles) expect([name, role.permissions_boundary]).toEqual([name, boundaryRef(prod)]);
  });

  test('every IAM write it is allowed requires the boundary on the role (iam:PermissionsBoundary), on the stack prefix only', () => {
    const iamWrites = deploy.filter((s) => s.Effect === 'Allow').flatMap((s) => actions(s).filter((a) => a.startsWith('iam:') && !READ.test(a)).map((a) => [a, s] as const));
    const unbounded = iamWrites.filter(([a, s]) => a !== 'iam:PassRole' && a !== 'iam:CreateServiceLinkedRole' && s.Condition?.StringEquals?.['iam:PermissionsBoundary'] !== boundaryRef(prod));
    expect(unbounded.map(([a]) => a)).toEqual([]);
    expect(bySid.StackRolesBounded.Resource).toMatch(/:role\/venture-nudge-production-\*$/);
    expect(actions(bySid.StackRolesBounded)).toEqual(expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']));
  });

  test('passes roles only to the stack\'s services, and creates only their service-linked roles', () => {
    expect(bySid.PassStackRoles.Condition.StringEquals['iam:PassedToService'].sort()).toEqual(['ecs-tasks.amazonaws.com', 'monitoring.rds.amazonaws.com', 'vpc-flow-logs.amazonaws.com']);
    expect(bySid.ServiceLinkedRoles.Condition.StringEquals['iam:AWSServiceName']).not.toContain('*');
  });

  test('cannot remove a boundary, write any managed policy (the boundary included), or change its own roles and the provider', () => {
    expect(bySid.KeepBoundaries).toMatchObject({ Effect: 'Deny', Resource: '*' });
    expect(actions(bySid.KeepBoundaries)).toEqual(expect.arrayContaining(['iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:CreatePolicy']));
    expect(bySid.NotItself.Effect).toBe('Deny');
    expect(bySid.NotItself.Resource).toEqual(expect.arrayContaining([expect.stringMatching(/:role\/venture-nudge-production-github-deploy$/), expect.stringMatching(/:role\/venture-nudge-production-github-plan$/), expect.stringMatching(/:oidc-provider\/token\.actions\.githubusercontent\.com$/), expect.stringMatching(/:policy\/venture-nudge-production-boundary$/)]));
    const onPolicies = deploy.filter((s) => s.Effect === 'Allow' && resources(s).some((r) => r.includes(':policy/')));
    expect(onPolicies).toEqual([]);
  });

  test('no Allow grants "*" or "<service>:*"', () => {
    const wild = deploy.filter((s) => s.Effect === 'Allow').flatMap(actions).filter((a) => a === '*' || /:\*$/.test(a));
    expect(wild).toEqual([]);
  });

  test('the boundary holds no IAM, STS or wildcard action', () => {
    const boundary = parseJsonAttr(Object.values(resourcesOf(prod, 'aws_iam_policy'))[0].policy).Statement as any[];
    const all = boundary.flatMap(actions);
    expect(all.filter((a) => /^(iam|sts):/.test(a) || a === '*' || /:\*$/.test(a))).toEqual([]);
    expect(all).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'ecr:BatchGetImage', 'logs:PutLogEvents']));
  });
});

describe('the deploy role is scoped to its environment', () => {
  const staging = synth('staging');
  const deploy = statements(staging, 'github_deploy-policy');
  const bySid = Object.fromEntries(deploy.map((s) => [s.Sid, s]));

  test("staging's policy names no production resource", () => {
    expect(JSON.stringify(deploy)).not.toMatch(/production/);
  });

  test('named resources (roles, buckets, repositories, secrets, budgets, dashboards) carry the environment prefix', () => {
    for (const sid of ['StackRolesBounded', 'PassStackRoles', 'StackBuckets', 'StackRepositories', 'AppSecret', 'Budgets', 'Dashboards']) {
      for (const r of resources(bySid[sid])) expect([sid, r]).toEqual([sid, expect.stringContaining('venture-nudge-staging')]);
    }
  });

  test('writes on tagged services need this environment\'s tag, and anything tagged for another environment is denied', () => {
    expect(bySid.TaggedServices.Condition.StringEqualsIfExists).toEqual({ 'aws:ResourceTag/Environment': 'staging', 'aws:RequestTag/Environment': 'staging' });
    expect(bySid.NoOtherEnvironment).toMatchObject({ Effect: 'Deny', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceTag/Environment': 'staging' }, Null: { 'aws:ResourceTag/Environment': 'false' } } });
    expect(bySid.NoOtherEnvironmentTag).toMatchObject({ Effect: 'Deny', Condition: { StringNotEquals: { 'aws:RequestTag/Environment': 'staging' } } });
  });

  test("can refresh and manage the app's database secret (DescribeSecret, GetResourcePolicy), not read its value", () => {
    const secretName = resourceNamed(staging, 'aws_secretsmanager_secret', 'app-secret').name;
    expect(secretName).toBe('venture-nudge-staging/app-database');
    expect(REFRESH_ACTIONS).toEqual(expect.arrayContaining(['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy']));
    expect(bySid.AppSecret.Resource).toMatch(/^arn:aws:secretsmanager:us-east-1:\$\{.*\}:secret:venture-nudge-staging\/\*$/);
    expect(actions(bySid.AppSecret)).toEqual(expect.arrayContaining(['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret']));
    expect(deploy.filter((s) => s.Effect === 'Allow').flatMap(actions)).not.toContain('secretsmanager:GetSecretValue');
  });

  test('the app secret is deleted without a recovery window, so a destroyed stack can be applied again', () => {
    expect(resourceNamed(staging, 'aws_secretsmanager_secret', 'app-secret').recovery_window_in_days).toBe(0);
  });
});

describe('the plan role', () => {
  const prod = synth('production', { repository: REPO }, { backend: S3 });
  const plan = statements(prod, 'github_plan-policy');

  test('has no managed policy (no ReadOnlyAccess)', () => {
    expect(Object.values(resourcesOf(prod, 'aws_iam_role_policy_attachment')).filter((a: any) => String(a.role).includes('github'))).toEqual([]);
  });

  test('reads metadata only: no write verb, no secret value, parameter, log event or image layer', () => {
    const all = plan.flatMap(actions);
    expect(all.filter((a) => !READ.test(a) && a !== 's3:ListBucket')).toEqual([]);
    expect(all.filter((a) => /GetSecretValue|ssm:GetParameter|logs:GetLogEvents|ecr:GetDownloadUrlForLayer|ecr:BatchGetImage|kms:Decrypt/.test(a))).toEqual([]);
  });

  test('reads one object: the state, not its bucket neighbours or the app buckets\' objects', () => {
    const objects = plan.filter((s) => actions(s).includes('s3:GetObject'));
    expect(objects.flatMap(resources)).toEqual(['arn:aws:s3:::vn-state/venture-nudge/production.tfstate']);
  });
});

describe('the S3 state backend', () => {
  const prod = synth('production', { repository: REPO }, { backend: S3 });

  test("locks with Terraform's own lock file, no DynamoDB table, encrypted", () => {
    expect(prod.terraform.backend.s3).toEqual({ bucket: 'vn-state', key: 'venture-nudge/production.tfstate', region: 'us-east-1', encrypt: true, use_lockfile: true });
  });

  test('the deploy role reads and writes the state object and its lock file only', () => {
    const st = statements(prod, 'github_deploy-policy').find((s) => s.Sid === 'StateObject');
    expect(st).toMatchObject({ Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: ['arn:aws:s3:::vn-state/venture-nudge/production.tfstate', 'arn:aws:s3:::vn-state/venture-nudge/production.tfstate.tflock'] });
  });

  test('a DynamoDB lock table is refused, naming the field and the fix', () => {
    expect(() => synth('production', { repository: REPO }, { backend: { ...S3, dynamodbTable: 'vn-locks' } })).toThrow(/environments\.production\.backend\.dynamodbTable: not used: the S3 backend locks with its own lock file \(use_lockfile\)/);
  });
});
