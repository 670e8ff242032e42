/** The RDS PostgreSQL instance the copy targets: engine, size, storage, backups, windows, logs. */
import { z } from 'zod';
import { defaultMaxConnections, nearestInstanceClass } from '../rds-sizes';
import { MAINT_WINDOW, retention, WINDOW } from './fields';

export const DatabaseSchema = z
  .object({
    /** PostgreSQL major version; minor versions are applied automatically. @default "16" */
    engineVersion: z.string().regex(/^\d{2}$/, 'must be a major version such as "16" (minor versions upgrade automatically; do not pin e.g. "16.1")').default('16'),
    /** @default "db.t3.medium" (production), "db.t3.small" (staging) */
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t3.medium').default('db.t3.medium'),
    /** Storage in GiB (gp3). @default 100 (production), 20 (staging) */
    allocatedStorage: z.number().int().min(20, 'gp3 needs at least 20 GiB').max(65536).default(100),
    /** Storage autoscaling ceiling in GiB; 0 disables autoscaling. @default 200 (production), 50 (staging) */
    maxAllocatedStorage: z.number().int().min(0).max(65536).default(200),
    /** @default true (production), false (staging) */
    multiAz: z.boolean().default(true),
    /** @default 7 */
    backupRetentionDays: z.number().int().min(0).max(35).default(7),
    /** UTC. @default "03:00-04:00" */
    backupWindow: z.string().regex(WINDOW, 'must look like 03:00-04:00 (UTC)').default('03:00-04:00'),
    /** UTC. Inside the guide's "Sunday 2-6 AM ET" in both EST (UTC-5) and EDT (UTC-4). @default "sun:07:00-sun:10:00" */
    maintenanceWindow: z.string().regex(MAINT_WINDOW, 'must look like sun:07:00-sun:10:00 (UTC)').default('sun:07:00-sun:10:00'),
    /** Let an `engineVersion` change move to a new major version (RDS refuses it otherwise). @default true */
    allowMajorVersionUpgrade: z.boolean().default(true),
    /**
     * During a major upgrade: the version the instance runs until the maintenance window applies `engineVersion`
     * (changes are not applied immediately). Keeps that version's parameter group, which RDS will not delete while
     * in use; remove it once `aws rds describe-db-instances` shows no pending engine version. @default undefined
     */
    pendingUpgradeFrom: z.string().regex(/^\d{2}$/, 'must be a major version such as "15"').optional(),
    /** Retention of the exported PostgreSQL and upgrade log groups, in days. @default 30 (production), 7 (staging) */
    logRetentionDays: retention.default(30),
    /** max_connections the connections alarm is derived from. @default RDS's default for the instance class */
    maxConnections: z.number().int().min(1).optional(),
    /** Deletion protection, in every environment (policy VN-RDS-5 in production, VN-RDS-9 elsewhere). @default true */
    deletionProtection: z.boolean().default(true),
    /**
     * Outside production: why this environment's database may go without deletion protection (e.g. "rehearsal
     * environment, recreated from the source every week"); it becomes a reasoned suppression of VN-RDS-9. @default undefined
     */
    deletionProtectionOffReason: z.string().trim().min(10, 'must say in at least 10 characters why the database is disposable').optional(),
    /** Database created on the instance (the copy target). @default "venturenudge" */
    name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case identifier').default('venturenudge'),
    /** Master user; its password is generated and kept by RDS in Secrets Manager. @default "venturenudge_admin" */
    username: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case identifier of at most 63 characters').refine((u) => !['admin', 'rdsadmin', 'postgres_rds'].includes(u), 'is reserved by RDS').default('venturenudge_admin'),
    /** Performance Insights retention in days (7 is the free tier); 0 disables. @default 7 */
    performanceInsightsRetentionDays: z.union([z.literal(0), z.literal(7), z.literal(731)]).or(z.number().int().refine((d) => d % 31 === 0 && d <= 713 && d > 0, 'must be 0, 7, 731 or a multiple of 31 up to 713')).default(7),
    /** Enhanced monitoring interval in seconds; 0 disables. @default 60 */
    monitoringIntervalSeconds: z.union([z.literal(0), z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)]).default(60),
    /** `rds.logical_replication = 1` (static: needs a reboot), for a rollback by reverse replication. @default false */
    logicalReplication: z.boolean().default(false),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.maxAllocatedStorage !== 0 && d.maxAllocatedStorage < d.allocatedStorage) {
      ctx.addIssue({ code: 'custom', path: ['maxAllocatedStorage'], message: `must be 0 (off) or >= allocatedStorage (${d.allocatedStorage})` });
    }
    if (d.pendingUpgradeFrom !== undefined && !(Number(d.pendingUpgradeFrom) < Number(d.engineVersion))) {
      ctx.addIssue({ code: 'custom', path: ['pendingUpgradeFrom'], message: `must be an older major version than engineVersion (${d.engineVersion}); remove it when no upgrade is pending` });
    }
    if (d.pendingUpgradeFrom !== undefined && !d.allowMajorVersionUpgrade) {
      ctx.addIssue({ code: 'custom', path: ['allowMajorVersionUpgrade'], message: `must be true while pendingUpgradeFrom (${d.pendingUpgradeFrom}) says a major upgrade to ${d.engineVersion} is pending` });
    }
    if (d.maxConnections === undefined && defaultMaxConnections(d.instanceClass) === undefined) {
      const near = nearestInstanceClass(d.instanceClass);
      ctx.addIssue({
        code: 'custom',
        path: ['instanceClass'],
        message: near
          ? `unknown instance class ${d.instanceClass}; did you mean ${near}? (a class this table does not know also works with database.maxConnections set)`
          : `cannot tell the memory (and so max_connections) of ${d.instanceClass}; check the class name (e.g. db.t3.medium) or set database.maxConnections`,
      });
    }
  });

export type DatabaseConfig = z.infer<typeof DatabaseSchema>;

/** The schema's defaults, production's: the guide's Multi-AZ db.t3.medium, PostgreSQL 16, 7-day backups in its windows. */
export const DATABASE_DEFAULTS: Readonly<DatabaseConfig> = DatabaseSchema.parse({});

/** Staging's database: smaller, single-AZ, a week of logs (still protected from deletion, still 7-day backups). */
export const STAGING_DATABASE: Readonly<Partial<DatabaseConfig>> = { instanceClass: 'db.t3.small', allocatedStorage: 20, maxAllocatedStorage: 50, multiAz: false, logRetentionDays: 7 };
