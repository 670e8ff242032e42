/** CloudFront in front of the ALB, and its WAF: price class, TLS, caching, origin host, rate limit, logs. */
import { z } from 'zod';
import { LABEL, retention } from './fields';

/** CloudFront origin-facing managed prefix list ids (`com.amazonaws.global.cloudfront.origin-facing`). */
export const CLOUDFRONT_ORIGIN_PREFIX_LISTS: Readonly<Record<string, string>> = {
  'us-east-1': 'pl-3b927c52',
};

export const EdgeSchema = z
  .object({
    /** @default "PriceClass_100" */
    priceClass: z.enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All']).default('PriceClass_100'),
    /** IPv6 on CloudFront (AAAA aliases are published once all weight is on AWS). @default true */
    ipv6: z.boolean().default(true),
    /** @default "TLSv1.2_2021" */
    minimumProtocolVersion: z.enum(['TLSv1.2_2021', 'TLSv1.2_2019', 'TLSv1.2_2018']).default('TLSv1.2_2021'),
    /** Path pattern cached long at the edge. @default "/_next/static/*" */
    staticPathPattern: z.string().min(1).default('/_next/static/*'),
    /** Id of the CloudFront origin-facing managed prefix list in the region (no look-up at plan). @default undefined (the region's id in CLOUDFRONT_ORIGIN_PREFIX_LISTS) */
    cloudfrontPrefixListId: z.string().regex(/^pl-[0-9a-f]+$/, 'must be a prefix list id such as pl-3b927c52').optional(),
    /** Host name (label under the domain) that CloudFront uses to reach the ALB. @default "origin" */
    originLabel: z.string().regex(LABEL, 'must be a single DNS label').default('origin'),
    /** WAF rate limit per 5 minutes per IP; 0 disables the rate rule. @default 2000 */
    wafRateLimit: z.number().int().min(0).default(2000),
    /** Collect CloudFront standard logs (S3 bucket) and WAF logs (CloudWatch Logs, us-east-1). @default true */
    accessLogs: z.boolean().default(true),
    /** Days CloudFront and WAF logs are kept. @default 30 (production), 7 (staging) */
    logRetentionDays: retention.default(30),
  })
  .strict();

export type EdgeConfig = z.infer<typeof EdgeSchema>;

/** The schema's defaults, production's: North America and Europe, IPv6, TLS 1.2 (2021), Next.js static files cached, WAF rate rule, logs. */
export const EDGE_DEFAULTS: Readonly<EdgeConfig> = EdgeSchema.parse({});

/** Staging's edge keeps its logs a week. */
export const STAGING_EDGE: Readonly<Partial<EdgeConfig>> = { logRetentionDays: 7 };
