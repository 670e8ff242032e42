/**
 * The app's database settings per stage: what the task definition puts in the container's
 * environment and secrets. Shared by the service construct (what is deployed) and
 * `npm run cutover` (what a stage change shows), so the two never disagree.
 *
 * At every stage the app gets DATABASE_URL and POSTGRES_URL (read by @vercel/postgres, Prisma,
 * Drizzle) and PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD (read by node-postgres), all from
 * secrets, never as plain values in the task definition:
 *
 * - web stages (`vercel`..`aws`, `rollback`): the source database (Vercel Postgres, through the
 *   NAT gateways), from SecureString parameters under the environment's SSM path:
 *   SOURCE_DATABASE_URL and SOURCE_PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD.
 * - `rds`: RDS as the app's least-privilege role, from the app's Secrets Manager secret (JSON
 *   with url, host, port, dbname, username, password; written by the toolkit, never rotated
 *   under running tasks), with TLS verified against the RDS CA bundle (NODE_EXTRA_CA_CERTS).
 */
import { databaseOfRecord, type CutoverStage } from './config';

/** SSM parameter names (under the environment's path) holding the source database. */
export const SOURCE_PARAMETERS = {
  url: 'SOURCE_DATABASE_URL',
  PGHOST: 'SOURCE_PGHOST',
  PGPORT: 'SOURCE_PGPORT',
  PGDATABASE: 'SOURCE_PGDATABASE',
  PGUSER: 'SOURCE_PGUSER',
  PGPASSWORD: 'SOURCE_PGPASSWORD',
} as const;

/** Where the image keeps the RDS CA bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem). */
export const RDS_CA_BUNDLE_PATH = '/app/certs/rds-global-bundle.pem';

/** Variable names the app reads; PG* are reserved for the stack. */
export const DATABASE_VARIABLES = ['DATABASE_URL', 'POSTGRES_URL', 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD'] as const;

export interface AppDatabaseSettings {
  readonly databaseOfRecord: 'source' | 'rds';
  /** Plain (non-secret) container environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** ECS `secrets`: name and valueFrom (an SSM parameter ARN or `<secret ARN>:<json key>::`). */
  readonly secrets: readonly { readonly name: string; readonly valueFrom: string }[];
}

export interface AppDatabaseRefs {
  /** `arn:aws:ssm:<region>:<account>:parameter/<app>/<env>/` (ends with a slash). */
  readonly ssmArnPrefix: string;
  /** ARN of the app role's Secrets Manager secret (used at `rds` only). */
  readonly appSecretArn: string;
}

/** The database settings of the app container at a stage (of the service taking requests there). */
export function appDatabaseSettings(stage: CutoverStage, refs: AppDatabaseRefs): AppDatabaseSettings {
  return databaseSettings(databaseOfRecord(stage), refs);
}

/** The database settings of the service of one side: `source` (the source-side service) or `rds` (the RDS-side one). */
export function databaseSettings(side: 'source' | 'rds', refs: AppDatabaseRefs): AppDatabaseSettings {
  if (side === 'rds') {
    const key = (k: string) => `${refs.appSecretArn}:${k}::`;
    return {
      databaseOfRecord: 'rds',
      environment: { PGSSLMODE: 'verify-full', NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE_PATH },
      secrets: [
        { name: 'DATABASE_URL', valueFrom: key('url') },
        { name: 'POSTGRES_URL', valueFrom: key('url') },
        { name: 'PGHOST', valueFrom: key('host') },
        { name: 'PGPORT', valueFrom: key('port') },
        { name: 'PGDATABASE', valueFrom: key('dbname') },
        { name: 'PGUSER', valueFrom: key('username') },
        { name: 'PGPASSWORD', valueFrom: key('password') },
      ],
    };
  }
  const param = (name: string) => `${refs.ssmArnPrefix}${name}`;
  return {
    databaseOfRecord: 'source',
    environment: { PGSSLMODE: 'require' },
    secrets: [
      { name: 'DATABASE_URL', valueFrom: param(SOURCE_PARAMETERS.url) },
      { name: 'POSTGRES_URL', valueFrom: param(SOURCE_PARAMETERS.url) },
      { name: 'PGHOST', valueFrom: param(SOURCE_PARAMETERS.PGHOST) },
      { name: 'PGPORT', valueFrom: param(SOURCE_PARAMETERS.PGPORT) },
      { name: 'PGDATABASE', valueFrom: param(SOURCE_PARAMETERS.PGDATABASE) },
      { name: 'PGUSER', valueFrom: param(SOURCE_PARAMETERS.PGUSER) },
      { name: 'PGPASSWORD', valueFrom: param(SOURCE_PARAMETERS.PGPASSWORD) },
    ],
  };
}
