/**
 * npm run state:bootstrap -- [--env production] [--dry-run] [--json]
 *
 * Creates the S3 bucket of the stacks' Terraform state (the default backend: S3 with
 * Terraform's own lock file, no DynamoDB), versioned, encrypted, private, TLS only. Run once,
 * as an administrator of the account, before the first apply. See docs/ci.md ("State").
 */
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import type { StateBucketResult } from './lib/aws/state-bucket';

const spec = {
  name: 'npm run state:bootstrap --',
  summary: `Create (or repair) the S3 bucket the stacks keep their Terraform state in: versioning,
SSE-S3, public access blocked, owner-enforced, TLS-only policy, noncurrent versions kept 90 days.
Locking needs nothing more: the backend writes <key>.tflock next to the state (use_lockfile).`,
  options: {
    env: { type: 'string', multiple: true, valueName: 'name', description: 'environment whose backend bucket to create (repeatable) (default: every environment on the S3 backend)' },
    'dry-run': { type: 'boolean', description: 'list the buckets and settings; call nothing', default: false },
  },
  epilog: `Uses the default AWS credential chain (an administrator of the account). Reads VN_CONFIG /
venture-nudge.config.json like synth. Exit codes: 0 every bucket ready, 1 an error, 2 a bad command line.`,
} as const;

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  // The config's schema and the S3 client load once the command line is read: --help loads neither.
  const [{ loadConfig }, { ensureStateBucket }] = await Promise.all([import('../stacks/config'), import('./lib/aws/state-bucket')]);
  const log = createLogger();
  const config = loadConfig();
  const envs = args.env?.flatMap((e) => e.split(',')).filter(Boolean) ?? Object.keys(config.environments);
  const buckets = new Map<string, { region: string; field: string }>();
  for (const env of envs) {
    const e = config.environments[env];
    if (!e) throw new UsageError(`--env ${env}: unknown environment; known: ${Object.keys(config.environments).join(', ')}`);
    if (e.backend.type !== 's3') {
      if (args.env) throw new Error(`environments.${env}.backend is local: nothing to create; set it to { "type": "s3", "bucket": ..., "region": ... } for remote state`);
      continue;
    }
    buckets.set(e.backend.bucket, { region: e.backend.region, field: `environments.${env}.backend.bucket` });
  }
  const results: StateBucketResult[] = [];
  for (const [bucket, b] of buckets) {
    const r = await ensureStateBucket({ bucket, region: b.region, field: b.field, dryRun: args['dry-run'] });
    log.info(`${args['dry-run'] ? 'DRY RUN: would make ' : ''}s3://${r.bucket} (${r.region}) ready: ${r.steps.join('; ')}`);
    results.push(r);
  }
  if (results.length === 0) log.info('no environment uses the S3 backend: nothing to create');
  if (args.json) process.stdout.write(`${JSON.stringify({ dryRun: args['dry-run'], buckets: results }, null, 2)}\n`);
  return 0;
}

runCli(main, { fullMessage: true });
