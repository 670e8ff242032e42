import { Construct } from 'constructs';
import { jsonDocument } from './json-document';
import { Fn } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';

/** Elastic Load Balancing's log-delivery account per region (regions older than August 2022). */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
  'eu-west-1': '156460612806',
  'eu-central-1': '054676820928',
};

export interface PrivateBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Versioning (noncurrent versions expire after `noncurrentDays`). @default true */
  readonly versioned?: boolean;
  /** Move objects to S3 Intelligent-Tiering on upload. @default false */
  readonly intelligentTiering?: boolean;
  /** Expire current objects after N days; 0 keeps them. @default 0 */
  readonly expireDays?: number;
  /** @default 30 */
  readonly noncurrentDays?: number;
  /** Extra bucket policy statements (the TLS-only deny is always present). @default [] */
  readonly policyStatements?: Record<string, unknown>[];
  /** Let `terraform destroy` delete a non-empty bucket. @default false */
  readonly forceDestroy?: boolean;
}

/**
 * A private S3 bucket: public access blocked, owner-enforced, encrypted (SSE-S3,
 * which ALB access logs require), TLS-only.
 */
export class PrivateBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly bucketDomainName: string;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    this.bucketArn = bucket.arn;
    this.bucketDomainName = bucket.bucketDomainName;
    const block = new S3BucketPublicAccessBlock(this, 'public-access-block', { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new S3BucketOwnershipControls(this, 'ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfiguration(this, 'encryption', { bucket: bucket.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }] });
    const versioned = props.versioned ?? true;
    if (versioned) new S3BucketVersioning(this, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    const rules: S3BucketLifecycleConfigurationRule[] = [{ id: 'abort-incomplete-uploads', status: 'Enabled', filter: [{}], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] }];
    if (props.intelligentTiering) rules.push({ id: 'intelligent-tiering', status: 'Enabled', filter: [{}], transition: [{ days: 0, storageClass: 'INTELLIGENT_TIERING' }] });
    if (versioned) rules.push({ id: 'expire-noncurrent', status: 'Enabled', filter: [{}], noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentDays ?? 30 }] });
    if ((props.expireDays ?? 0) > 0) rules.push({ id: 'expire', status: 'Enabled', filter: [{}], expiration: [{ days: props.expireDays }] });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', { bucket: bucket.id, rule: rules });
    const policy = new S3BucketPolicy(this, 'policy', {
      bucket: bucket.id,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucket.arn, `${bucket.arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          ...(props.policyStatements ?? []),
        ],
      }),
      dependsOn: [block],
    });
    // The name, with an implicit dependency on the policy: writers (ALB logs) need it in place first.
    this.bucketName = Fn.element(Fn.tolist([bucket.bucket, policy.id]), 0);
  }
}

/** Statement letting Elastic Load Balancing write access logs under `prefix/`. */
export function albLogDeliveryStatement(region: string, bucketArn: string, prefix: string): Record<string, unknown> {
  const account = ELB_LOG_ACCOUNTS[region];
  return {
    Sid: 'AlbAccessLogs',
    Effect: 'Allow',
    Principal: account ? { AWS: `arn:aws:iam::${account}:root` } : { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
    Action: 's3:PutObject',
    Resource: `${bucketArn}/${prefix}/*`,
  };
}
