/** Which cutover stage the weighted records express, and what they point at on the Vercel side. */
import { z } from 'zod';
import { HOSTNAME, IPV4, LABEL, weight } from './fields';
import { CUTOVER_STAGES, databaseOfRecord, STAGE_WEIGHTS } from './stages';

export const CutoverSchema = z
  .object({
    /** Which of the guide's cutover stages the weighted records express (production starts with 0 % on AWS). @default "vercel" (production), "aws" (staging) */
    stage: z.enum(CUTOVER_STAGES, { error: `must be one of ${CUTOVER_STAGES.join(', ')}` }).default('vercel'),
    /** Explicit weights instead of the stage's (each 0..255). @default undefined (the stage's STAGE_WEIGHTS) */
    weights: z.object({ aws: weight, vercel: weight }).strict().optional(),
    /** TTL of the non-alias records (the guide lowers it to 300 s for the cutover). @default 300 */
    ttl: z.number().int().min(0).max(172800).default(300),
    /** Vercel's apex A record targets. @default ["76.76.21.21"] */
    vercelApexIps: z.array(z.string().regex(IPV4, 'must be an IPv4 address')).min(1).default(['76.76.21.21']),
    /** Vercel's CNAME target for `www`. @default "cname.vercel-dns.com" */
    vercelCname: z.string().regex(HOSTNAME, 'must be a host name').default('cname.vercel-dns.com'),
    /** Label of the always-AWS test host (the guide's aws.venturenudge.com). @default "aws" */
    testHostLabel: z.string().regex(LABEL, 'must be a single DNS label').default('aws'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.weights && c.weights.aws === 0 && c.weights.vercel === 0) {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: 'aws and vercel weights are both 0; Route 53 would then split evenly. Use stage "50" for that' });
    }
    if (databaseOfRecord(c.stage) === 'rds' && c.weights && c.weights.vercel > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['weights'],
        message: `stage ${c.stage} makes RDS the database of record, but vercel weight ${c.weights.vercel} keeps sending users to Vercel, which writes to Vercel Postgres: two databases would take writes. Remove weights (${c.stage} is 100 % AWS) or go back to stage aws`,
      });
    }
  });

export type CutoverConfig = z.infer<typeof CutoverSchema>;

/** The schema's defaults: production starts with all weight on Vercel, records at a 300 s TTL. */
export const CUTOVER_DEFAULTS: Readonly<CutoverConfig> = CutoverSchema.parse({});

/** Staging serves from AWS from the start. */
export const STAGING_CUTOVER: Readonly<Partial<CutoverConfig>> = { stage: 'aws' };

/** Weights the cutover records carry for an environment. */
export function cutoverWeights(c: CutoverConfig): { aws: number; vercel: number } {
  return c.weights ?? STAGE_WEIGHTS[c.stage];
}
