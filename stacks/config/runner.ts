/** The migration runner (stacks/migration-runner.ts): one-off toolkit tasks inside the VPC (`npm run remote`). */
import { z } from 'zod';
import { fargateSizeProblem } from '../fargate';
import { CIDR, retention } from './fields';

export const RunnerSchema = z
  .object({
    /** The migration runner (stacks/migration-runner.ts; `npm run remote`). @default true */
    enabled: z.boolean().default(true),
    /** Fargate CPU units of a runner task. @default 1024 */
    cpu: z.number().int().default(1024),
    /** Fargate memory (MiB) of a runner task; see `service.cpu` for the valid pairs. @default 2048 */
    memory: z.number().int().default(2048),
    /** Narrows the runner's egress to the source database below `sourceDatabase.cidrs` (each inside one of them). @default sourceDatabase.cidrs */
    sourceCidrs: z.array(z.string().regex(CIDR, 'must be an IPv4 CIDR such as 203.0.113.0/24')).min(1, 'needs at least one CIDR (the source database)').optional(),
    /** Runner log retention in days. @default 30 (production), 7 (staging) */
    logRetentionDays: retention.default(30),
  })
  .strict()
  .superRefine((r, ctx) => {
    const size = fargateSizeProblem(r.cpu, r.memory);
    if (size) ctx.addIssue({ code: 'custom', path: [size.field], message: size.message });
  });

export type RunnerConfig = z.infer<typeof RunnerSchema>;

/** The schema's defaults, production's: 1 vCPU / 2 GB tasks (the MigrationRunner construct's defaults too). */
export const RUNNER_DEFAULTS: Readonly<RunnerConfig> = RunnerSchema.parse({});

/** Staging's runner: a week of logs. */
export const STAGING_RUNNER: Readonly<Partial<RunnerConfig>> = { logRetentionDays: 7 };
