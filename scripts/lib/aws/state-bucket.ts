/**
 * The S3 bucket Terraform keeps the stacks' state in (backend "s3" with `use_lockfile`: the
 * lock is a `<key>.tflock` object written with a conditional PUT, no DynamoDB table).
 * `npm run state:bootstrap` creates it before the first apply; every step is idempotent, so a
 * rerun repairs a bucket whose settings drifted. The bucket is not part of any stack: it must
 * outlive them (docs/ci.md, "State" and "Teardown").
 */
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export interface StateBucketOptions {
  readonly bucket: string;
  readonly region: string;
  /** Where the name comes from, for messages (e.g. `environments.production.backend.bucket`). */
  readonly field: string;
  /** An S3 client (tests and the rehearsal point it at moto). @default a client for `region` */
  readonly client?: S3Client;
  /** List the steps, call nothing. @default false */
  readonly dryRun?: boolean;
  /** Deny every request that is not over TLS (bucket policy). Off only for plain-HTTP emulators (the rehearsal's moto). @default true */
  readonly tlsOnly?: boolean;
}

export interface StateBucketResult {
  readonly bucket: string;
  readonly region: string;
  /** false: it existed (and was brought to the settings below). */
  readonly created: boolean;
  /** What was (or, with dryRun, would be) set, in order. */
  readonly steps: string[];
}

/** Noncurrent state versions kept this long (a bad apply can be undone from the bucket's history). */
export const NONCURRENT_VERSION_DAYS = 90;

/** The bucket policy: TLS only. */
export function stateBucketPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
  });
}

const STEPS = [
  'versioning enabled',
  'default encryption SSE-S3 with bucket key',
  'public access blocked (all four settings)',
  'object ownership BucketOwnerEnforced (no ACLs)',
  'bucket policy: TLS only',
  `lifecycle: noncurrent versions expire after ${NONCURRENT_VERSION_DAYS} days, incomplete uploads after 7`,
] as const;

async function exists(client: S3Client, o: StateBucketOptions): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: o.bucket }));
    return true;
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    if (status === 403) {
      throw new Error(`S3 bucket ${o.bucket} exists but these credentials may not use it (HTTP 403): bucket names are global, so another account may own it; choose another name in ${o.field}, or run as the account's administrator`);
    }
    throw new Error(`cannot check S3 bucket ${o.bucket} (${o.field}): ${(e as Error).message}`);
  }
}

/** Creates the state bucket if missing and brings it to the settings above. */
export async function ensureStateBucket(o: StateBucketOptions): Promise<StateBucketResult> {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(o.bucket)) throw new Error(`${o.field}: "${o.bucket}" is not a valid S3 bucket name (3-63 lower-case letters, digits, dots, dashes)`);
  if (o.dryRun) return { bucket: o.bucket, region: o.region, created: false, steps: ['create the bucket if it does not exist', ...STEPS] };
  const client = o.client ?? new S3Client({ region: o.region });
  const created = !(await exists(client, o));
  if (created) {
    await client.send(new CreateBucketCommand({ Bucket: o.bucket, ...(o.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: o.region as never } }) }));
  }
  const Bucket = o.bucket;
  await client.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await client.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] } }));
  await client.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
  await client.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
  const tlsOnly = o.tlsOnly ?? true;
  if (tlsOnly) await client.send(new PutBucketPolicyCommand({ Bucket, Policy: stateBucketPolicy(Bucket) }));
  await client.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket,
      LifecycleConfiguration: {
        Rules: [{ ID: 'state-history', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }],
      },
    }),
  );
  return { bucket: o.bucket, region: o.region, created, steps: [created ? 'bucket created' : 'bucket exists', ...STEPS.filter((s) => tlsOnly || !s.includes('TLS'))] };
}
