import { Construct } from 'constructs';
import { AwsProvider, AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';

/**
 * How the provider block is written. Everything else in a stack is identical
 * across modes (a test holds us to that).
 * - `aws`: the real thing; credentials come from the usual AWS chain.
 * - `offline`: adds the skip flags so `terraform validate`/`plan` run with no
 *   network (keys come from the environment, never from the JSON).
 * - `rehearsal`: every service endpoint points at a local AWS API (moto).
 */
export type ProviderMode =
  | { readonly kind: 'aws' }
  | { readonly kind: 'offline' }
  | { readonly kind: 'rehearsal'; readonly endpoint: string };

/** AWS services the stacks use, as provider `endpoints` keys. */
export const REHEARSAL_SERVICES = [
  'acm', 'applicationautoscaling', 'budgets', 'cloudfront', 'cloudwatch', 'cloudwatchlogs', 'ec2', 'ecr', 'ecs',
  'elbv2', 'iam', 'kms', 'rds', 'route53', 's3', 'secretsmanager', 'sns', 'ssm', 'sts', 'wafv2',
] as const;

export interface ProvidersProps {
  /** Region of the default provider. */
  readonly region: string;
  /** Tags applied to every resource. */
  readonly defaultTags: Record<string, string>;
  /** @default { kind: 'aws' } */
  readonly mode?: ProviderMode;
}

/** The default provider (stack region) and the us-east-1 alias that CloudFront's certificate and WAF need. */
export class Providers extends Construct {
  readonly regional: AwsProvider;
  readonly usEast1: AwsProvider;

  constructor(scope: Construct, id: string, props: ProvidersProps) {
    super(scope, id);
    const extra = providerModeSettings(props.mode ?? { kind: 'aws' });
    const base: AwsProviderConfig = { defaultTags: [{ tags: props.defaultTags }], ...extra };
    this.regional = new AwsProvider(this, 'aws', { ...base, region: props.region });
    this.usEast1 = new AwsProvider(this, 'aws_us_east_1', { ...base, region: 'us-east-1', alias: 'us_east_1' });
  }
}

function providerModeSettings(mode: ProviderMode): Partial<AwsProviderConfig> {
  switch (mode.kind) {
    case 'aws':
      return {};
    case 'offline':
      return { skipCredentialsValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: 'true', skipRegionValidation: true };
    case 'rehearsal':
      // skip_requesting_account_id stays off: moto's STS answers 123456789012, and
      // without it SG rule ids and budgets ids drift (see README, rehearsal).
      // max_retries: an operation moto does not implement answers HTTP 500, which the
      // SDK would retry for ~10 minutes; fail in seconds with the error instead.
      return {
        skipCredentialsValidation: true,
        skipMetadataApiCheck: 'true',
        skipRegionValidation: true,
        s3UsePathStyle: true,
        maxRetries: 3,
        endpoints: [Object.fromEntries(REHEARSAL_SERVICES.map((s) => [s, mode.endpoint]))],
      };
  }
}

/** Reads the provider mode from the environment (VN_PROVIDER_MODE=offline|rehearsal, VN_REHEARSAL_ENDPOINT). */
export function providerModeFromEnv(env: NodeJS.ProcessEnv = process.env): ProviderMode {
  const kind = env.VN_PROVIDER_MODE ?? 'aws';
  if (kind === 'aws' || kind === 'offline') return { kind };
  if (kind === 'rehearsal') {
    const endpoint = env.VN_REHEARSAL_ENDPOINT;
    if (!endpoint || !/^http:\/\/127\.0\.0\.1:\d+$/.test(endpoint)) {
      throw new Error('VN_REHEARSAL_ENDPOINT must be http://127.0.0.1:<port> in rehearsal mode');
    }
    return { kind, endpoint };
  }
  throw new Error(`VN_PROVIDER_MODE: unknown mode "${kind}"; use aws, offline or rehearsal`);
}
