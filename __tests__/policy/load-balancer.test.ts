import { TerraformStack } from 'cdktf';
import { Lb, LbConfig } from '@cdktf/provider-aws/lib/lb';
import { LbListener, LbListenerDefaultAction } from '@cdktf/provider-aws/lib/lb-listener';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { AlbAccessLogsEnabled } from '../../stacks/policy/rules/alb-access-logs-enabled';
import { AlbDropsInvalidHeaders } from '../../stacks/policy/rules/alb-drops-invalid-headers';
import { AlbHttpRedirectsToHttps } from '../../stacks/policy/rules/alb-http-redirects-to-https';
import { AlbListenerTls13Policy } from '../../stacks/policy/rules/alb-listener-tls13-policy';
import { flagged, synthReport, testStack } from './support';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/app/abc';
const REDIRECT: LbListenerDefaultAction = { type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' } };
const FORWARD: LbListenerDefaultAction = { type: 'forward', targetGroupArn: TG };

const lb = (overrides: Partial<LbConfig> = {}) => (s: TerraformStack) =>
  new Lb(s, 'alb', { loadBalancerType: 'application', subnets: ['subnet-1', 'subnet-2'], dropInvalidHeaderFields: true, accessLogs: { bucket: 'vn-alb-logs', enabled: true }, ...overrides });

const listener = (protocol: 'HTTP' | 'HTTPS', extra: { sslPolicy?: string; defaultAction?: LbListenerDefaultAction[] }) => (s: TerraformStack) =>
  new LbListener(s, protocol.toLowerCase(), {
    loadBalancerArn: lb()(s).arn,
    port: protocol === 'HTTPS' ? 443 : 80,
    protocol,
    certificateArn: protocol === 'HTTPS' ? 'arn:aws:acm:eu-west-1:111111111111:certificate/abc' : undefined,
    defaultAction: extra.defaultAction ?? [FORWARD],
    sslPolicy: extra.sslPolicy,
  });

describe('VN-ELB-1 HTTPS listeners use a TLS 1.3 policy', () => {
  test('ELBSecurityPolicy-TLS13-1-2-2021-06 passes', () => expect(flagged(AlbListenerTls13Policy, listener('HTTPS', { sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }))).toEqual([]));
  test('ELBSecurityPolicy-2016-08 is reported', () => expect(flagged(AlbListenerTls13Policy, listener('HTTPS', { sslPolicy: 'ELBSecurityPolicy-2016-08' }))).toEqual(['aws_lb_listener.https']));
  test('an unset policy is reported (the default allows TLS 1.0)', () => expect(flagged(AlbListenerTls13Policy, listener('HTTPS', {}))).toEqual(['aws_lb_listener.https']));
  test('an HTTP listener is not checked', () => expect(flagged(AlbListenerTls13Policy, listener('HTTP', { defaultAction: [REDIRECT] }))).toEqual([]));
});

describe('VN-ELB-2 HTTP listeners redirect to HTTPS', () => {
  test('a redirect to HTTPS passes', () => expect(flagged(AlbHttpRedirectsToHttps, listener('HTTP', { defaultAction: [REDIRECT] }))).toEqual([]));
  test('an HTTP listener that forwards is reported', () => expect(flagged(AlbHttpRedirectsToHttps, listener('HTTP', { defaultAction: [FORWARD] }))).toEqual(['aws_lb_listener.http']));
  test('a redirecting HTTP listener with a forwarding listener rule is reported', () =>
    expect(
      flagged(AlbHttpRedirectsToHttps, (s) => {
        const http = listener('HTTP', { defaultAction: [REDIRECT] })(s);
        new LbListenerRule(s, 'api', { listenerArn: http.arn, priority: 1, condition: [{ pathPattern: { values: ['/api/*'] } }], action: [{ type: 'forward', targetGroupArn: TG }] });
      }),
    ).toEqual(['aws_lb_listener.http']));
  test('an HTTPS listener is not checked', () => expect(flagged(AlbHttpRedirectsToHttps, listener('HTTPS', { sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }))).toEqual([]));
});

describe('VN-ELB-3 ALB drops invalid header fields', () => {
  test('drop_invalid_header_fields true passes', () => expect(flagged(AlbDropsInvalidHeaders, lb())).toEqual([]));
  test('drop_invalid_header_fields unset is reported', () => expect(flagged(AlbDropsInvalidHeaders, lb({ dropInvalidHeaderFields: undefined }))).toEqual(['aws_lb.alb']));
  test('a network load balancer is not checked', () => expect(flagged(AlbDropsInvalidHeaders, lb({ loadBalancerType: 'network', dropInvalidHeaderFields: undefined }))).toEqual([]));
});

describe('VN-ELB-4 ALB access logs', () => {
  test('enabled access logs pass', () => expect(flagged(AlbAccessLogsEnabled, lb())).toEqual([]));
  test('no access logs are reported', () => expect(flagged(AlbAccessLogsEnabled, lb({ accessLogs: undefined }))).toEqual(['aws_lb.alb']));
  test('access logs with a bucket but enabled unset are reported (the default is false)', () => expect(flagged(AlbAccessLogsEnabled, lb({ accessLogs: { bucket: 'vn-alb-logs' } }))).toEqual(['aws_lb.alb']));
  test('missing access logs are a warning outside production', () => {
    const stack = testStack();
    lb({ accessLogs: undefined })(stack);
    const report = synthReport(stack, { rules: [AlbAccessLogsEnabled], environment: 'staging' });
    expect([report.errors.length, report.warnings.map((f) => f.address)]).toEqual([0, ['aws_lb.alb']]);
  });
});
