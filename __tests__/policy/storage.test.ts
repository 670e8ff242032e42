import { TerraformStack } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { S3AccountPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-account-public-access-block';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { LogGroupKmsEncrypted } from '../../stacks/policy/rules/log-group-kms-encrypted';
import { S3BucketEncryptionConfigured } from '../../stacks/policy/rules/s3-bucket-encryption-configured';
import { S3BucketPublicAccessBlocked } from '../../stacks/policy/rules/s3-bucket-public-access-blocked';
import { SsmParameterSecureString } from '../../stacks/policy/rules/ssm-parameter-secure-string';
import { details, flagged } from './support';

const allBlocked = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

describe('VN-S3-1 bucket encryption configured', () => {
  test('a bucket with an SSE configuration referencing it passes', () =>
    expect(
      flagged(S3BucketEncryptionConfigured, (s) => {
        const b = new S3Bucket(s, 'logs', { bucket: 'vn-logs' });
        new S3BucketServerSideEncryptionConfigurationA(s, 'logs-sse', { bucket: b.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] });
      }),
    ).toEqual([]));
  test('an SSE configuration naming the bucket by its literal name counts too', () =>
    expect(
      flagged(S3BucketEncryptionConfigured, (s) => {
        new S3Bucket(s, 'logs', { bucket: 'vn-logs' });
        new S3BucketServerSideEncryptionConfigurationA(s, 'logs-sse', { bucket: 'vn-logs', rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] });
      }),
    ).toEqual([]));
  test('a bucket without one is reported, even when another bucket has one', () =>
    expect(
      flagged(S3BucketEncryptionConfigured, (s) => {
        const a = new S3Bucket(s, 'a', { bucket: 'vn-a' });
        new S3Bucket(s, 'b', { bucket: 'vn-b' });
        new S3BucketServerSideEncryptionConfigurationA(s, 'a-sse', { bucket: a.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] });
      }),
    ).toEqual(['aws_s3_bucket.b']));
});

describe('VN-S3-2 bucket public access blocked', () => {
  const bucketWithBlock = (block: Partial<typeof allBlocked>) => (s: TerraformStack) => {
    const b = new S3Bucket(s, 'logs', { bucket: 'vn-logs' });
    new S3BucketPublicAccessBlock(s, 'logs-pab', { bucket: b.id, ...block });
  };
  test('a bucket with all four settings true passes', () => expect(flagged(S3BucketPublicAccessBlocked, bucketWithBlock(allBlocked))).toEqual([]));
  test('a bucket without a public access block is reported', () => expect(flagged(S3BucketPublicAccessBlocked, (s) => new S3Bucket(s, 'logs', {}))).toEqual(['aws_s3_bucket.logs']));
  test('a block that leaves a setting false names the setting', () =>
    expect(details(S3BucketPublicAccessBlocked, bucketWithBlock({ ...allBlocked, restrictPublicBuckets: false }))).toEqual([
      'aws_s3_bucket_public_access_block.logs-pab leaves restrict_public_buckets false or unset',
    ]));
  test('an account-level block with all four settings covers every bucket', () =>
    expect(
      flagged(S3BucketPublicAccessBlocked, (s) => {
        new S3Bucket(s, 'logs', {});
        new S3AccountPublicAccessBlock(s, 'account', allBlocked);
      }),
    ).toEqual([]));
});

describe('VN-LOG-1 log group KMS', () => {
  test('a log group with kms_key_id passes', () =>
    expect(flagged(LogGroupKmsEncrypted, (s) => new CloudwatchLogGroup(s, 'logs', { name: '/ecs/app', kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/abc' }))).toEqual([]));
  test('a log group without kms_key_id is reported', () => expect(flagged(LogGroupKmsEncrypted, (s) => new CloudwatchLogGroup(s, 'logs', { name: '/ecs/app' }))).toEqual(['aws_cloudwatch_log_group.logs']));
});

describe('VN-SSM-1 SecureString parameters', () => {
  test('a SecureString parameter passes', () => expect(flagged(SsmParameterSecureString, (s) => new SsmParameter(s, 'p', { name: '/vn/production/OPENAI_API_KEY', type: 'SecureString', value: 'x' }))).toEqual([]));
  test('a String parameter is reported', () => expect(flagged(SsmParameterSecureString, (s) => new SsmParameter(s, 'p', { name: '/vn/production/OPENAI_API_KEY', type: 'String', value: 'x' }))).toEqual(['aws_ssm_parameter.p']));
});
