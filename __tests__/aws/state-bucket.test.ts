/**
 * npm run state:bootstrap's library against moto: the state bucket is created with its
 * settings, a rerun changes nothing but repairs drift, and a dry run calls nothing.
 */
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetBucketVersioningCommand, GetPublicAccessBlockCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { ensureStateBucket } from '../../scripts/lib/aws/state-bucket';
import { FAKE_AWS_KEYS, useMoto } from '../support/moto';

const moto = useMoto();
const client = () => new S3Client({ endpoint: moto().endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: FAKE_AWS_KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: FAKE_AWS_KEYS.AWS_SECRET_ACCESS_KEY } });
const FIELD = 'environments.production.backend.bucket';

test('creates a versioned, encrypted, private, TLS-only bucket', async () => {
  const s3 = client();
  const r = await ensureStateBucket({ bucket: 'vn-state-create', region: 'us-east-1', field: FIELD, client: s3 });
  expect(r.created).toBe(true);
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'vn-state-create' }))).Status).toBe('Enabled');
  expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: 'vn-state-create' }))).ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
  expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'vn-state-create' }))).PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: 'vn-state-create' }))).Policy!);
  expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  s3.destroy();
}, 60_000);

test('a rerun finds the bucket and repairs a setting that drifted', async () => {
  const s3 = client();
  await ensureStateBucket({ bucket: 'vn-state-rerun', region: 'us-east-1', field: FIELD, client: s3 });
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'vn-state-rerun', VersioningConfiguration: { Status: 'Suspended' } }));
  const again = await ensureStateBucket({ bucket: 'vn-state-rerun', region: 'us-east-1', field: FIELD, client: s3 });
  expect(again.created).toBe(false);
  expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'vn-state-rerun' }))).Status).toBe('Enabled');
  s3.destroy();
}, 60_000);

test('a dry run lists the steps and creates nothing; a bad name names the field', async () => {
  const dry = await ensureStateBucket({ bucket: 'vn-state-dry', region: 'us-east-1', field: FIELD, dryRun: true });
  expect(dry.steps[0]).toBe('create the bucket if it does not exist');
  await expect(ensureStateBucket({ bucket: 'Bad_Name', region: 'us-east-1', field: FIELD, client: client() })).rejects.toThrow(/environments\.production\.backend\.bucket: "Bad_Name" is not a valid S3 bucket name/);
});
