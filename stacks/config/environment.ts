/** One environment (one stack): its domain and zone, and every area of it. */
import { z } from 'zod';
import { BackendSchema } from './backend';
import { BudgetSchema } from './budget';
import { CutoverSchema } from './cutover';
import { DatabaseSchema } from './database';
import { DnsSchema } from './dns';
import { EdgeSchema } from './edge';
import { cidrContains, HOSTNAME } from './fields';
import { LoadBalancerSchema } from './load-balancer';
import { NetworkSchema } from './network';
import { RunnerSchema } from './runner';
import { ServiceSchema } from './service';
import { SourceDatabaseSchema } from './source-database';


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
    forceDestroy: z.boolean().default(false),
    /**
     * Terraform state backend. @default { type: "s3", bucket: DEFAULT_STATE_BUCKET, region: "<region>", keyPrefix: "" } (key
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


export type EnvironmentConfig = z.infer<typeof EnvironmentSchema>;

/**
 * A stack that creates its zone (no `hostedZoneId`) before the domain is delegated to it
 * (`dns.delegated` false): it synthesizes only the zone and its records (README "Zone and delegation").
 */
export function awaitingDelegation(env: Pick<EnvironmentConfig, 'hostedZoneId' | 'dns'>): boolean {
  return !env.hostedZoneId && !env.dns.delegated;
}
