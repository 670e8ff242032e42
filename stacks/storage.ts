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

/**
 * Elastic Load Balancing's log-delivery account for every region opened before August 2022
 * (AWS: "Enable access logs for your Application Load Balancer", step 2). Regions opened
 * since then accept only the log-delivery service principal.
 */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '127311923021',
  'us-east-2': '033677994240',
  'us-west-1': '027434742980',
  'us-west-2': '797873946194',
  'af-south-1': '098369216593',
  'ap-east-1': '754344448648',
  'ap-south-1': '718504428378',
  'ap-northeast-1': '582318560864',
  'ap-northeast-2': '600734575887',
  'ap-northeast-3': '383597477331',
  'ap-southeast-1': '114774131450',
  'ap-southeast-2': '783225319266',
  'ap-southeast-3': '589379963580',
  'ca-central-1': '985666609251',
  'eu-central-1': '054676820928',
  'eu-west-1': '156460612806',
  'eu-west-2': '652711504416',
  'eu-west-3': '009996457667',
  'eu-south-1': '635631232127',
  'eu-north-1': '897822967062',
  'me-south-1': '076674570225',
  'sa-east-1': '507241528517',
};

/** Service principal that delivers ELB access logs in regions opened since August 2022. */
export const ELB_LOG_DELIVERY_PRINCIPAL = 'logdelivery.elasticloadbalancing.amazonaws.com';

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
  /**
   * Object ownership. `BucketOwnerPreferred` keeps ACLs usable, which CloudFront standard
   * logging needs (it grants itself write access by ACL). @default "BucketOwnerEnforced" (ACLs off)
   */
  readonly objectOwnership?: 'BucketOwnerEnforced' | 'BucketOwnerPreferred';
}

/**
 * A private S3 bucket: public access blocked, owner-enforced, encrypted (SSE-S3,
 * which ALB access logs require), TLS-only.
 */
export class PrivateBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** Domain name, with an implicit dependency on the ownership controls and the policy (log writers need them first). */
  readonly bucketDomainName: string;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    this.bucketArn = bucket.arn;
    const block = new S3BucketPublicAccessBlock(this, 'public-access-block', { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    const ownership = new S3BucketOwnershipControls(this, 'ownership', { bucket: bucket.id, rule: { objectOwnership: props.objectOwnership ?? 'BucketOwnerEnforced' } });
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
    this.bucketDomainName = Fn.element(Fn.tolist([bucket.bucketDomainName, policy.id, ownership.id]), 0);
  }
}

/** Statement letting Elastic Load Balancing write access logs under `prefix/`. */
export function albLogDeliveryStatement(region: string, bucketArn: string, prefix: string): Record<string, unknown> {
  const account = ELB_LOG_ACCOUNTS[region];
  return {
    Sid: 'AlbAccessLogs',
    Effect: 'Allow',
    Principal: account ? { AWS: `arn:aws:iam::${account}:root` } : { Service: ELB_LOG_DELIVERY_PRINCIPAL },
    Action: 's3:PutObject',
    Resource: `${bucketArn}/${prefix}/*`,
  };
}
