import { Fn, TerraformStack, TerraformVariable } from 'cdktf';
import { EcrRegistryScanningConfiguration } from '@cdktf/provider-aws/lib/ecr-registry-scanning-configuration';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EcsAccountSettingDefault } from '@cdktf/provider-aws/lib/ecs-account-setting-default';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { EcrImmutableTags } from '../../stacks/policy/rules/ecr-immutable-tags';
import { EcrScanOnPush } from '../../stacks/policy/rules/ecr-scan-on-push';
import { EcsClusterContainerInsights } from '../../stacks/policy/rules/ecs-cluster-container-insights';
import { EcsTaskReadonlyRootFilesystem } from '../../stacks/policy/rules/ecs-task-readonly-root-filesystem';
import { details, flagged } from './support';

describe('VN-ECS-1 container insights', () => {
  test('containerInsights "enabled" passes', () => expect(flagged(EcsClusterContainerInsights, (s) => new EcsCluster(s, 'c', { name: 'c', setting: [{ name: 'containerInsights', value: 'enabled' }] }))).toEqual([]));
  test('containerInsights "enhanced" passes', () => expect(flagged(EcsClusterContainerInsights, (s) => new EcsCluster(s, 'c', { name: 'c', setting: [{ name: 'containerInsights', value: 'enhanced' }] }))).toEqual([]));
  test('containerInsights "disabled" is reported', () =>
    expect(flagged(EcsClusterContainerInsights, (s) => new EcsCluster(s, 'c', { name: 'c', setting: [{ name: 'containerInsights', value: 'disabled' }] }))).toEqual(['aws_ecs_cluster.c']));
  test('a cluster without the setting is reported', () => expect(flagged(EcsClusterContainerInsights, (s) => new EcsCluster(s, 'c', { name: 'c' }))).toEqual(['aws_ecs_cluster.c']));
  test('a cluster without the setting passes when the stack enables the account default', () =>
    expect(
      flagged(EcsClusterContainerInsights, (s) => {
        new EcsCluster(s, 'c', { name: 'c' });
        new EcsAccountSettingDefault(s, 'insights', { name: 'containerInsights', value: 'enabled' });
      }),
    ).toEqual([]));
});

describe('VN-ECS-2 read-only root file system', () => {
  const task = (containerDefinitions: (s: TerraformStack) => string) => (s: TerraformStack) => new EcsTaskDefinition(s, 'task', { family: 'app', containerDefinitions: containerDefinitions(s) });
  test('Fn.jsonencode containers with readonlyRootFilesystem true pass', () =>
    expect(flagged(EcsTaskReadonlyRootFilesystem, task(() => Fn.jsonencode([{ name: 'app', image: 'app:1', readonlyRootFilesystem: true }])))).toEqual([]));
  test('a Fn.jsonencode container without it is reported by name', () =>
    expect(
      details(
        EcsTaskReadonlyRootFilesystem,
        task(() =>
          Fn.jsonencode([
            { name: 'app', image: 'app:1', readonlyRootFilesystem: true },
            { name: 'sidecar', image: 'envoy:1' },
          ]),
        ),
      ),
    ).toEqual(['container sidecar without readonlyRootFilesystem: true']));
  test('a literal JSON string container with readonlyRootFilesystem false is reported', () =>
    expect(flagged(EcsTaskReadonlyRootFilesystem, task(() => JSON.stringify([{ name: 'app', image: 'app:1', readonlyRootFilesystem: false }])))).toEqual(['aws_ecs_task_definition.task']));
  test('a literal JSON string container with readonlyRootFilesystem true passes', () =>
    expect(flagged(EcsTaskReadonlyRootFilesystem, task(() => JSON.stringify([{ name: 'app', image: 'app:1', readonlyRootFilesystem: true }])))).toEqual([]));
  test('a JSON.stringify container with references inside and readonlyRootFilesystem false is reported', () =>
    expect(
      flagged(
        EcsTaskReadonlyRootFilesystem,
        task((s) => JSON.stringify([{ name: 'app', image: `${new EcrRepository(s, 'repo', { name: 'app' }).repositoryUrl}:1`, readonlyRootFilesystem: false }])),
      ),
    ).toEqual(['aws_ecs_task_definition.task']));
  test('a JSON.stringify container with references inside and readonlyRootFilesystem true passes', () =>
    expect(
      flagged(
        EcsTaskReadonlyRootFilesystem,
        task((s) => JSON.stringify([{ name: 'app', image: `${new EcrRepository(s, 'repo', { name: 'app' }).repositoryUrl}:1`, readonlyRootFilesystem: true }])),
      ),
    ).toEqual([]));
  test('a flag from a variable inside Fn.jsonencode is set but unknown, not a violation', () =>
    expect(
      details(
        EcsTaskReadonlyRootFilesystem,
        task((s) =>
          Fn.jsonencode([
            { name: 'app', image: 'app:1', readonlyRootFilesystem: new TerraformVariable(s, 'ro', { type: 'bool' }).booleanValue },
            { name: 'sidecar', image: 'envoy:1', readonlyRootFilesystem: false },
          ]),
        ),
      ),
    ).toEqual(['container sidecar without readonlyRootFilesystem: true']));
  test('a whole document from a variable is not applicable', () =>
    expect(flagged(EcsTaskReadonlyRootFilesystem, task((s) => new TerraformVariable(s, 'containers', { type: 'string' }).stringValue))).toEqual([]));
});

describe('VN-ECR-1 scan on push', () => {
  test('scan_on_push true passes', () => expect(flagged(EcrScanOnPush, (s) => new EcrRepository(s, 'repo', { name: 'app', imageScanningConfiguration: { scanOnPush: true } }))).toEqual([]));
  test('a repository without scanning is reported', () => expect(flagged(EcrScanOnPush, (s) => new EcrRepository(s, 'repo', { name: 'app' }))).toEqual(['aws_ecr_repository.repo']));
  test('a registry scanning rule on push covers the repository', () =>
    expect(
      flagged(EcrScanOnPush, (s) => {
        new EcrRepository(s, 'repo', { name: 'app' });
        new EcrRegistryScanningConfiguration(s, 'scanning', { scanType: 'ENHANCED', rule: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilter: [{ filter: '*', filterType: 'WILDCARD' }] }] });
      }),
    ).toEqual([]));
});

describe('VN-ECR-2 immutable tags', () => {
  test('IMMUTABLE passes', () => expect(flagged(EcrImmutableTags, (s) => new EcrRepository(s, 'repo', { name: 'app', imageTagMutability: 'IMMUTABLE' }))).toEqual([]));
  test('MUTABLE is reported', () => expect(flagged(EcrImmutableTags, (s) => new EcrRepository(s, 'repo', { name: 'app', imageTagMutability: 'MUTABLE' }))).toEqual(['aws_ecr_repository.repo']));
  test('unset is reported (the default is MUTABLE)', () => expect(flagged(EcrImmutableTags, (s) => new EcrRepository(s, 'repo', { name: 'app' }))).toEqual(['aws_ecr_repository.repo']));
});
