import { blocks, isUnknown, nonCompliant, ofTypes, PolicyRule } from '../rule';

const ON = ['enabled', 'enhanced'];

function insightsOn(settings: Record<string, any>[]): boolean | 'unknown' | undefined {
  const s = settings.find((x) => x.name === 'containerInsights');
  if (!s) return undefined;
  if (isUnknown(s.value)) return 'unknown';
  return ON.includes(s.value);
}

/** Task-level CPU, memory, network and restart metrics exist when an incident starts. */
export const EcsClusterContainerInsights: PolicyRule = {
  id: 'VN-ECS-1',
  level: 'error',
  description: 'ECS clusters have CloudWatch Container Insights enabled (or enhanced).',
  fix: 'Add `setting: [{ name: "containerInsights", value: "enabled" }]` ("enhanced" for per-task detail) to the `EcsCluster`.',
  appliesTo: ofTypes('aws_ecs_cluster'),
  check(cluster, context) {
    const own = insightsOn(blocks(cluster.config.setting));
    if (own === true || own === 'unknown') return 'compliant';
    if (own === false) return nonCompliant(`containerInsights is "${blocks(cluster.config.setting).find((x) => x.name === 'containerInsights')?.value}"`);
    // No cluster setting: the account default applies, which this stack may set.
    const accountDefault = context.ofType('aws_ecs_account_setting_default').find((d) => d.config.name === 'containerInsights');
    if (accountDefault && (ON.includes(accountDefault.config.value) || isUnknown(accountDefault.config.value))) return 'compliant';
    return nonCompliant('no containerInsights setting (the account default is disabled)');
  },
};
