import { Construct } from 'constructs';
import { CloudfrontDistribution } from '@cdktf/provider-aws/lib/cloudfront-distribution';

/** AWS-managed CloudFront policies (stable ids, no look-up at plan). */
export const MANAGED_POLICIES = {
  cachingOptimized: '658327ea-f89d-4fab-a63d-7e88639e58f6',
  cachingDisabled: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
  allViewer: '216adef6-5c7f-47e4-b989-5492eafa07d3',
} as const;

export interface EdgeProps {
  /** Host names the distribution answers (apex, www, test host). */
  readonly aliases: string[];
  /** Validated us-east-1 certificate covering every alias. */
  readonly certificateArn: string;
  /** DNS name CloudFront reaches the ALB on (covered by the ALB's certificate). */
  readonly originDomainName: string;
  /** Header name and secret value CloudFront sends to the origin. @default undefined (no header) */
  readonly originVerify?: { readonly header: string; readonly value: string };
  /** Path pattern cached long (Next.js hashed assets), e.g. "/_next/static/*". */
  readonly staticPathPattern: string;
  /** e.g. "PriceClass_100". */
  readonly priceClass: string;
  readonly ipv6: boolean;
  /** e.g. "TLSv1.2_2021". */
  readonly minimumProtocolVersion: string;
  /** WAFv2 web ACL (CLOUDFRONT scope). @default undefined */
  readonly webAclArn?: string;
  /** Standard logging bucket domain name (a bucket with ACLs enabled). @default undefined (no standard logs) */
  readonly logsBucketDomainName?: string;
  /** @default "Venture Nudge CDN" */
  readonly comment?: string;
}

/**
 * CloudFront in front of the ALB. Cache and origin-request policies replace the
 * deprecated `forwarded_values`; the app is dynamic, so the default behaviour is
 * uncached and forwards every viewer header, cookie and query string, while
 * hashed static assets are cached long at the edge.
 */
export class Edge extends Construct {
  readonly distributionId: string;
  readonly distributionArn: string;
  readonly domainName: string;
  readonly hostedZoneId: string;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const originId = 'alb';
    const allMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'];
    const cf = new CloudfrontDistribution(this, 'distribution', {
      enabled: true,
      comment: props.comment ?? 'Venture Nudge CDN',
      aliases: props.aliases,
      isIpv6Enabled: props.ipv6,
      httpVersion: 'http2and3',
      priceClass: props.priceClass,
      webAclId: props.webAclArn,
      origin: [
        {
          originId,
          domainName: props.originDomainName,
          customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: 'https-only', originSslProtocols: ['TLSv1.2'], originReadTimeout: 60, originKeepaliveTimeout: 5 },
          customHeader: props.originVerify ? [{ name: props.originVerify.header, value: props.originVerify.value }] : undefined,
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: originId,
        allowedMethods: allMethods,
        cachedMethods: ['GET', 'HEAD'],
        viewerProtocolPolicy: 'redirect-to-https',
        compress: true,
        cachePolicyId: MANAGED_POLICIES.cachingDisabled,
        originRequestPolicyId: MANAGED_POLICIES.allViewer,
      },
      orderedCacheBehavior: [
        {
          pathPattern: props.staticPathPattern,
          targetOriginId: originId,
          allowedMethods: ['GET', 'HEAD', 'OPTIONS'],
          cachedMethods: ['GET', 'HEAD'],
          viewerProtocolPolicy: 'redirect-to-https',
          compress: true,
          cachePolicyId: MANAGED_POLICIES.cachingOptimized,
        },
      ],
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      viewerCertificate: { acmCertificateArn: props.certificateArn, sslSupportMethod: 'sni-only', minimumProtocolVersion: props.minimumProtocolVersion },
      loggingConfig: props.logsBucketDomainName ? { bucket: props.logsBucketDomainName, prefix: 'cloudfront/', includeCookies: false } : undefined,
    });
    this.distributionId = cf.id;
    this.distributionArn = cf.arn;
    this.domainName = cf.domainName;
    this.hostedZoneId = cf.hostedZoneId;
  }
}
