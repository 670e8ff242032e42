import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Malformed headers (a request-smuggling vector) never reach the app. */
export const AlbDropsInvalidHeaders: PolicyRule = {
  id: 'VN-ELB-3',
  level: 'error',
  description: 'Application load balancers drop invalid HTTP header fields.',
  fix: 'Set `dropInvalidHeaderFields: true` on the `Lb`.',
  appliesTo: ofTypes('aws_lb', 'aws_alb'),
  check(r) {
    if ((r.config.load_balancer_type ?? 'application') !== 'application') return 'not-applicable';
    const v = boolOf(r.config.drop_invalid_header_fields);
    return v === true || v === 'unknown' ? 'compliant' : nonCompliant('drop_invalid_header_fields is not true');
  },
};
