import { Testing, TerraformStack } from 'cdktf';
import { ContainerRepository } from '../../stacks/repository';
import { onlyResource, synthEnvironment, TfJson } from '../support/synth';

describe('ContainerRepository', () => {
  // The runner off: its toolkit repository is the second one (__tests__/runner/stack.test.ts).
  const json = synthEnvironment({ environments: { production: { runner: { enabled: false } } } });

  test('ECR repository scans on push, has immutable tags and a lifecycle policy', () => {
    expect(onlyResource(json, 'aws_ecr_repository')).toMatchObject({ name: 'venture-nudge-production', image_tag_mutability: 'IMMUTABLE', image_scanning_configuration: { scan_on_push: true } });
    const rules = JSON.parse(onlyResource(json, 'aws_ecr_lifecycle_policy').policy).rules;
    expect(rules.map((r: any) => r.selection.tagStatus)).toEqual(['untagged', 'any']);
  });

  test('the stack moves the repository from its address inside the former service construct, so images survive', () => {
    const moved = (json as TfJson & { moved?: { from: string; to: string }[] }).moved ?? [];
    expect(moved).toContainEqual({ from: 'aws_ecr_repository.service_repository_EBF276BE', to: expect.stringMatching(/^aws_ecr_repository\.repository_/) });
    expect(moved).toContainEqual({ from: 'aws_ecr_lifecycle_policy.service_repository-lifecycle_5C61A57F', to: expect.stringMatching(/^aws_ecr_lifecycle_policy\.repository_/) });
  });

  test('on its own it uses AES256, expires untagged images after 7 days and keeps 30 images by default', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'repo');
    new ContainerRepository(stack, 'repository', { name: 'demo' });
    const alone = JSON.parse(Testing.synth(stack)) as TfJson;
    expect(onlyResource(alone, 'aws_ecr_repository').encryption_configuration).toEqual([{ encryption_type: 'AES256' }]);
    const rules = JSON.parse(onlyResource(alone, 'aws_ecr_lifecycle_policy').policy).rules;
    expect(rules.map((r: any) => r.selection.countNumber)).toEqual([7, 30]);
  });
});
