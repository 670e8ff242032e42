/** The app's ECS service: Fargate size, autoscaling, image, health check, logs, environment and secrets. */
import { z } from 'zod';
import { fargateSizeProblem } from '../fargate';
import { ENV_NAME, retention } from './fields';

/** Tag the task definitions name while no image tag is configured (never pulled: the service runs 0 tasks). */
export const BOOTSTRAP_TAG = 'bootstrap';

/** The guide's integrations (OpenAI, Tavily, Agora) and the session secret. */
export const GUIDE_SECRETS: readonly string[] = ['OPENAI_API_KEY', 'TAVILY_API_KEY', 'AGORA_APP_ID', 'AGORA_APP_CERTIFICATE', 'NEXTAUTH_SECRET'];

export const ServiceSchema = z
  .object({
    /** Fargate CPU units. Valid memory per CPU: 256 -> 512..2048; 512 -> 1024..4096; 1024 -> 2048..8192; 2048 -> 4096..16384; 4096 -> 8192..30720 (1 GiB steps); 8192 -> 16384..61440 (4 GiB steps); 16384 -> 32768..122880 (8 GiB steps). @default 2048 (production), 1024 (staging) */
    cpu: z.number().int().default(2048),
    /** Fargate memory in MiB; see `cpu` for the valid pairs. @default 4096 (production), 2048 (staging) */
    memory: z.number().int().default(4096),
    /** Autoscaling floor (also the initial desired count). @default 2 (production), 1 (staging) */
    minTasks: z.number().int().min(1, 'must be at least 1').default(2),
    /** Autoscaling ceiling. @default 10 (production), 2 (staging) */
    maxTasks: z.number().int().min(1, 'must be at least 1').default(10),
    /** Average CPU % the autoscaler keeps. @default 60 */
    cpuTargetPercent: z.number().int().min(10).max(95).default(60),
    /** ALB requests per task the autoscaler keeps; 0 disables request-based scaling. @default 1000 */
    requestsPerTarget: z.number().int().min(0).default(1000),
    /** Port the Next.js server listens on. @default 3000 */
    containerPort: z.number().int().min(1).max(65535).default(3000),
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
    healthCheckPath: z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be an absolute URL path').default('/api/health'),
    /** Container log retention in days. @default 30 (production), 7 (staging) */
    logRetentionDays: retention.default(30),
    /** Plain (non-secret) container environment. @default { NODE_ENV: "production" } */
    environment: z.record(z.string().regex(ENV_NAME, 'environment names must match [A-Z_][A-Z0-9_]*'), z.string()).default({ NODE_ENV: 'production' }),
    /** Names of secrets read from SSM Parameter Store under `/<appName>/<env>/` (written by `npm run env:sync`). @default GUIDE_SECRETS (the guide's integrations and the session secret) */
    ssmSecrets: z.array(z.string().regex(ENV_NAME, 'secret names must match [A-Z_][A-Z0-9_]*')).default([...GUIDE_SECRETS]),
    /** Read-only root filesystem, with writable volumes at /tmp and /app/.next/cache. @default true */
    readonlyRootFilesystem: z.boolean().default(true),
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

export type ServiceConfig = z.infer<typeof ServiceSchema>;

/** The schema's defaults, production's: the guide's 2 vCPU / 4 GB task, scaling 2 to 10. */
export const SERVICE_DEFAULTS: Readonly<ServiceConfig> = ServiceSchema.parse({});

/** Staging's service: 1 vCPU / 2 GB, scaling 1 to 2, a week of logs. */
export const STAGING_SERVICE: Readonly<Partial<ServiceConfig>> = { cpu: 1024, memory: 2048, minTasks: 1, maxTasks: 2, logRetentionDays: 7 };
