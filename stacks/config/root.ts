/** The whole config: app name, region, the environments, GitHub. */
import { z } from 'zod';
import { CLOUDFRONT_ORIGIN_PREFIX_LISTS } from './edge';
import { EnvironmentSchema } from './environment';
import { REGION } from './fields';
import { GithubSchema } from './github';
import { MAX_ELB_NAME } from './naming';

/** The guide's app name. */
export const DEFAULT_APP_NAME = 'venture-nudge';
/** The guide's region (and the one CloudFront's certificates live in). */
export const DEFAULT_REGION = 'us-east-1';

export const ConfigSchema = z
  .object({
    /** Prefix of every resource name and of the SSM path. @default "venture-nudge" */
    appName: z.string().regex(/^[a-z][a-z0-9-]{1,20}[a-z0-9]$/, 'must be 3-22 lower-case letters, digits or dashes').default(DEFAULT_APP_NAME),
    /** @default "us-east-1" */
    region: z.string().regex(REGION, 'must be an AWS region such as us-east-1').default(DEFAULT_REGION),
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

/** Deep partial of the config, for overrides from a file or from tests. */
export type DeepPartial<T> = T extends readonly (infer _U)[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type ConfigInput = DeepPartial<Config>;
