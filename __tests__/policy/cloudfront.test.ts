import { TerraformStack } from 'cdktf';
import { CloudfrontDistribution, CloudfrontDistributionConfig } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CloudFrontTlsMinimum } from '../../stacks/policy/rules/cloudfront-tls-minimum';
import { CloudFrontViewerHttps } from '../../stacks/policy/rules/cloudfront-viewer-https';
import { CloudFrontWafAttached } from '../../stacks/policy/rules/cloudfront-waf-attached';
import { details, flagged } from './support';

const CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/abc';
const behaviour = { targetOriginId: 'alb', allowedMethods: ['GET', 'HEAD'], cachedMethods: ['GET', 'HEAD'], viewerProtocolPolicy: 'redirect-to-https' };

const cdn = (overrides: Partial<CloudfrontDistributionConfig> = {}) => (s: TerraformStack) =>
  new CloudfrontDistribution(s, 'cdn', {
    enabled: true,
    aliases: ['venturenudge.com'],
    webAclId: 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/vn/abc',
    origin: [{ originId: 'alb', domainName: 'origin.venturenudge.com', customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: 'https-only', originSslProtocols: ['TLSv1.2'] } }],
    defaultCacheBehavior: behaviour,
    orderedCacheBehavior: [{ ...behaviour, pathPattern: '/_next/static/*' }],
    restrictions: { geoRestriction: { restrictionType: 'none' } },
    viewerCertificate: { acmCertificateArn: CERT, sslSupportMethod: 'sni-only', minimumProtocolVersion: 'TLSv1.2_2021' },
    ...overrides,
  });

describe('VN-CF-1 viewer TLS minimum', () => {
  test('TLSv1.2_2021 passes', () => expect(flagged(CloudFrontTlsMinimum, cdn())).toEqual([]));
  test('TLSv1.2_2019 is reported', () =>
    expect(flagged(CloudFrontTlsMinimum, cdn({ viewerCertificate: { acmCertificateArn: CERT, sslSupportMethod: 'sni-only', minimumProtocolVersion: 'TLSv1.2_2019' } }))).toEqual([
      'aws_cloudfront_distribution.cdn',
    ]));
  test('the default cloudfront.net certificate is reported', () => expect(flagged(CloudFrontTlsMinimum, cdn({ viewerCertificate: { cloudfrontDefaultCertificate: true } }))).toEqual(['aws_cloudfront_distribution.cdn']));
});

describe('VN-CF-2 WAF web ACL', () => {
  test('a distribution with web_acl_id passes', () => expect(flagged(CloudFrontWafAttached, cdn())).toEqual([]));
  test('a distribution without one is reported', () => expect(flagged(CloudFrontWafAttached, cdn({ webAclId: undefined }))).toEqual(['aws_cloudfront_distribution.cdn']));
});

describe('VN-CF-3 viewer protocol HTTPS on every behaviour', () => {
  test('redirect-to-https everywhere passes', () => expect(flagged(CloudFrontViewerHttps, cdn())).toEqual([]));
  test('https-only passes', () => expect(flagged(CloudFrontViewerHttps, cdn({ defaultCacheBehavior: { ...behaviour, viewerProtocolPolicy: 'https-only' } }))).toEqual([]));
  test('an ordered behaviour allowing all is reported by path pattern', () =>
    expect(details(CloudFrontViewerHttps, cdn({ orderedCacheBehavior: [{ ...behaviour, pathPattern: '/public/*', viewerProtocolPolicy: 'allow-all' }] }))).toEqual([
      'ordered_cache_behavior "/public/*" allows allow-all',
    ]));
  test('a default behaviour allowing all is reported', () =>
    expect(flagged(CloudFrontViewerHttps, cdn({ defaultCacheBehavior: { ...behaviour, viewerProtocolPolicy: 'allow-all' } }))).toEqual(['aws_cloudfront_distribution.cdn']));
});
