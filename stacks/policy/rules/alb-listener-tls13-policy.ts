import { isUnknown, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Prefix of the ELB security policies that offer TLS 1.3 (and nothing older than TLS 1.2). */
export const TLS13_POLICY_PREFIX = 'ELBSecurityPolicy-TLS13-';

/** HTTPS/TLS listeners negotiate modern TLS only. */
export const AlbListenerTls13Policy: PolicyRule = {
  id: 'VN-ELB-1',
  level: 'error',
  description: `HTTPS and TLS listeners use an ${TLS13_POLICY_PREFIX}* security policy.`,
  fix: 'Set `sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"` (config: environments.<env>.loadBalancer.sslPolicy).',
  appliesTo: ofTypes('aws_lb_listener', 'aws_alb_listener'),
  check(r) {
    const protocol = r.config.protocol;
    if (protocol !== 'HTTPS' && protocol !== 'TLS') return 'not-applicable';
    const policy = r.config.ssl_policy;
    if (isUnknown(policy)) return 'compliant';
    if (typeof policy !== 'string') return nonCompliant('ssl_policy is not set (the default ELBSecurityPolicy-2016-08 allows TLS 1.0)');
    return policy.startsWith(TLS13_POLICY_PREFIX) ? 'compliant' : nonCompliant(`ssl_policy is "${policy}"`);
  },
};
