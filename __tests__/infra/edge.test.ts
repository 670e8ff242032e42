import { MANAGED_POLICIES } from '../../stacks/edge';
import { onlyResource, parseJsonAttr, resourcesOf, synthEnvironment } from '../support/synth';

describe('Edge', () => {
  const json = synthEnvironment();
  const cf = onlyResource(json, 'aws_cloudfront_distribution');

  test('answers for the apex, www and the aws. test host', () => {
    expect(cf.aliases).toEqual(['venturenudge.com', 'www.venturenudge.com', 'aws.venturenudge.com']);
  });

  test('has no default_root_object (the guide\'s "/" is invalid) and no deprecated forwarded_values', () => {
    expect(cf).not.toHaveProperty('default_root_object');
    expect(JSON.stringify(cf)).not.toContain('forwarded_values');
  });

  test('does not cache dynamic pages and forwards every viewer header, cookie and query string', () => {
    expect(cf.default_cache_behavior).toMatchObject({ cache_policy_id: MANAGED_POLICIES.cachingDisabled, origin_request_policy_id: MANAGED_POLICIES.allViewer, compress: true, viewer_protocol_policy: 'redirect-to-https' });
    expect(cf.default_cache_behavior.allowed_methods).toEqual(expect.arrayContaining(['POST', 'PUT', 'PATCH', 'DELETE']));
  });

  test('caches /_next/static/* long at the edge, compressed', () => {
    expect(cf.ordered_cache_behavior).toEqual([expect.objectContaining({ path_pattern: '/_next/static/*', cache_policy_id: MANAGED_POLICIES.cachingOptimized, compress: true, viewer_protocol_policy: 'redirect-to-https' })]);
  });

  test('uses the us-east-1 certificate with SNI and TLSv1.2_2021 minimum', () => {
    expect(cf.viewer_certificate).toMatchObject({ ssl_support_method: 'sni-only', minimum_protocol_version: 'TLSv1.2_2021' });
    expect(cf.viewer_certificate.acm_certificate_arn).toMatch(/aws_acm_certificate_validation\.edge-certificate/);
  });

  test('reaches the ALB over HTTPS on the origin host with the secret header', () => {
    const [origin] = cf.origin;
    expect(origin.domain_name).toBe('origin.venturenudge.com');
    expect(origin.custom_origin_config).toMatchObject({ origin_protocol_policy: 'https-only', origin_ssl_protocols: ['TLSv1.2'] });
    expect(origin.custom_header).toEqual([{ name: 'X-Origin-Verify', value: '${var.origin_verify_secret}' }]);
  });

  test('is protected by the WAF web ACL', () => {
    expect(cf.web_acl_id).toMatch(/aws_wafv2_web_acl\..*\.arn/);
  });

  test('issues the certificate for apex and wildcard in us-east-1 with DNS validation', () => {
    const cert = onlyResource(json, 'aws_acm_certificate');
    expect(cert).toMatchObject({ domain_name: 'venturenudge.com', subject_alternative_names: ['*.venturenudge.com'], validation_method: 'DNS', provider: 'aws.us_east_1' });
    expect(onlyResource(json, 'aws_acm_certificate_validation').provider).toBe('aws.us_east_1');
  });

  test('validates the certificate with a record that plan can key statically (no for_each over unknown values)', () => {
    const validation = Object.values(resourcesOf(json, 'aws_route53_record')).filter((r) => String(r.name).includes('domain_validation_options'));
    expect(validation).toHaveLength(1);
    expect(validation[0]).not.toHaveProperty('for_each');
    expect(validation[0].name).toContain('if o.domain_name == "venturenudge.com"');
  });

  test('uses a separate regional certificate for the ALB outside us-east-1', () => {
    const eu = synthEnvironment({ region: 'eu-west-1', environments: { production: { edge: { cloudfrontPrefixListId: 'pl-4fa04526' } }, staging: null } } as any);
    const certs = Object.values(resourcesOf(eu, 'aws_acm_certificate'));
    expect(certs.map((c) => c.provider ?? 'default').sort()).toEqual(['aws.us_east_1', 'default']);
  });

  test('WAF uses the AWS managed common, known-bad-inputs and IP-reputation groups plus a rate limit, in us-east-1', () => {
    const acl = onlyResource(json, 'aws_wafv2_web_acl');
    expect(acl).toMatchObject({ scope: 'CLOUDFRONT', provider: 'aws.us_east_1', default_action: { allow: {} } });
    const names = acl.rule.map((r: any) => r.statement.managed_rule_group_statement?.name ?? r.name);
    expect(names).toEqual(['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'rate-limit-per-ip']);
    expect(acl.rule[3].statement.rate_based_statement).toEqual({ limit: 2000, aggregate_key_type: 'IP' });
  });

  test('writes CloudFront standard logs to a private bucket whose ACLs CloudFront can use', () => {
    const dist = onlyResource(json, 'aws_cloudfront_distribution');
    expect(dist.logging_config).toMatchObject({ prefix: 'cloudfront/', include_cookies: false });
    expect(dist.logging_config.bucket).toMatch(/aws_s3_bucket\.cdn-logs_bucket_.*\.bucket_domain_name/);
    const ownership = Object.entries(resourcesOf(json, 'aws_s3_bucket_ownership_controls')).find(([id]) => id.startsWith('cdn-logs'))![1];
    expect(ownership.rule.object_ownership).toBe('BucketOwnerPreferred');
    const lifecycle = Object.entries(resourcesOf(json, 'aws_s3_bucket_lifecycle_configuration')).find(([id]) => id.startsWith('cdn-logs'))![1];
    expect(lifecycle.rule.find((r: any) => r.id === 'expire').expiration).toEqual([{ days: 30 }]);
  });

  test('collects WAF logs in an encrypted us-east-1 log group that only this account\'s log delivery may write', () => {
    const group = Object.values(resourcesOf(json, 'aws_cloudwatch_log_group')).find((g) => g.name === 'aws-waf-logs-venture-nudge-production');
    expect(group).toMatchObject({ provider: 'aws.us_east_1', retention_in_days: 30 });
    expect(group.kms_key_id).toMatch(/aws_kms_key/);
    const logging = onlyResource(json, 'aws_wafv2_web_acl_logging_configuration');
    expect(logging.resource_arn).toMatch(/aws_wafv2_web_acl\..*\.arn/);
    expect(logging.log_destination_configs).toEqual([expect.stringMatching(/aws_cloudwatch_log_group\.web-acl_logs_.*\.arn/)]);
    const policy = parseJsonAttr(onlyResource(json, 'aws_cloudwatch_log_resource_policy').policy_document);
    expect(policy.Statement[0]).toMatchObject({ Principal: { Service: 'delivery.logs.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': expect.any(String) } } });
  });

  test('collects no CloudFront or WAF logs when edge.accessLogs is off', () => {
    const off = synthEnvironment({ environments: { production: { edge: { accessLogs: false } } } });
    expect(onlyResource(off, 'aws_cloudfront_distribution')).not.toHaveProperty('logging_config');
    expect(resourcesOf(off, 'aws_wafv2_web_acl_logging_configuration')).toEqual({});
  });
});

