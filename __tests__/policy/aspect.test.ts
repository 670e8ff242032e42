import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import { App, Aspects, IAspect, TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { applyPolicyPack, PolicyViolationError, suppress } from '../../stacks/policy';
import { SUPPRESSION_METADATA_TYPE } from '../../stacks/policy/suppress';
import { describeResource } from '../../stacks/policy/rule';
import { LogGroupKmsEncrypted } from '../../stacks/policy/rules/log-group-kms-encrypted';
import { EcrImmutableTags } from '../../stacks/policy/rules/ecr-immutable-tags';
import { RdsStorageEncrypted } from '../../stacks/policy/rules/rds-storage-encrypted';
import { synthReport, testStack } from './support';

const rules = [RdsStorageEncrypted, EcrImmutableTags, LogGroupKmsEncrypted];
const mutableRepo = (scope: Construct, id: string) => new EcrRepository(scope, id, { name: id, imageTagMutability: 'MUTABLE' });
const plainLogGroup = (scope: Construct, id: string) => new CloudwatchLogGroup(scope, id, { name: `/vn/${id}` });

function synthError(stack: TerraformStack): Error {
  try {
    Testing.synth(stack);
  } catch (e) {
    return e as Error;
  }
  throw new Error('synth did not fail');
}

const warningsOn = (c: IConstruct) => c.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
const infosOn = (c: IConstruct) => c.node.metadata.filter((m) => m.type === '@cdktf/info').map((m) => String(m.data));

describe('errors', () => {
  test('an error finding fails Testing.synth with a message naming the rule, the resource address and path, and the fix', () => {
    const stack = testStack();
    mutableRepo(stack, 'repo');
    applyPolicyPack(stack, { rules });
    const message = synthError(stack).message;
    expect(message).toContain('[VN-ECR-2] aws_ecr_repository.repo (test/repo)');
    expect(message).toContain(`Fix: ${EcrImmutableTags.fix}`);
  });

  test('the synth error is a PolicyViolationError listing every error finding at once', () => {
    const stack = testStack();
    mutableRepo(stack, 'repo');
    new DbInstance(stack, 'db', { instanceClass: 'db.t3.micro', engine: 'postgres' });
    applyPolicyPack(stack, { rules });
    const error = synthError(stack) as PolicyViolationError;
    expect(error).toBeInstanceOf(PolicyViolationError);
    expect(error.report.errors.map((f) => `${f.ruleId} ${f.address}`)).toEqual(['VN-RDS-1 aws_db_instance.db', 'VN-ECR-2 aws_ecr_repository.repo']);
    expect(error.message).toMatch(/2 errors in stack "test"[\s\S]*aws_db_instance\.db[\s\S]*aws_ecr_repository\.repo/);
  });

  test('an error finding fails app.synth(), the path `cdktf synth` takes', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vn-policy-'));
    try {
      const app = new App({ outdir });
      const stack = new TerraformStack(app, 'real');
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      mutableRepo(stack, 'repo');
      applyPolicyPack(stack, { rules });
      expect(() => app.synth()).toThrow(/\[VN-ECR-2\] aws_ecr_repository\.repo \(real\/repo\)/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('the synth error also lists the warnings, so a failed `cdktf synth` shows every finding', () => {
    const stack = testStack();
    mutableRepo(stack, 'repo');
    plainLogGroup(stack, 'logs');
    applyPolicyPack(stack, { rules });
    expect(synthError(stack).message).toMatch(/Warnings \(these alone do not fail the synth\):\n  \[VN-LOG-1\] aws_cloudwatch_log_group\.logs/);
  });

  test('a failed app.synth() writes no Terraform JSON', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vn-policy-'));
    try {
      const app = new App({ outdir });
      const stack = new TerraformStack(app, 'real');
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      mutableRepo(stack, 'repo');
      applyPolicyPack(stack, { rules });
      expect(() => app.synth()).toThrow(PolicyViolationError);
      expect(fs.existsSync(path.join(outdir, 'stacks', 'real', 'cdk.tf.json'))).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('works with Testing.synthScope too', () => {
    expect(() =>
      Testing.synthScope((scope) => {
        mutableRepo(scope, 'repo');
        applyPolicyPack(scope as TerraformStack, { rules });
      }),
    ).toThrow(/\[VN-ECR-2\] aws_ecr_repository\.repo \(stack\/repo\)/);
  });

  test('a stack without findings synthesizes', () => {
    const stack = testStack();
    new EcrRepository(stack, 'repo', { name: 'repo', imageTagMutability: 'IMMUTABLE' });
    applyPolicyPack(stack, { rules });
    expect(JSON.parse(Testing.synth(stack)).resource.aws_ecr_repository.repo.image_tag_mutability).toBe('IMMUTABLE');
  });
});

describe('warnings', () => {
  test('a warning finding does not fail synth', () => {
    const stack = testStack();
    plainLogGroup(stack, 'logs');
    applyPolicyPack(stack, { rules });
    expect(() => Testing.synth(stack)).not.toThrow();
  });

  test('a warning finding is a warning annotation on the resource', () => {
    const stack = testStack();
    const logs = plainLogGroup(stack, 'logs');
    applyPolicyPack(stack, { rules });
    Testing.synth(stack);
    expect(warningsOn(logs)).toEqual([expect.stringContaining('[VN-LOG-1] aws_cloudwatch_log_group.logs (test/logs)')]);
  });

  test('synthesizing twice does not duplicate the annotations', () => {
    const stack = testStack();
    const logs = plainLogGroup(stack, 'logs');
    applyPolicyPack(stack, { rules });
    Testing.synth(stack);
    Testing.synth(stack);
    expect(warningsOn(logs)).toHaveLength(1);
  });
});

describe('suppression', () => {
  test('a suppression with a reason silences the finding on that resource only', () => {
    const stack = testStack();
    suppress(mutableRepo(stack, 'cache-repo'), 'VN-ECR-2', 'Build cache images are overwritten by design');
    mutableRepo(stack, 'app-repo');
    const report = synthReport(stack, { rules });
    expect(report.errors.map((f) => f.address)).toEqual(['aws_ecr_repository.app-repo']);
  });

  test('a suppressed finding is listed with its reason', () => {
    const stack = testStack();
    suppress(mutableRepo(stack, 'cache-repo'), 'VN-ECR-2', 'Build cache images are overwritten by design');
    const report = synthReport(stack, { rules });
    expect(report.suppressed.map((f) => [f.ruleId, f.address, f.reason])).toEqual([['VN-ECR-2', 'aws_ecr_repository.cache-repo', 'Build cache images are overwritten by design']]);
  });

  test('a suppressed finding is an info annotation on the resource, and synth succeeds', () => {
    const stack = testStack();
    const repo = mutableRepo(stack, 'cache-repo');
    suppress(repo, 'VN-ECR-2', 'Build cache images are overwritten by design');
    applyPolicyPack(stack, { rules });
    Testing.synth(stack);
    expect(infosOn(repo)).toEqual([expect.stringMatching(/^\[suppressed\] \[VN-ECR-2\].*Suppressed: Build cache images are overwritten by design$/)]);
  });

  test('a suppression silences only the named rule', () => {
    const stack = testStack();
    const db = new DbInstance(stack, 'db', { instanceClass: 'db.t3.micro', engine: 'postgres' });
    suppress(db, 'VN-ECR-2', 'Wrong rule on purpose, to check scoping');
    expect(synthReport(stack, { rules }).errors.map((f) => f.ruleId)).toEqual(['VN-RDS-1']);
  });

  test('a suppression on a construct covers the resources inside it', () => {
    const stack = testStack();
    const cache = new Construct(stack, 'cache');
    mutableRepo(cache, 'a');
    mutableRepo(cache, 'b');
    suppress(cache, 'VN-ECR-2', 'Build cache images are overwritten by design');
    const report = synthReport(stack, { rules });
    expect([report.errors.length, report.suppressed.length]).toEqual([0, 2]);
  });

  test('a suppression without a reason is an error naming the construct and the rule', () => {
    const stack = testStack();
    const repo = mutableRepo(stack, 'repo');
    expect(() => suppress(repo, 'VN-ECR-2', '')).toThrow('[test/repo] suppression of VN-ECR-2 needs a reason of at least 10 characters');
  });

  test('a suppression with a reason shorter than 10 characters is an error', () => {
    const repo = mutableRepo(testStack(), 'repo');
    expect(() => suppress(repo, 'VN-ECR-2', 'because')).toThrow(/needs a reason/);
  });

  test('a reasonless suppression written as raw metadata fails synth and suppresses nothing', () => {
    const stack = testStack();
    mutableRepo(stack, 'repo').node.addMetadata(SUPPRESSION_METADATA_TYPE, { ruleId: 'VN-ECR-2', reason: '' });
    const report = synthReport(stack, { rules });
    expect(report.errors.map((f) => `${f.ruleId} ${f.address}`)).toEqual(['VN-POLICY-1 aws_ecr_repository.repo', 'VN-ECR-2 aws_ecr_repository.repo']);
  });

  test('a suppression naming a rule the pack does not have is a warning', () => {
    const stack = testStack();
    suppress(mutableRepo(stack, 'repo'), 'VN-ECR-9', 'Typo in the rule id, on purpose');
    const report = synthReport(stack, { rules });
    expect(report.warnings.map((f) => `${f.ruleId} ${f.detail}`)).toEqual(['VN-POLICY-2 "VN-ECR-9" is not a rule id']);
  });
});

describe('the aspect', () => {
  test('judges the final tree: a change another aspect makes during synth is seen', () => {
    const stack = testStack();
    new DbInstance(stack, 'db', { instanceClass: 'db.t3.micro', engine: 'postgres' });
    applyPolicyPack(stack, { rules });
    const encryptEverything: IAspect = { visit: (n) => n instanceof DbInstance && (n.storageEncrypted = true) };
    Aspects.of(stack).add(encryptEverything);
    expect(() => Testing.synth(stack)).not.toThrow();
  });

  test('judges a resource another aspect adds to the stack during synth', () => {
    const stack = testStack();
    applyPolicyPack(stack, { rules });
    let added = false;
    const addRepository: IAspect = {
      visit: (n) => {
        if (n === stack && !added) {
          added = true;
          mutableRepo(stack, 'late-repo');
        }
      },
    };
    Aspects.of(stack).add(addRepository);
    expect((synthError(stack) as PolicyViolationError).report.errors.map((f) => f.address)).toEqual(['aws_ecr_repository.late-repo']);
  });

  test('applying the pack twice to one stack is refused', () => {
    const stack = testStack();
    applyPolicyPack(stack);
    expect(() => applyPolicyPack(stack)).toThrow('the policy pack is already applied to stack "test"');
  });

  test('a stack with nothing but a provider is evaluated too', () => {
    const report = synthReport(testStack());
    expect([report.errors, report.warnings]).toEqual([[], []]);
  });
});

describe('describeResource', () => {
  test('renders a resource when a rule first reads its config, once, as in the synthesized JSON', () => {
    const stack = testStack();
    const repo = mutableRepo(stack, 'repo');
    const render = jest.spyOn(repo, 'toTerraform');
    const view = describeResource(stack, repo);
    expect(render).not.toHaveBeenCalled();
    expect(view.config).toMatchObject({ name: 'repo', image_tag_mutability: 'MUTABLE' });
    expect(view.config).not.toHaveProperty('//');
    expect(view.config).toBe(view.config);
    expect(render).toHaveBeenCalledTimes(1);
  });
});
