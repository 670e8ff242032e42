import { INGRESS_RESOURCE_TYPES, openIngress } from '../ingress';
import { nonCompliant, ofTypes, PolicyRule } from '../rule';

/**
 * With CloudFront in front, an ALB open to the internet lets clients bypass
 * the CDN and the WAF attached to it.
 */
export const AlbIngressFromCloudFrontOnly: PolicyRule = {
  id: 'VN-EC2-2',
  level: 'warning',
  description: 'When the stack has a CloudFront distribution, the ALB accepts 80/443 only from the CloudFront origin-facing prefix list, not from 0.0.0.0/0.',
  fix: 'Use `prefixListId` = the com.amazonaws.global.cloudfront.origin-facing prefix list (config: environments.<env>.loadBalancer.cloudfrontOnly: true) instead of `cidrIpv4: "0.0.0.0/0"`.',
  appliesTo: ofTypes(...INGRESS_RESOURCE_TYPES),
  check(r, context) {
    if (context.ofType('aws_cloudfront_distribution').length === 0) return 'not-applicable';
    const open = openIngress(r, context).filter((o) => o.albWebPort);
    if (open.length === 0) return 'not-applicable';
    return nonCompliant(`ALB admits ${open.map((o) => o.summary).join('; ')} although CloudFront fronts it`);
  },
};
