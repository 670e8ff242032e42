/**
 * The rehearsal runs as the GitHub roles, with moto evaluating IAM (moto_patched.py
 * "iam-evaluation"): a deploy role without the app secret's permissions fails the apply with
 * AccessDenied, the same stack with the synthesized policy passes. Small stacks (the roles,
 * their boundary and KMS key with its policy, and the app's database secret) keep this to minutes; the whole
 * stacks are `npm run rehearse`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { RehearsalReport, rehearse } from '../../scripts/lib/rehearsal/rehearsal';
import { resolveConfig } from '../../stacks/config';
import { isRunning } from '../support/moto';
import { delegated } from '../support/synth';

const KEEP = [/^aws_iam_(policy|role|role_policy|openid_connect_provider)$/, /^aws_kms_key(_policy)?$/, /^aws_secretsmanager_secret$/];

/** The stack reduced to the GitHub roles, what they reference, and the app's database secret. */
function rolesAndSecret(json: any): any {
  const resource: Record<string, Record<string, any>> = {};
  for (const [type, byName] of Object.entries(json.resource as Record<string, Record<string, any>>)) {
    if (!KEEP.some((re) => re.test(type))) continue;
    const kept = Object.entries(byName).filter(([name]) => name.startsWith('github') || name.startsWith('encryption_key') || name.startsWith('encryption_policy') || name.startsWith('database_app-secret'));
    if (kept.length) resource[type] = Object.fromEntries(kept);
  }
  const { output: _o, data: _d, ...rest } = json;
  return { ...rest, resource };
}

/** The deploy policy without any Secrets Manager permission (what every CI apply had before). */
function withoutSecretPermissions(json: any): any {
  const [name, policy] = Object.entries(json.resource.aws_iam_role_policy as Record<string, any>).find(([n]) => n.startsWith('github_deploy-policy'))!;
  // Terraform interpolations hold unescaped quotes: set them aside while the document is edited.
  const held: string[] = [];
  const doc = JSON.parse(String(policy.policy).replace(/\$\{[^}]*\}/g, (m) => `@@${held.push(m) - 1}@@`));
  doc.Statement = doc.Statement.filter((s: any) => !['AppSecret', 'RdsManagedSecret'].includes(s.Sid)).map((s: any) =>
    s.Effect === 'Allow' && Array.isArray(s.Action) ? { ...s, Action: s.Action.filter((a: string) => !a.startsWith('secretsmanager:')) } : s,
  );
  json.resource.aws_iam_role_policy[name] = { ...policy, policy: JSON.stringify(doc).replace(/@@(\d+)@@/g, (_, i) => held[Number(i)]) };
  return json;
}

describe('rehearsal as the deploy and plan roles', () => {
  let workDir: string;
  let report: RehearsalReport;
  const stack = (name: string) => report.stacks.find((s) => s.stack === name)!;
  const phase = (name: string, p: string) => stack(name).phases.find((x) => x.phase === p);

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'rehearsal-iam-'));
    report = await rehearse({
      config: resolveConfig(delegated({})),
      workDir,
      phaseTimeoutSeconds: 600,
      // production: the synthesized policy; staging: the same stack, its deploy role without the secret's permissions.
      editJson: (s, json) => (s === 'staging' ? withoutSecretPermissions(rolesAndSecret(json)) : rolesAndSecret(json)),
    });
  }, 1_800_000);
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  test('with the synthesized policy, the deploy role applies and destroys the secret and the plan role re-plans it', () => {
    expect(stack('production').errors).toEqual([]);
    expect(stack('production').phases.map((p) => [p.phase, p.ok])).toEqual([
      ['synth', true], ['init', true], ['bootstrap', true], ['trust', true], ['apply', true], ['plan', true], ['destroy', true], ['teardown', true], ['state', true],
    ]);
  });

  test("a deploy role without the app secret's permissions fails the apply with AccessDenied naming the action and the secret", () => {
    expect(phase('staging', 'apply')?.ok).toBe(false);
    // The provider cannot decode moto's XML error body for a JSON service, so it shows the status; moto's log names the denial.
    expect(stack('staging').errors.join('\n')).toMatch(/staging apply: Error: creating Secrets Manager Secret \(venture-nudge-staging\/app-database\): operation error Secrets Manager: CreateSecret, https response error StatusCode: 403/);
    expect(readFileSync(report.motoLog, 'utf8')).toMatch(/iam-evaluation: AccessDenied arn:aws:sts::123456789012:assumed-role\/venture-nudge-staging-github-deploy\/deploy-staging secretsmanager:CreateSecret on arn:aws:secretsmanager:us-east-1:123456789012:secret:venture-nudge-staging\/app-database \(no Allow applies\)/);
    expect(report.ok).toBe(false);
  });

  test('the roles refused the tokens of another environment, workflow, repository and of a pull request', () => {
    expect(phase('staging', 'trust')).toMatchObject({ ok: true, summary: expect.stringContaining('foreign tokens refused') });
  });

  test('the administrator still tears down what the failed apply left, and moto stops', () => {
    expect(phase('staging', 'teardown')?.ok).toBe(true);
    expect(stack('staging').leftovers).toEqual([]);
    expect(isRunning(report.motoPid)).toBe(false);
  });
});
