import { boolOf, nonCompliant, ofTypes, pointsAt, PolicyRule } from '../rule';

const FLAGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'] as const;

function falseFlags(config: Record<string, unknown>): string[] {
  return FLAGS.filter((f) => {
    const v = boolOf(config[f]);
    return v !== true && v !== 'unknown';
  });
}

/** No bucket can be made public by an ACL or a bucket policy. */
export const S3BucketPublicAccessBlocked: PolicyRule = {
  id: 'VN-S3-2',
  level: 'error',
  description: 'Every S3 bucket has a public access block with all four settings true (or the account-level block does).',
  fix: 'Add an `S3BucketPublicAccessBlock` for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.',
  appliesTo: ofTypes('aws_s3_bucket'),
  check(bucket, context) {
    if (context.ofType('aws_s3_account_public_access_block').some((a) => falseFlags(a.config).length === 0)) return 'compliant';
    const blocks = context.ofType('aws_s3_bucket_public_access_block').filter((b) => pointsAt(b.config.bucket, bucket, 'bucket'));
    if (blocks.length === 0) return nonCompliant('no aws_s3_bucket_public_access_block references this bucket');
    const missing = falseFlags(blocks[0].config);
    return missing.length === 0 ? 'compliant' : nonCompliant(`${blocks[0].address} leaves ${missing.join(', ')} false or unset`);
  },
};
