import { blocks, boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Every request that reached the load balancer can be investigated afterwards. */
export const AlbAccessLogsEnabled: PolicyRule = {
  id: 'VN-ELB-4',
  level: 'error',
  outsideProduction: 'warning',
  description: 'Load balancers write access logs to S3.',
  fix: 'Set `accessLogs: { bucket, prefix, enabled: true }` on the `Lb` (config: environments.<env>.loadBalancer.accessLogs; LoadBalancer prop `accessLogsBucket`); the bucket must use SSE-S3 and its policy must allow ELB log delivery.',
  appliesTo: ofTypes('aws_lb', 'aws_alb'),
  check(r) {
    const logs = blocks(r.config.access_logs)[0];
    if (!logs) return nonCompliant('access_logs is not configured');
    const enabled = boolOf(logs.enabled);
    if (enabled === false || enabled === undefined) return nonCompliant('access_logs.enabled is not true (the provider default is false)');
    return logs.bucket ? 'compliant' : nonCompliant('access_logs.bucket is empty');
  },
};
