/**
 * ci-names — the names a workflow needs for one stack, from the one config (stacks/config/),
 * as `key=value` lines for $GITHUB_OUTPUT. No AWS call. See docs/ci.md.
 *
 *   npm run --silent ci:names -- --env production --account 123456789012 >> "$GITHUB_OUTPUT"
 */
import type { Config } from '../stacks/config';
import { namesFor } from '../stacks/config/naming';
import { standbyRuns } from '../stacks/config/stages';
import { parseCli, runCli, UsageError } from './lib/cli/args';

const spec = {
  name: 'npm run ci:names --',
  summary: 'Print region, cluster, service, repositories and the GitHub role ARNs of one stack as key=value lines.',
  options: {
    env: { type: 'string', valueName: 'name', description: 'environment (stack), e.g. production' },
    account: { type: 'string', valueName: 'id', description: 'AWS account id (12 digits), for the role ARNs' },
  },
  epilog: 'Reads VN_CONFIG / venture-nudge.config.json like synth. Exit codes: 0, 1 bad config, 2 bad command line.',
} as const;

/** The key=value lines for one stack. */
export function ciNames(env: string, account: string, config: Config): Record<string, string> {
  if (!/^\d{12}$/.test(account)) throw new UsageError(`--account must be a 12-digit AWS account id (got "${account}")`);
  const n = namesFor(config, env);
  return {
    region: config.region,
    app_name: config.appName,
    cluster: n.cluster,
    service: n.service,
    app_repository: n.ecrRepository,
    toolkit_repository: n.toolkitRepository,
    /** The committed cutover stage (the deploy checks the app image's RDS CA bundle before `rds`). */
    cutover_stage: config.environments[env].cutover.stage,
    /** Whether the RDS-side service runs at that stage (ready, rds, rds-only): its tasks verify RDS with the image's CA bundle. */
    rds_side: String(standbyRuns(config.environments[env].cutover.stage)),
    deploy_role_arn: `arn:aws:iam::${account}:role/${n.prefix}-github-deploy`,
    plan_role_arn: `arn:aws:iam::${account}:role/${n.prefix}-github-plan`,
  };
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  if (!args.env || !args.account) throw new UsageError('--env and --account are required');
  // The config's schema (zod) loads once the command line is read: --help loads none of it.
  const { loadConfig } = await import('../stacks/config');
  const names = ciNames(args.env, args.account, loadConfig());
  process.stdout.write(args.json ? JSON.stringify(names) + '\n' : Object.entries(names).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return 0;
}

if (require.main === module) runCli(main, { fullMessage: true });
