import { blocks, nonCompliant, ofTypes, pointsAt, PolicyRule } from '../rule';

/**
 * Since January 2023 S3 encrypts every new object with SSE-S3 even without a
 * configuration, so a missing configuration is not plaintext data: the rule is
 * a warning that asks for the encryption to be explicit in code (visible in
 * review, and where a KMS key is intended, actually used).
 */
export const S3BucketEncryptionConfigured: PolicyRule = {
  id: 'VN-S3-1',
  level: 'warning',
  description: 'S3 buckets declare their default encryption (aws_s3_bucket_server_side_encryption_configuration).',
  fix: 'Add an `S3BucketServerSideEncryptionConfigurationA` for the bucket with `sseAlgorithm: "aws:kms"` (and a key) or "AES256"; for ALB access-log buckets AES256 (SSE-S3) is the only supported option.',
  appliesTo: ofTypes('aws_s3_bucket'),
  check(bucket, context) {
    if (blocks(bucket.config.server_side_encryption_configuration).length > 0) return 'compliant';
    const configured = context.ofType('aws_s3_bucket_server_side_encryption_configuration').some((c) => pointsAt(c.config.bucket, bucket, 'bucket'));
    return configured ? 'compliant' : nonCompliant('no aws_s3_bucket_server_side_encryption_configuration references this bucket (AWS applies SSE-S3 by default, but the intent is not in code)');
  },
};
