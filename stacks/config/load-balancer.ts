/** The ALB in front of the service: TLS policy, protection, CloudFront-only ingress, access logs. */
import { z } from 'zod';

export const LoadBalancerSchema = z
  .object({
    /** HTTPS listener policy. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
    sslPolicy: z.string().regex(/^ELBSecurityPolicy-/, 'must be an ELBSecurityPolicy-* name').default('ELBSecurityPolicy-TLS13-1-2-2021-06'),
    /** @default true (production), false (staging) */
    deletionProtection: z.boolean().default(true),
    /** Accept traffic only from CloudFront (origin-facing prefix list + secret header). @default true */
    cloudfrontOnly: z.boolean().default(true),
    /** Access logs to an S3 bucket. @default true */
    accessLogs: z.boolean().default(true),
  })
  .strict();

export type LoadBalancerConfig = z.infer<typeof LoadBalancerSchema>;

/** The schema's defaults, production's: TLS 1.3 policy, deletion protection, reachable from CloudFront only, access logs. */
export const LOAD_BALANCER_DEFAULTS: Readonly<LoadBalancerConfig> = LoadBalancerSchema.parse({});

/** Staging's load balancer can be deleted. */
export const STAGING_LOAD_BALANCER: Readonly<Partial<LoadBalancerConfig>> = { deletionProtection: false };
