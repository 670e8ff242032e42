/** The VPC: address range, availability zones, NAT gateways, flow logs. */
import { z } from 'zod';
import { AZ, CIDR, retention } from './fields';

export const NetworkSchema = z
  .object({
    /** VPC CIDR block. @default "10.0.0.0/16" (production), "10.1.0.0/16" (staging) */
    cidr: z.string().regex(CIDR, 'must be an IPv4 CIDR such as 10.0.0.0/16').default('10.0.0.0/16'),
    /** Availability zones, named explicitly so synth and plan need no AWS look-up. @default ["<region>a", "<region>b"] */
    availabilityZones: z.array(z.string().regex(AZ, 'must be an availability zone name such as us-east-1a')).min(2, 'needs at least 2 availability zones (ALB and Multi-AZ RDS require 2)'),
    /** One NAT gateway per AZ (resilient) or a single shared one (cheaper). @default true (production), false (staging) */
    natGatewayPerAz: z.boolean().default(true),
    /** VPC flow logs retention in days. @default 30 (production), 7 (staging) */
    flowLogRetentionDays: retention.default(30),
  })
  .strict()
  .superRefine((n, ctx) => {
    const prefix = Number(n.cidr.split('/')[1]);
    if (prefix > 20 || prefix < 16) ctx.addIssue({ code: 'custom', path: ['cidr'], message: `prefix /${prefix} must be between /16 and /20 (subnets are carved as prefix+4)` });
    if (n.availabilityZones.length > 4) ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'at most 4 availability zones are supported' });
    if (new Set(n.availabilityZones).size !== n.availabilityZones.length) ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'availability zones must be distinct' });
  });

export type NetworkConfig = z.infer<typeof NetworkSchema>;

/** Production's network in `region`: the first two zones, a NAT gateway in each. */
export function networkDefaults(region: string): NetworkConfig {
  return NetworkSchema.parse({ availabilityZones: [`${region}a`, `${region}b`] });
}

/** Staging's network: its own range (peerable with production's), one shared NAT gateway, a week of flow logs. */
export const STAGING_NETWORK: Readonly<Partial<NetworkConfig>> = { cidr: '10.1.0.0/16', natGatewayPerAz: false, flowLogRetentionDays: 7 };
