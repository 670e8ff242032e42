/** GitHub Actions deploys through OIDC (stacks/github-deploy.ts, docs/ci.md). */
import { z } from 'zod';

export const GithubSchema = z
  .object({
    /** `owner/name` of the one repository whose workflows may deploy; unset: no deploy or plan role. @default undefined */
    repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be "owner/name"').optional(),
    /** ARN of the account's existing GitHub OIDC provider. @default undefined (created by `oidcProviderEnvironment`'s stack) */
    oidcProviderArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, 'must be arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com').optional(),
    /** The stack that creates the OIDC provider (one per account). @default undefined (production's stack, or the first environment's) */
    oidcProviderEnvironment: z.string().optional(),
    /** Deploy role trust: the GitHub environment named like the stack (protection rules apply), or `branch`. @default "environment" */
    trust: z.enum(['environment', 'branch']).default('environment'),
    /** Branch trusted when `trust` is "branch". @default "main" */
    branch: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'must be a branch name').default('main'),
    /** A read-only role for pull-request plans. @default true */
    planRole: z.boolean().default(true),
  })
  .strict();

export type GithubConfig = z.infer<typeof GithubSchema>;

/** The schema's defaults: trust by GitHub environment, a plan role, no repository until one is named. */
export const GITHUB_DEFAULTS: Readonly<GithubConfig> = GithubSchema.parse({});
