/**
 * The one configuration object of the project: a zod schema whose defaults are
 * the migration guide's values. Both halves read it: the stacks (infrastructure)
 * and the scripts (SSM path, database name, host names).
 *
 * Invalid values and invalid combinations fail here, at synth, with a message
 * that names the field (e.g. `environments.production.service.memory`).
 */
import { existsSync, readFileSync } from 'fs';
import { z } from 'zod';
import { fargateSizeProblem } from './fargate';
import { defaultMaxConnections, nearestInstanceClass } from './rds-sizes';

export { FARGATE_SIZES } from './fargate';

/**
 * Cutover stages, on two axes: web weights and the database of record.
 * `vercel`..`aws` move web traffic while every side uses the source database (Vercel
 * Postgres); `ready` starts a second ECS service with the RDS settings behind its own target
 * group, connected and healthy but taking no traffic (listener weight 0), before the freeze;
 * `rds` moves the database of record to RDS with web at 100 % AWS (allowed only after a
 * successful `db:sync finish`): the listener's weights flip to that service in one targeted
 * change. `rollback` returns all weight to Vercel (same weights as `vercel`, kept as its own
 * name so the intent is visible in the config and the plan).
 */
export const CUTOVER_STAGES = ['vercel', 'canary', '25', '50', 'aws', 'ready', 'rds', 'rollback'] as const;
export type CutoverStage = (typeof CUTOVER_STAGES)[number];

/** The one database that takes writes at a stage. */
export function databaseOfRecord(stage: CutoverStage): 'source' | 'rds' {
  return stage === 'rds' ? 'rds' : 'source';
}

/** Stages at which the RDS-side service runs beside the source-side one (`ready`, `rds`). */
export function standbyRuns(stage: CutoverStage): boolean {
  return stage === 'ready' || stage === 'rds';
}

/** Name prefix of the RDS-side service's target group (ELB allows 6 characters; `cutover`'s standby check finds it by it). */
export const RDS_TARGET_GROUP_PREFIX = 'vn-rd-';

/**
 * The ALB listener's weights between the two services' target groups: all on the service of the
 * database of record, 0 on the other, at every stage (one writer: only one target group takes
 * requests).
 */
export function listenerWeights(stage: CutoverStage): { source: number; rds: number } {
  return databaseOfRecord(stage) === 'rds' ? { source: 0, rds: 100 } : { source: 100, rds: 0 };
}

export const STAGE_WEIGHTS: Readonly<Record<CutoverStage, { aws: number; vercel: number }>> = {
  vercel: { aws: 0, vercel: 100 },
  canary: { aws: 10, vercel: 90 },
  '25': { aws: 25, vercel: 75 },
  '50': { aws: 50, vercel: 50 },
  aws: { aws: 100, vercel: 0 },
  ready: { aws: 100, vercel: 0 },
  rds: { aws: 100, vercel: 0 },
  rollback: { aws: 0, vercel: 100 },
};

/** CloudFront origin-facing managed prefix list ids (`com.amazonaws.global.cloudfront.origin-facing`). */
export const CLOUDFRONT_ORIGIN_PREFIX_LISTS: Readonly<Record<string, string>> = {
  'us-east-1': 'pl-3b927c52',
};

/** Numeric value of a dotted IPv4 address. */
function ipv4Value(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** True when IPv4 CIDR `outer` contains every address of `inner` (e.g. 0.0.0.0/0 contains 203.0.113.0/24). */
export function cidrContains(outer: string, inner: string): boolean {
  const [oIp, oBits] = outer.split('/');
  const [iIp, iBits] = inner.split('/');
  const ob = Number(oBits);
  if (Number(iBits) < ob) return false;
  const size = 2 ** (32 - ob);
  return Math.floor(ipv4Value(oIp) / size) === Math.floor(ipv4Value(iIp) / size);
}

/** Tag the task definitions name while no image tag is configured (never pulled: the service runs 0 tasks). */
export const BOOTSTRAP_TAG = 'bootstrap';

const HOSTNAME = /^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const AZ = /^[a-z]{2}-[a-z]+-\d[a-z]$/;
const REGION = /^[a-z]{2}-[a-z]+-\d$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
const MAINT_WINDOW = /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(\d|[12]\d|3[0-2])$/;
const LOG_RETENTION = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const weight = z
  .number()
  .int('must be a whole number')
  .min(0, 'Route 53 weights must be within 0..255')
  .max(255, 'Route 53 weights must be within 0..255');

const retention = z
  .number()
  .int()
  .refine((d) => LOG_RETENTION.includes(d), `must be one of CloudWatch's retention periods: ${LOG_RETENTION.join(', ')}`);

const NetworkSchema = z
  .object({
    /** VPC CIDR block. @default "10.0.0.0/16" (production), "10.1.0.0/16" (staging) */
    cidr: z.string().regex(CIDR, 'must be an IPv4 CIDR such as 10.0.0.0/16'),
    /** Availability zones, named explicitly so synth and plan need no AWS look-up. @default ["<region>a", "<region>b"] */
    availabilityZones: z.array(z.string().regex(AZ, 'must be an availability zone name such as us-east-1a')).min(2, 'needs at least 2 availability zones (ALB and Multi-AZ RDS require 2)'),
    /** One NAT gateway per AZ (resilient) or a single shared one (cheaper). @default true (production), false (staging) */
    natGatewayPerAz: z.boolean(),
    /** VPC flow logs retention in days. @default 30 (production), 7 (staging) */
    flowLogRetentionDays: retention,
  })
  .strict()
  .superRefine((n, ctx) => {
    const prefix = Number(n.cidr.split('/')[1]);
    if (prefix > 20 || prefix < 16) ctx.addIssue({ code: 'custom', path: ['cidr'], message: `prefix /${prefix} must be between /16 and /20 (subnets are carved as prefix+4)` });
    if (n.availabilityZones.length > 4) ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'at most 4 availability zones are supported' });
    if (new Set(n.availabilityZones).size !== n.availabilityZones.length) ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'availability zones must be distinct' });
  });

const DatabaseSchema = z
  .object({
    /** PostgreSQL major version; minor versions are applied automatically. @default "16" */
    engineVersion: z.string().regex(/^\d{2}$/, 'must be a major version such as "16" (minor versions upgrade automatically; do not pin e.g. "16.1")'),
    /** @default "db.t3.medium" */
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t3.medium'),
    /** Storage in GiB (gp3). @default 100 */
    allocatedStorage: z.number().int().min(20, 'gp3 needs at least 20 GiB').max(65536),
    /** Storage autoscaling ceiling in GiB; 0 disables autoscaling. @default 200 */
    maxAllocatedStorage: z.number().int().min(0).max(65536),
    /** @default true (production), false (staging) */
    multiAz: z.boolean(),
    /** @default 7 */
    backupRetentionDays: z.number().int().min(0).max(35),
    /** UTC. @default "03:00-04:00" */
    backupWindow: z.string().regex(WINDOW, 'must look like 03:00-04:00 (UTC)'),
    /** UTC. Inside the guide's "Sunday 2-6 AM ET" in both EST (UTC-5) and EDT (UTC-4). @default "sun:07:00-sun:10:00" */
    maintenanceWindow: z.string().regex(MAINT_WINDOW, 'must look like sun:07:00-sun:10:00 (UTC)'),
    /** Let an `engineVersion` change move to a new major version (RDS refuses it otherwise). @default true */
    allowMajorVersionUpgrade: z.boolean(),
    /**
     * During a major upgrade: the version the instance runs until the maintenance window applies `engineVersion`
     * (changes are not applied immediately). Keeps that version's parameter group, which RDS will not delete while
     * in use; remove it once `aws rds describe-db-instances` shows no pending engine version. @default undefined
     */
    pendingUpgradeFrom: z.string().regex(/^\d{2}$/, 'must be a major version such as "15"').optional(),
    /** Retention of the exported PostgreSQL and upgrade log groups, in days. @default 30 (production), 7 (staging) */
    logRetentionDays: retention,
    /** max_connections the connections alarm is derived from. @default RDS's default for the instance class */
    maxConnections: z.number().int().min(1).optional(),
    /** Deletion protection, in every environment (policy VN-RDS-5 in production, VN-RDS-9 elsewhere). @default true */
    deletionProtection: z.boolean(),
    /**
     * Outside production: why this environment's database may go without deletion protection (e.g. "rehearsal
     * environment, recreated from the source every week"); it becomes a reasoned suppression of VN-RDS-9. @default undefined
     */
    deletionProtectionOffReason: z.string().trim().min(10, 'must say in at least 10 characters why the database is disposable').optional(),
    /** Database created on the instance (the copy target). @default "venturenudge" */
    name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case identifier'),
    /** Master user; its password is generated and kept by RDS in Secrets Manager. @default "venturenudge_admin" */
    username: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case identifier of at most 63 characters').refine((u) => !['admin', 'rdsadmin', 'postgres_rds'].includes(u), 'is reserved by RDS'),
    /** Performance Insights retention in days (7 is the free tier); 0 disables. @default 7 */
    performanceInsightsRetentionDays: z.union([z.literal(0), z.literal(7), z.literal(731)]).or(z.number().int().refine((d) => d % 31 === 0 && d <= 713 && d > 0, 'must be 0, 7, 731 or a multiple of 31 up to 713')),
    /** Enhanced monitoring interval in seconds; 0 disables. @default 60 */
    monitoringIntervalSeconds: z.union([z.literal(0), z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)]),
    /** `rds.logical_replication = 1` (static: needs a reboot), for a rollback by reverse replication. @default false */
    logicalReplication: z.boolean(),
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

const ServiceSchema = z
  .object({
    /** Fargate CPU units. Valid memory per CPU: 256 -> 512..2048; 512 -> 1024..4096; 1024 -> 2048..8192; 2048 -> 4096..16384; 4096 -> 8192..30720 (1 GiB steps); 8192 -> 16384..61440 (4 GiB steps); 16384 -> 32768..122880 (8 GiB steps). @default 2048 */
    cpu: z.number().int(),
    /** Fargate memory in MiB; see `cpu` for the valid pairs. @default 4096 */
    memory: z.number().int(),
    /** Autoscaling floor (also the initial desired count). @default 2 (production), 1 (staging) */
    minTasks: z.number().int().min(1, 'must be at least 1'),
    /** Autoscaling ceiling. @default 10 (production), 2 (staging) */
    maxTasks: z.number().int().min(1, 'must be at least 1'),
    /** Average CPU % the autoscaler keeps. @default 60 */
    cpuTargetPercent: z.number().int().min(10).max(95),
    /** ALB requests per task the autoscaler keeps; 0 disables request-based scaling. @default 1000 */
    requestsPerTarget: z.number().int().min(0),
    /** Port the Next.js server listens on. @default 3000 */
    containerPort: z.number().int().min(1).max(65535),
    /**
     * Image tag deployed from ECR, for the app and the toolkit (CI pushes the git SHA; env IMAGE_TAG_<ENV>, then
     * IMAGE_TAG, override). Unset: bootstrap, the service runs 0 tasks until a tag is applied. Never `latest`.
     * @default undefined (bootstrap)
     */
    imageTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a valid Docker tag')
      .refine((t) => t !== 'latest' && t !== BOOTSTRAP_TAG, `"latest" cannot be pushed twice to an IMMUTABLE repository and hides what runs (and "${BOOTSTRAP_TAG}" is reserved); use the git SHA CI pushed (IMAGE_TAG_<ENV> or IMAGE_TAG)`)
      .optional(),
    /** Health check path, used by the ALB target group. @default "/api/health" */
    healthCheckPath: z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be an absolute URL path'),
    /** Container log retention in days. @default 30 (production), 7 (staging) */
    logRetentionDays: retention,
    /** Plain (non-secret) container environment. @default { NODE_ENV: "production" } */
    environment: z.record(z.string().regex(ENV_NAME, 'environment names must match [A-Z_][A-Z0-9_]*'), z.string()),
    /** Names of secrets read from SSM Parameter Store under `/<appName>/<env>/` (written by `npm run env:sync`). @default the guide's integrations */
    ssmSecrets: z.array(z.string().regex(ENV_NAME, 'secret names must match [A-Z_][A-Z0-9_]*')),
    /** Read-only root filesystem, with writable volumes at /tmp and /app/.next/cache. @default true */
    readonlyRootFilesystem: z.boolean(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const size = fargateSizeProblem(s.cpu, s.memory);
    if (size) ctx.addIssue({ code: 'custom', path: [size.field], message: size.message });
    if (s.minTasks > s.maxTasks) ctx.addIssue({ code: 'custom', path: ['minTasks'], message: `minTasks (${s.minTasks}) must not exceed maxTasks (${s.maxTasks})` });
    const dup = s.ssmSecrets.find((n) => n in s.environment);
    if (dup) ctx.addIssue({ code: 'custom', path: ['ssmSecrets'], message: `${dup} is both a plain environment variable and an SSM secret; keep it in one place` });
    for (const reserved of ['DATABASE_URL', 'POSTGRES_URL', 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE', 'NODE_EXTRA_CA_CERTS']) {
      if (reserved in s.environment || s.ssmSecrets.includes(reserved)) {
        ctx.addIssue({ code: 'custom', path: ['environment'], message: `${reserved} is set by the stack from the cutover stage's database of record (stacks/app-database.ts); remove it` });
      }
    }
  });

const RunnerSchema = z
  .object({
    /** The migration runner (stacks/migration-runner.ts; `npm run remote`). @default true */
    enabled: z.boolean(),
    /** Fargate CPU units of a runner task. @default 1024 */
    cpu: z.number().int(),
    /** Fargate memory (MiB) of a runner task; see `service.cpu` for the valid pairs. @default 2048 */
    memory: z.number().int(),
    /** Narrows the runner's egress to the source database below `sourceDatabase.cidrs` (each inside one of them). @default sourceDatabase.cidrs */
    sourceCidrs: z.array(z.string().regex(CIDR, 'must be an IPv4 CIDR such as 203.0.113.0/24')).min(1, 'needs at least one CIDR (the source database)').optional(),
    /** Runner log retention in days. @default 30 (production), 7 (staging) */
    logRetentionDays: retention,
  })
  .strict()
  .superRefine((r, ctx) => {
    const size = fargateSizeProblem(r.cpu, r.memory);
    if (size) ctx.addIssue({ code: 'custom', path: [size.field], message: size.message });
  });

const SourceDatabaseSchema = z
  .object({
    /**
     * Where the source database (Vercel Postgres / Neon) is, as IPv4 CIDRs: the app's egress at the web stages and the
     * runner's. Neon publishes no fixed addresses, hence anywhere (through NAT) by default; narrow it where the provider has fixed ones.
     * @default ["0.0.0.0/0"]
     */
    cidrs: z.array(z.string().regex(CIDR, 'must be an IPv4 CIDR such as 203.0.113.0/24')).min(1, 'needs at least one CIDR (where the source database is; ["0.0.0.0/0"] when it has no fixed addresses)'),
    /** PostgreSQL port of the source (SOURCE_PGPORT in SSM must match it; Vercel Postgres: 5432). @default 5432 */
    port: z.number().int('must be a whole number').min(1, 'must be a TCP port within 1..65535').max(65535, 'must be a TCP port within 1..65535'),
  })
  .strict();

const GithubSchema = z
  .object({
    /** `owner/name` of the one repository whose workflows may deploy; unset: no deploy or plan role. @default undefined */
    repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be "owner/name"').optional(),
    /** ARN of the account's existing GitHub OIDC provider. @default undefined (created by `oidcProviderEnvironment`'s stack) */
    oidcProviderArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, 'must be arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com').optional(),
    /** The stack that creates the OIDC provider (one per account). @default "production", or the first environment */
    oidcProviderEnvironment: z.string().optional(),
    /** Deploy role trust: the GitHub environment named like the stack (protection rules apply), or `branch`. @default "environment" */
    trust: z.enum(['environment', 'branch']),
    /** Branch trusted when `trust` is "branch". @default "main" */
    branch: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'must be a branch name'),
    /** A read-only role for pull-request plans. @default true */
    planRole: z.boolean(),
  })
  .strict();

const LoadBalancerSchema = z
  .object({
    /** HTTPS listener policy. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
    sslPolicy: z.string().regex(/^ELBSecurityPolicy-/, 'must be an ELBSecurityPolicy-* name'),
    /** @default true (production), false (staging) */
    deletionProtection: z.boolean(),
    /** Accept traffic only from CloudFront (origin-facing prefix list + secret header). @default true */
    cloudfrontOnly: z.boolean(),
    /** Access logs to an S3 bucket. @default true */
    accessLogs: z.boolean(),
  })
  .strict();

const EdgeSchema = z
  .object({
    /** @default "PriceClass_100" */
    priceClass: z.enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All']),
    /** IPv6 on CloudFront (AAAA aliases are published once all weight is on AWS). @default true */
    ipv6: z.boolean(),
    /** @default "TLSv1.2_2021" */
    minimumProtocolVersion: z.enum(['TLSv1.2_2021', 'TLSv1.2_2019', 'TLSv1.2_2018']),
    /** Path pattern cached long at the edge. @default "/_next/static/*" */
    staticPathPattern: z.string().min(1),
    /** Id of the CloudFront origin-facing managed prefix list in the region (no look-up at plan). @default known id for us-east-1 */
    cloudfrontPrefixListId: z.string().regex(/^pl-[0-9a-f]+$/, 'must be a prefix list id such as pl-3b927c52').optional(),
    /** Host name (label under the domain) that CloudFront uses to reach the ALB. @default "origin" */
    originLabel: z.string().regex(LABEL, 'must be a single DNS label'),
    /** WAF rate limit per 5 minutes per IP; 0 disables the rate rule. @default 2000 */
    wafRateLimit: z.number().int().min(0),
    /** Collect CloudFront standard logs (S3 bucket) and WAF logs (CloudWatch Logs, us-east-1). @default true */
    accessLogs: z.boolean(),
    /** Days CloudFront and WAF logs are kept. @default 30 (production), 7 (staging) */
    logRetentionDays: retention,
  })
  .strict();

const CutoverSchema = z
  .object({
    /** Which of the guide's cutover stages the weighted records express. @default "vercel" (0 % on AWS) in production; "aws" in staging */
    stage: z.enum(CUTOVER_STAGES, { error: `must be one of ${CUTOVER_STAGES.join(', ')}` }),
    /** Explicit weights instead of the stage's (each 0..255). @default the stage's weights */
    weights: z.object({ aws: weight, vercel: weight }).strict().optional(),
    /** TTL of the non-alias records (the guide lowers it to 300 s for the cutover). @default 300 */
    ttl: z.number().int().min(0).max(172800),
    /** Vercel's apex A record targets. @default ["76.76.21.21"] */
    vercelApexIps: z.array(z.string().regex(IPV4, 'must be an IPv4 address')).min(1),
    /** Vercel's CNAME target for `www`. @default "cname.vercel-dns.com" */
    vercelCname: z.string().regex(HOSTNAME, 'must be a host name'),
    /** Label of the always-AWS test host (the guide's aws.venturenudge.com). @default "aws" */
    testHostLabel: z.string().regex(LABEL, 'must be a single DNS label'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.weights && c.weights.aws === 0 && c.weights.vercel === 0) {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: 'aws and vercel weights are both 0; Route 53 would then split evenly. Use stage "50" for that' });
    }
    if (c.stage === 'rds' && c.weights && c.weights.vercel > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['weights'],
        message: `stage rds makes RDS the database of record, but vercel weight ${c.weights.vercel} keeps sending users to Vercel, which writes to Vercel Postgres: two databases would take writes. Remove weights (rds is 100 % AWS) or go back to stage aws`,
      });
    }
  });

const BudgetSchema = z
  .object({
    /** Monthly cost alert thresholds in USD (the guide's $200, $400, $600). */
    thresholdsUsd: z.array(z.number().positive()).min(1),
    /** Email addresses notified by budgets and alarms (SNS). @default [] */
    alertEmails: z.array(z.email('must be an email address')),
  })
  .strict();

/** Record types `dns.records` may carry into the zone. */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'CAA', 'SRV', 'NS'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

const DnsRecordSchema = z
  .object({
    /** Name relative to the domain: "@" for the apex, e.g. "mail", "_dmarc", "selector1._domainkey". */
    name: z.string().regex(/^(@|(\*\.)?([a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63})$/, 'must be "@" (the apex) or a name relative to the domain such as "_dmarc" or "selector1._domainkey"'),
    type: z.enum(DNS_RECORD_TYPES, { error: `must be one of ${DNS_RECORD_TYPES.join(', ')}` }),
    /** @default 300 */
    ttl: z.number().int().min(0).max(172800).default(300),
    /** Values as Route 53 takes them: `10 mx.example.com.` for MX, the text (unquoted) for TXT. */
    values: z.array(z.string().min(1)).min(1, 'needs at least one value'),
  })
  .strict();

const DnsSchema = z
  .object({
    /**
     * Records the domain already has (MX, SPF, DKIM, verification TXT, ...) that the
     * Route 53 zone must also hold, or they vanish when the domain is delegated to it.
     * `npm run dns:check` compares them with what the domain's servers answer today. @default []
     */
    records: z.array(DnsRecordSchema),
    /**
     * Name servers of this environment's own zone, once it exists (`terraform output name_servers`).
     * An environment whose domain contains this one (production for `staging.`) publishes them as NS records. @default []
     */
    nameServers: z.array(z.string().regex(HOSTNAME, 'must be a name server host name')).max(8),
    /**
     * The domain is delegated to this environment's new zone (the registrar, or the parent zone,
     * names its name servers; `npm run dns:check -- --delegation` says when). Until then a stack
     * that creates its zone (no `hostedZoneId`) synthesizes only the zone and its records: the first
     * apply never waits on certificates nobody can validate yet. Set it, and apply again, for the rest.
     * Ignored with `hostedZoneId` (one apply). @default false
     */
    delegated: z.boolean(),
  })
  .strict()
  .superRefine((d, ctx) => {
    d.records.forEach((r, i) => {
      if (r.type === 'CNAME' && r.name === '@') ctx.addIssue({ code: 'custom', path: ['records', i, 'name'], message: 'a CNAME at the apex is invalid DNS; use A/AAAA records' });
      if (r.type === 'CNAME' && d.records.some((o, j) => j !== i && o.name === r.name)) ctx.addIssue({ code: 'custom', path: ['records', i], message: `${r.name} has a CNAME and other records; a CNAME must be alone at its name` });
      if (d.records.some((o, j) => j < i && o.name === r.name && o.type === r.type)) ctx.addIssue({ code: 'custom', path: ['records', i], message: `${r.name} ${r.type} is listed twice; put every value in one entry` });
    });
  });

const BackendSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('local') }).strict(),
  z
    .object({
      type: z.literal('s3'),
      bucket: z.string().min(3),
      /** @default "<appName>/<env>.tfstate" */
      keyPrefix: z.string().default(''),
      region: z.string().regex(REGION),
      /** Refused: the backend locks with Terraform's own lock file (`use_lockfile`), no DynamoDB table. */
      dynamodbTable: z.undefined({ message: 'not used: the S3 backend locks with its own lock file (use_lockfile); remove dynamodbTable (and the table, once no Terraform older than 1.10 uses it)' }).optional(),
    })
    .strict(),
]);

/** Labels the stack itself publishes records at, as `dns.records` names. */
function managedNames(env: { cutover: { testHostLabel: string }; edge: { originLabel: string } }): Record<string, string> {
  return { '@': 'the apex (cutover A/AAAA records)', www: 'www (cutover CNAMEs)', [env.cutover.testHostLabel]: 'the test host', [env.edge.originLabel]: 'the CloudFront origin' };
}

export const EnvironmentSchema = z
  .object({
    /** Apex domain served by this environment. @default "venturenudge.com" (production), "staging.venturenudge.com" (staging) */
    domain: z.string().regex(HOSTNAME, 'must be a lower-case domain such as venturenudge.com'),
    /**
     * Use the existing Route 53 zone the domain is already delegated to, instead of creating one:
     * certificates validate at once, and records already in it are kept. @default undefined (create)
     */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 zone id such as Z0123456789ABC').optional(),
    /** Marks an environment that is not one of the defaults (production, staging) as intended, not a typo. @default undefined */
    new: z.boolean().optional(),
    network: NetworkSchema,
    database: DatabaseSchema,
    service: ServiceSchema,
    loadBalancer: LoadBalancerSchema,
    edge: EdgeSchema,
    cutover: CutoverSchema,
    budget: BudgetSchema,
    dns: DnsSchema,
    /**
     * CloudWatch namespace the app writes business metrics to (embedded metric format in its logs): the
     * dashboard's business row reads it and the task gets it as METRICS_NAMESPACE. @default "VentureNudge/<env>"
     */
    businessMetricsNamespace: z.string().regex(/^(?!AWS\/)[A-Za-z0-9.\-_/#: ]{1,255}$/, 'must be 1-255 of A-Z a-z 0-9 . - _ / # : and space, not starting with AWS/').optional(),
    /** The source database the app uses at the web stages and the runner copies from. */
    sourceDatabase: SourceDatabaseSchema,
    runner: RunnerSchema,
    /**
     * Teardown: let `terraform destroy` delete the log buckets (ALB, CloudFront) and the ECR repositories
     * with their objects and images (S3 `force_destroy`, ECR `force_delete`). Off, destroy stops at the
     * first non-empty one, which keeps logs and images of a real environment. Turn it on (and apply) only
     * for an environment you mean to remove; the assets bucket (user uploads) is never force-destroyed.
     * @default false
     */
    forceDestroy: z.boolean(),
    /**
     * Terraform state backend. @default { type: "s3", bucket: "<appName>-terraform-state", region } (key
     * `<appName>/<env>.tfstate`, `use_lockfile`; create the bucket with npm run state:bootstrap).
     * `{ type: "local" }`: a relative file outside the build folder, for experiments.
     */
    backend: BackendSchema,
  })
  .strict()
  .superRefine((e, ctx) => {
    const managed = managedNames(e);
    e.dns.records.forEach((r, i) => {
      const owner = managed[r.name];
      const clash = owner && (r.name === 'www' || ['A', 'AAAA', 'CNAME'].includes(r.type));
      if (clash) ctx.addIssue({ code: 'custom', path: ['dns', 'records', i, 'name'], message: `${r.name} ${r.type} is managed by the stack (${owner}); remove it from dns.records` });
    });
    const outside = (e.runner.sourceCidrs ?? []).find((c) => !e.sourceDatabase.cidrs.some((s) => cidrContains(s, c)));
    if (outside) ctx.addIssue({ code: 'custom', path: ['runner', 'sourceCidrs'], message: `${outside} is not inside sourceDatabase.cidrs (${e.sourceDatabase.cidrs.join(', ')}); the runner would not reach the source the app uses` });
  });

/** Bucket of the default S3 backend (npm run state:bootstrap creates it; names are global: override backend.bucket if taken). */
export const DEFAULT_STATE_BUCKET = 'venture-nudge-terraform-state';

/** Longest name ELB accepts for a load balancer or a target group. */
export const MAX_ELB_NAME = 32;

export const ConfigSchema = z
  .object({
    /** Prefix of every resource name and of the SSM path. @default "venture-nudge" */
    appName: z.string().regex(/^[a-z][a-z0-9-]{1,20}[a-z0-9]$/, 'must be 3-22 lower-case letters, digits or dashes'),
    /** @default "us-east-1" */
    region: z.string().regex(REGION, 'must be an AWS region such as us-east-1'),
    environments: z.record(z.string().regex(/^[a-z][a-z0-9]{1,15}$/, 'environment names must be lower-case letters and digits'), EnvironmentSchema),
    /** GitHub Actions deploys through OIDC (stacks/github-deploy.ts, docs/ci.md). */
    github: GithubSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (Object.keys(c.environments).length === 0) ctx.addIssue({ code: 'custom', path: ['environments'], message: 'at least one environment is required' });
    if (c.github.oidcProviderEnvironment && !(c.github.oidcProviderEnvironment in c.environments)) {
      ctx.addIssue({ code: 'custom', path: ['github', 'oidcProviderEnvironment'], message: `"${c.github.oidcProviderEnvironment}" is not an environment; known: ${Object.keys(c.environments).join(', ')}` });
    }
    for (const [name, env] of Object.entries(c.environments)) {
      const alb = `${c.appName}-${name}-alb`;
      if (alb.length > MAX_ELB_NAME) {
        ctx.addIssue({ code: 'custom', path: ['appName'], message: `with environment "${name}" the load balancer would be named ${alb} (${alb.length} characters; ELB allows ${MAX_ELB_NAME}); shorten appName or the environment name` });
      }
      const bad = env.network.availabilityZones.find((az) => !az.startsWith(c.region));
      if (bad) ctx.addIssue({ code: 'custom', path: ['environments', name, 'network', 'availabilityZones'], message: `${bad} is not in region ${c.region}` });
      if (env.loadBalancer.cloudfrontOnly && !env.edge.cloudfrontPrefixListId && !CLOUDFRONT_ORIGIN_PREFIX_LISTS[c.region]) {
        ctx.addIssue({ code: 'custom', path: ['environments', name, 'edge', 'cloudfrontPrefixListId'], message: `no known CloudFront origin-facing prefix list for ${c.region}; set it (aws ec2 describe-managed-prefix-lists)` });
      }
    }
  });

export type Config = z.infer<typeof ConfigSchema>;
export type EnvironmentConfig = z.infer<typeof EnvironmentSchema>;

/**
 * A stack that creates its zone (no `hostedZoneId`) before the domain is delegated to it
 * (`dns.delegated` false): it synthesizes only the zone and its records (README "Zone and delegation").
 */
export function awaitingDelegation(env: Pick<EnvironmentConfig, 'hostedZoneId' | 'dns'>): boolean {
  return !env.hostedZoneId && !env.dns.delegated;
}

/** Deep partial of the config, for overrides from a file or from tests. */
export type DeepPartial<T> = T extends readonly (infer _U)[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type ConfigInput = DeepPartial<Config>;

/** The guide's integrations (OpenAI, Tavily, Agora) and the session secret. */
const GUIDE_SECRETS = ['OPENAI_API_KEY', 'TAVILY_API_KEY', 'AGORA_APP_ID', 'AGORA_APP_CERTIFICATE', 'NEXTAUTH_SECRET'];

function productionDefaults(region: string, domain: string): EnvironmentConfig {
  return {
    domain,
    network: { cidr: '10.0.0.0/16', availabilityZones: [`${region}a`, `${region}b`], natGatewayPerAz: true, flowLogRetentionDays: 30 },
    database: {
      engineVersion: '16',
      instanceClass: 'db.t3.medium',
      allocatedStorage: 100,
      maxAllocatedStorage: 200,
      multiAz: true,
      backupRetentionDays: 7,
      backupWindow: '03:00-04:00',
      maintenanceWindow: 'sun:07:00-sun:10:00',
      allowMajorVersionUpgrade: true,
      logRetentionDays: 30,
      deletionProtection: true,
      name: 'venturenudge',
      username: 'venturenudge_admin',
      performanceInsightsRetentionDays: 7,
      monitoringIntervalSeconds: 60,
      logicalReplication: false,
    },
    service: {
      cpu: 2048,
      memory: 4096,
      minTasks: 2,
      maxTasks: 10,
      cpuTargetPercent: 60,
      requestsPerTarget: 1000,
      containerPort: 3000,
      healthCheckPath: '/api/health',
      logRetentionDays: 30,
      environment: { NODE_ENV: 'production' },
      ssmSecrets: [...GUIDE_SECRETS],
      readonlyRootFilesystem: true,
    },
    loadBalancer: { sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', deletionProtection: true, cloudfrontOnly: true, accessLogs: true },
    edge: {
      priceClass: 'PriceClass_100',
      ipv6: true,
      minimumProtocolVersion: 'TLSv1.2_2021',
      staticPathPattern: '/_next/static/*',
      originLabel: 'origin',
      wafRateLimit: 2000,
      accessLogs: true,
      logRetentionDays: 30,
    },
    cutover: { stage: 'vercel', ttl: 300, vercelApexIps: ['76.76.21.21'], vercelCname: 'cname.vercel-dns.com', testHostLabel: 'aws' },
    budget: { thresholdsUsd: [200, 400, 600], alertEmails: [] },
    dns: { records: [], nameServers: [], delegated: false },
    sourceDatabase: { cidrs: ['0.0.0.0/0'], port: 5432 },
    runner: { enabled: true, cpu: 1024, memory: 2048, logRetentionDays: 30 },
    forceDestroy: false,
    backend: { type: 's3', bucket: DEFAULT_STATE_BUCKET, region, keyPrefix: '' },
  };
}

/** The guide's values. Staging is the same shape, smaller and cheaper. */
export function defaultConfig(region = 'us-east-1'): Config {
  const production = productionDefaults(region, 'venturenudge.com');
  const staging = productionDefaults(region, 'staging.venturenudge.com');
  staging.network = { ...staging.network, cidr: '10.1.0.0/16', natGatewayPerAz: false, flowLogRetentionDays: 7 };
  staging.database = { ...staging.database, instanceClass: 'db.t3.small', allocatedStorage: 20, maxAllocatedStorage: 50, multiAz: false, backupRetentionDays: 7, deletionProtection: true, logRetentionDays: 7 };
  staging.service = { ...staging.service, cpu: 1024, memory: 2048, minTasks: 1, maxTasks: 2, logRetentionDays: 7 };
  staging.loadBalancer = { ...staging.loadBalancer, deletionProtection: false };
  staging.edge = { ...staging.edge, logRetentionDays: 7 };
  staging.budget = { ...staging.budget, thresholdsUsd: [50, 100] };
  staging.cutover = { ...staging.cutover, stage: 'aws' };
  staging.runner = { ...staging.runner, logRetentionDays: 7 };
  return { appName: 'venture-nudge', region, environments: { production, staging }, github: { trust: 'environment', branch: 'main', planRole: true } };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, arrays and scalars replace. */
export function mergeDeep<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = k in out ? mergeDeep(out[k], v) : v;
  return out as T;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates overrides merged onto the defaults. An environment that is not in
 * the defaults starts from the production defaults. Throws ConfigError whose
 * lines read `<field path>: <what is wrong and what is allowed>`.
 */
export function resolveConfig(overrides: ConfigInput = {}): Config {
  const region = typeof overrides.region === 'string' ? overrides.region : 'us-east-1';
  const defaults = defaultConfig(region);
  const merged = mergeDeep(defaults, { ...overrides, environments: undefined }) as Config;
  const given = overrides.environments ?? {};
  const unknown = Object.entries(given).filter(([name, env]) => !(name in defaults.environments) && env !== null && env?.new !== true);
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map(([name]) => `environments.${name}: unknown environment (known: ${Object.keys(defaults.environments).join(', ')}${closest(name, Object.keys(defaults.environments))}); to add a new one, set "new": true in it`));
  }
  // Every other environment's domain derives from production's: staging.<production domain>.
  const productionDomain = given.production?.domain ?? defaults.environments.production.domain;
  merged.environments = {};
  for (const name of new Set([...Object.keys(defaults.environments), ...Object.keys(given)])) {
    const env = given[name];
    if (env === null) continue;
    const base = defaults.environments[name] ?? productionDefaults(region, productionDomain);
    const domain = name === 'production' ? base.domain : `${name}.${productionDomain}`;
    merged.environments[name] = mergeDeep({ ...base, domain }, env ?? {});
    // A backend of another type replaces the default one whole (no S3 fields left on a local backend).
    const backend = (env as { backend?: { type?: string } } | undefined)?.backend;
    if (backend && backend.type !== base.backend.type) (merged.environments[name] as { backend: unknown }).backend = backend;
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

/** ", did you mean production?" when `name` is one or two edits away from a known name. */
function closest(name: string, known: string[]): string {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length];
  };
  const hit = known.find((k) => distance(name, k) <= 2);
  return hit ? `; did you mean ${hit}?` : '';
}

/** Path of the optional JSON config file (deep-merged onto the defaults). */
export const CONFIG_FILE_ENV = 'VN_CONFIG';
export const DEFAULT_CONFIG_FILE = 'venture-nudge.config.json';

/**
 * Reads the config for a CLI or the app: defaults, then the JSON file named by
 * $VN_CONFIG (or ./venture-nudge.config.json if present), then IMAGE_TAG.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = env[CONFIG_FILE_ENV] ?? (existsSync(`${cwd}/${DEFAULT_CONFIG_FILE}`) ? `${cwd}/${DEFAULT_CONFIG_FILE}` : undefined);
  let overrides: ConfigInput = {};
  if (file) {
    try {
      overrides = JSON.parse(readFileSync(file, 'utf8')) as ConfigInput;
    } catch (e) {
      throw new ConfigError([`${file}: cannot read config file (${(e as Error).message})`]);
    }
  }
  // IMAGE_TAG_<ENV> (e.g. IMAGE_TAG_STAGING) sets one environment's tag, IMAGE_TAG every other's:
  // a tag pushed for one environment never reaches another's apply.
  const envs: Record<string, unknown> = { ...(overrides.environments ?? {}) };
  for (const name of new Set([...Object.keys(defaultConfig().environments), ...Object.keys(envs)])) {
    const tag = env[`IMAGE_TAG_${name.toUpperCase()}`] || env.IMAGE_TAG;
    if (tag && envs[name] !== null) envs[name] = mergeDeep(envs[name] ?? {}, { service: { imageTag: tag } });
  }
  overrides = { ...overrides, environments: envs as ConfigInput['environments'] };
  return resolveConfig(overrides);
}

/** Weights the cutover records carry for an environment. */
export function cutoverWeights(c: EnvironmentConfig['cutover']): { aws: number; vercel: number } {
  return c.weights ?? STAGE_WEIGHTS[c.stage];
}

/** Names shared by the two halves of the project (stacks and scripts). */
export function namesFor(config: Config, envName: string) {
  const env = config.environments[envName];
  if (!env) throw new ConfigError([`environments.${envName}: unknown environment; known: ${Object.keys(config.environments).join(', ')}`]);
  const prefix = `${config.appName}-${envName}`;
  return {
    prefix,
    /** SSM Parameter Store path the env sync writes and the task reads. */
    ssmPath: `/${config.appName}/${envName}/`,
    cluster: prefix,
    service: `${config.appName}-service`,
    /** The RDS-side ECS service (stages ready and rds). */
    rdsService: `${config.appName}-service-rds`,
    taskFamily: `${prefix}-task`,
    ecrRepository: prefix,
    /** ECR repository of the toolkit image (Dockerfile) the migration runner runs. */
    toolkitRepository: `${prefix}-toolkit`,
    /** SSM SecureString the runner reads SOURCE_DATABASE_URL from (outside `ssmPath`: the app never sees it, env:sync --prune never deletes it). */
    sourceUrlParameter: `/${config.appName}/migration-${envName}/SOURCE_DATABASE_URL`,
    /** SSM String (JSON) holding the record of the day: db:sync finish, db:rollback and cutover --apply write it (scripts/lib/cutover/ledger.ts). */
    dayRecordParameter: `/${config.appName}/${envName}/cutover/day`,
    dbIdentifier: `${prefix}-db`,
    dbName: env.database.name,
    apex: env.domain,
    www: `www.${env.domain}`,
    testHost: `${env.cutover.testHostLabel}.${env.domain}`,
    originHost: `${env.edge.originLabel}.${env.domain}`,
    /** Secrets Manager secret of the app's least-privilege database role (read at stage rds). */
    appDatabaseSecret: `${prefix}/app-database`,
  };
}

/** The environment's business-metrics namespace (config `businessMetricsNamespace`, default `VentureNudge/<env>`). */
export function businessMetricsNamespace(config: Config, envName: string): string {
  return config.environments[envName]?.businessMetricsNamespace ?? `VentureNudge/${envName}`;
}
