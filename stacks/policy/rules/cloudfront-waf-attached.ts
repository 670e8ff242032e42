import { nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Common exploits, bad bots and floods are filtered at the edge. */
export const CloudFrontWafAttached: PolicyRule = {
  id: 'VN-CF-2',
  level: 'error',
  description: 'CloudFront distributions have a WAFv2 web ACL (web_acl_id).',
  fix: 'Create a `Wafv2WebAcl` with scope CLOUDFRONT in us-east-1 (stacks/web-acl.ts: managed rule sets + rate limit) and pass its ARN as `webAclId` (Edge prop `webAclArn`).',
  appliesTo: ofTypes('aws_cloudfront_distribution'),
  check(r) {
    const acl = r.config.web_acl_id;
    return acl === undefined || acl === null || acl === '' ? nonCompliant('web_acl_id is not set') : 'compliant';
  },
};
