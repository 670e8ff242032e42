import { blocks, isUnknown, nonCompliant, ofTypes, PolicyRule } from '../rule';

const HTTPS_POLICIES = ['redirect-to-https', 'https-only'];

/** No page, API call or cookie travels between browser and CDN in plain text. */
export const CloudFrontViewerHttps: PolicyRule = {
  id: 'VN-CF-3',
  level: 'error',
  description: 'Every CloudFront cache behaviour has viewer_protocol_policy redirect-to-https or https-only.',
  fix: 'Set `viewerProtocolPolicy: "redirect-to-https"` on the default and on every ordered cache behaviour.',
  appliesTo: ofTypes('aws_cloudfront_distribution'),
  check(r) {
    const behaviours = [
      ...blocks(r.config.default_cache_behavior).map((b) => ({ name: 'default_cache_behavior', policy: b.viewer_protocol_policy })),
      ...blocks(r.config.ordered_cache_behavior).map((b) => ({ name: `ordered_cache_behavior "${b.path_pattern}"`, policy: b.viewer_protocol_policy })),
    ];
    const plain = behaviours.filter((b) => !isUnknown(b.policy) && !HTTPS_POLICIES.includes(b.policy));
    return plain.length === 0 ? 'compliant' : nonCompliant(plain.map((b) => `${b.name} allows ${b.policy ?? 'an unset policy'}`).join('; '));
  },
};
