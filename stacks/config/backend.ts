/** Where each stack keeps its Terraform state (stacks/state-backend.ts; docs/ci.md, "State"). */
import { z } from 'zod';
import { REGION } from './fields';

/** Bucket of the default S3 backend (npm run state:bootstrap creates it; names are global: override backend.bucket if taken). */
export const DEFAULT_STATE_BUCKET = 'venture-nudge-terraform-state';

export const BackendSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('local') }).strict(),
  z
    .object({
      type: z.literal('s3'),
      bucket: z.string().min(3),
      /** Replaces `<appName>/` in the state key `<appName>/<env>.tfstate`. @default "" */
      keyPrefix: z.string().default(''),
      region: z.string().regex(REGION),
      /** Refused: the backend locks with Terraform's own lock file (`use_lockfile`), no DynamoDB table. */
      dynamodbTable: z.undefined({ message: 'not used: the S3 backend locks with its own lock file (use_lockfile); remove dynamodbTable (and the table, once no Terraform older than 1.10 uses it)' }).optional(),
    })
    .strict(),
]);

export type BackendConfig = z.infer<typeof BackendSchema>;

/** The S3 backend in the stack's region, in the bucket `npm run state:bootstrap` creates. */
export function backendDefaults(region: string): BackendConfig {
  return { type: 's3', bucket: DEFAULT_STATE_BUCKET, region, keyPrefix: '' };
}
