/** Where the source database (Vercel Postgres / Neon) is: the app's egress at the web stages and the runner's. */
import { z } from 'zod';
import { CIDR } from './fields';

export const SourceDatabaseSchema = z
  .object({
    /**
     * Where the source database (Vercel Postgres / Neon) is, as IPv4 CIDRs: the app's egress at the web stages and the
     * runner's. Neon publishes no fixed addresses, hence anywhere (through NAT) by default; narrow it where the provider has fixed ones.
     * @default ["0.0.0.0/0"]
     */
    cidrs: z.array(z.string().regex(CIDR, 'must be an IPv4 CIDR such as 203.0.113.0/24')).min(1, 'needs at least one CIDR (where the source database is; ["0.0.0.0/0"] when it has no fixed addresses)').default(['0.0.0.0/0']),
    /** PostgreSQL port of the source (SOURCE_PGPORT in SSM must match it; Vercel Postgres: 5432). @default 5432 */
    port: z.number().int('must be a whole number').min(1, 'must be a TCP port within 1..65535').max(65535, 'must be a TCP port within 1..65535').default(5432),
  })
  .strict();

export type SourceDatabaseConfig = z.infer<typeof SourceDatabaseSchema>;

/** The schema's defaults: anywhere (through NAT) on PostgreSQL's port, Vercel Postgres has no fixed addresses (the MigrationRunner construct's default too). */
export const SOURCE_DATABASE_DEFAULTS: Readonly<SourceDatabaseConfig> = SourceDatabaseSchema.parse({});
