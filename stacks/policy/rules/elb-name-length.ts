import { isUnknown, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Longest name ELB accepts for a load balancer or a target group. */
export const MAX_ELB_NAME_LENGTH = 32;
/** Longest `name_prefix` the provider accepts for either. */
export const MAX_ELB_NAME_PREFIX_LENGTH = 6;

/**
 * Load balancer and target group names longer than 32 characters synthesize and
 * pass moto, and fail only at `terraform validate`/`apply`.
 */
export const ElbNameLength: PolicyRule = {
  id: 'VN-ELB-5',
  level: 'error',
  description: `Load balancer and target group names have at most ${MAX_ELB_NAME_LENGTH} characters (name_prefix at most ${MAX_ELB_NAME_PREFIX_LENGTH}).`,
  fix: 'Shorten the name: config `appName` plus the environment name make `<appName>-<env>-alb` and `<appName>-<env>-tg`, so keep those within 32 characters.',
  appliesTo: ofTypes('aws_lb', 'aws_alb', 'aws_lb_target_group', 'aws_alb_target_group'),
  check(r) {
    const { name, name_prefix: prefix } = r.config;
    if (typeof name === 'string' && !isUnknown(name) && name.length > MAX_ELB_NAME_LENGTH) return nonCompliant(`name "${name}" has ${name.length} characters`);
    if (typeof prefix === 'string' && !isUnknown(prefix) && prefix.length > MAX_ELB_NAME_PREFIX_LENGTH) return nonCompliant(`name_prefix "${prefix}" has ${prefix.length} characters`);
    return 'compliant';
  },
};
