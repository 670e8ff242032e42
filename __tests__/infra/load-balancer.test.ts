import { onlyResource, refsIn, resourceNamed, resourcesOf, synthEnvironment } from '../support/synth';

describe('LoadBalancer', () => {
  const json = synthEnvironment();
  const alb = onlyResource(json, 'aws_lb');
  const listeners = Object.values(resourcesOf(json, 'aws_lb_listener'));
  const https = listeners.find((l) => l.protocol === 'HTTPS');
  const http = listeners.find((l) => l.protocol === 'HTTP');

  test('is internet-facing in the public subnets and drops invalid header fields', () => {
    expect(alb).toMatchObject({ internal: false, load_balancer_type: 'application', drop_invalid_header_fields: true, enable_deletion_protection: true });
    expect(refsIn(alb.subnets).every((r) => r.includes('network_public'))).toBe(true);
  });

  test('listens on HTTPS with a TLS 1.3 policy and the validated certificate', () => {
    expect(https).toMatchObject({ port: 443, ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    expect(https.certificate_arn).toMatch(/aws_acm_certificate_validation\./);
  });

  test('redirects HTTP to HTTPS', () => {
    expect(http.default_action[0]).toMatchObject({ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } });
  });

  test('health-checks targets on /api/health', () => {
    expect(onlyResource(json, 'aws_lb_target_group')).toMatchObject({ port: 3000, target_type: 'ip', health_check: { path: '/api/health', matcher: '200' } });
  });

  test('accepts traffic only from CloudFront origin-facing addresses', () => {
    const ingress = Object.entries(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).filter(([id]) => id.startsWith('load-balancer_'));
    expect(ingress.length).toBeGreaterThan(0);
    for (const [, r] of ingress) {
      expect(r.prefix_list_id).toBe('pl-3b927c52');
      expect(r).not.toHaveProperty('cidr_ipv4');
    }
  });

  test('references the CloudFront prefix list once (HTTPS only), keeping the group under its 60-rule quota', () => {
    const ingress = Object.entries(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).filter(([id]) => id.startsWith('load-balancer_'));
    expect(ingress.map(([, r]) => r.from_port)).toEqual([443]);
  });

  test('its security group has a name prefix, so a replacement does not fail with InvalidGroup.Duplicate', () => {
    const sg = Object.entries(resourcesOf(json, 'aws_security_group')).find(([id]) => id.startsWith('load-balancer_'))![1];
    expect(sg).not.toHaveProperty('name');
    expect(sg).toMatchObject({ name_prefix: 'venture-nudge-production-alb-', lifecycle: { create_before_destroy: true } });
  });

  test('forwards only requests carrying the CloudFront secret header; anything else gets 403', () => {
    expect(https.default_action[0]).toMatchObject({ type: 'fixed-response', fixed_response: { status_code: '403' } });
    const rule = onlyResource(json, 'aws_lb_listener_rule');
    expect(rule.condition[0].http_header.http_header_name).toBe('X-Origin-Verify');
    expect(refsIn(rule.condition[0].http_header.values)[0]).toContain('var.origin_verify_secret');
    expect(rule.action[0].type).toBe('forward');
  });

  test('accepts the current and, during a rotation, the previous origin secret, so requests keep flowing while CloudFront deploys the new one', () => {
    const rule = onlyResource(json, 'aws_lb_listener_rule');
    expect(rule.condition[0].http_header.values).toBe('${concat([var.origin_verify_secret], var.origin_verify_secret_previous)}');
    const previous = json.variable!.origin_verify_secret_previous;
    expect(previous).toMatchObject({ sensitive: true, type: 'list(string)', default: [] });
    expect(previous.validation[0].condition).toContain('length(s) >= 32');
  });

  test('CloudFront sends only the current origin secret', () => {
    const origin = onlyResource(json, 'aws_cloudfront_distribution').origin[0];
    expect(origin.custom_header).toEqual([{ name: 'X-Origin-Verify', value: '${var.origin_verify_secret}' }]);
  });

  test('takes the origin secret from a sensitive variable of at least 32 characters', () => {
    const v = json.variable!.origin_verify_secret;
    expect(v).toMatchObject({ sensitive: true, type: 'string', nullable: false });
    expect(v.validation[0].condition).toContain('length(var.origin_verify_secret) >= 32');
    expect(v).not.toHaveProperty('default');
  });

  test('writes access logs to the private logs bucket', () => {
    expect(alb.access_logs).toMatchObject({ enabled: true, prefix: 'alb' });
    expect(alb.access_logs.bucket).toMatch(/aws_s3_bucket\.alb-logs_bucket/);
  });

  test('publishes the origin host CloudFront connects to as an alias of the ALB', () => {
    const origin = resourceNamed(json, 'aws_route53_record', 'origin-alias');
    expect(origin).toMatchObject({ name: 'origin.venturenudge.com', type: 'A' });
    expect(origin.alias.name).toMatch(/aws_lb\..*dns_name/);
  });

  test('opens to the internet without the header rule when cloudfrontOnly is off', () => {
    const open = synthEnvironment({ environments: { production: { loadBalancer: { cloudfrontOnly: false } } } });
    const ingress = Object.entries(resourcesOf(open, 'aws_vpc_security_group_ingress_rule')).filter(([id]) => id.startsWith('load-balancer_'));
    expect(ingress.every(([, r]) => r.cidr_ipv4 === '0.0.0.0/0')).toBe(true);
    expect(ingress.map(([, r]) => r.from_port).sort()).toEqual([443, 80]);
    expect(resourcesOf(open, 'aws_lb_listener_rule')).toEqual({});
    expect(open.variable ?? {}).not.toHaveProperty('origin_verify_secret');
    expect(open.variable ?? {}).not.toHaveProperty('origin_verify_secret_previous');
  });
});
