/**
 * npm run env:sync -- [--file .env.production] [--env production] [--dry-run] ...
 *
 * Writes the variables of a dotenv file (from `npx vercel env pull`) to SSM
 * Parameter Store as SecureStrings under the stack's path, where the ECS task
 * reads them. See docs/env-sync.md. Values are never printed.
 */
import { parseCli, runCli } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import type { SyncResult } from './lib/aws/ssm';

const spec = {
  name: 'npm run env:sync --',
  summary: `Writes every variable of a dotenv file to SSM Parameter Store as a SecureString
under /<appName>/<env>/NAME (the path the ECS task reads). Unchanged values are
not rewritten; the summary counts created / updated / unchanged / deleted.
Values are never printed (only their length). Lines dotenv cannot parse
(API:KEY=..., MY KEY=...) are reported by line number, and names the task does
not read (not in service.ssmSecrets) are reported as "will not reach the task".`,
  options: {
    file: { type: 'string', valueName: 'path', description: 'dotenv file, from `npx vercel env pull`', default: '.env.production' },
    env: { type: 'string', valueName: 'name', description: 'stack environment: production | staging', default: 'production' },
    'dry-run': { type: 'boolean', description: 'show what would be written (names, types, value lengths); write nothing', default: false },
    prune: { type: 'boolean', description: 'also delete parameters under the path that the file does not contain', default: false },
    only: { type: 'string', multiple: true, valueName: 'A,B', description: 'write only these names (comma list, repeatable)' },
    skip: { type: 'string', multiple: true, valueName: 'A,B', description: 'do not write these names (comma list, repeatable)' },
    'include-database-vars': {
      type: 'boolean',
      description: `also write POSTGRES_*, DATABASE_URL*, PG* (skipped by default:
the stack sets PG* from RDS)`,
      default: false,
    },
    strict: {
      type: 'boolean',
      description: `fail when a name the task expects (config service.ssmSecrets) is
missing, a value is empty, or a line cannot be parsed`,
      default: false,
    },
    'kms-key-id': { type: 'string', valueName: 'id|arn', description: 'KMS key for the SecureStrings (default: aws/ssm)' },
    'advanced-tier': {
      type: 'boolean',
      description: `allow values up to 8 KB as Advanced-tier parameters (billed);
without it values over 4 KB are an error`,
      default: false,
    },
  },
  epilog: `AWS credentials and region come from the usual AWS chain; the region defaults
to the config's. AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL point the client at
another endpoint (tests use a local moto).
Exit codes: 0 ok, 1 invalid input or AWS error, 2 usage.`,
} as const;

const list = (v?: string[]) => (v ? v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean) : undefined);

function human(result: SyncResult): string {
  const lines: string[] = [];
  const width = Math.max(4, ...result.items.map((i) => i.name.length));
  lines.push(`${result.dryRun ? 'DRY RUN (nothing written): ' : ''}SSM path ${result.path}`);
  const unreachable = new Set(result.notReachingTask);
  for (const i of result.items) {
    const what = i.action === 'delete' ? '' : `${i.type}${i.tier ? ` (${i.tier})` : ''}, value ${i.bytes} bytes`;
    const reason = i.reason ?? (unreachable.has(i.name) && i.action !== 'delete' ? 'will not reach the task (not in service.ssmSecrets)' : undefined);
    lines.push(`  ${i.action.padEnd(9)} ${i.name.padEnd(width)}  ${what}${reason ? ` - ${reason}` : ''}`);
  }
  const c = result.counts;
  lines.push(`${result.dryRun ? 'would be ' : ''}created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, deleted ${c.deleted}, skipped ${c.skipped}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const log = createLogger();
  // The config's schema and the SSM client load once the command line is read: --help loads neither.
  const [{ loadConfig, namesFor }, { SyncError, readEnvFileReport, syncEnvToSsm }] = await Promise.all([import('../stacks/config'), import('./lib/aws/ssm')]);
  try {
    const config = loadConfig();
    const names = namesFor(config, args.env);
    const { entries, unparsed, cutAtHash } = readEnvFileReport(args.file);
    const result = await syncEnvToSsm({
      path: names.ssmPath,
      entries,
      unparsed,
      cutAtHash,
      file: args.file,
      only: list(args.only),
      skip: list(args.skip),
      includeDatabaseVars: args['include-database-vars'],
      expected: config.environments[args.env].service.ssmSecrets,
      strict: args.strict,
      dryRun: args['dry-run'],
      prune: args.prune,
      kmsKeyId: args['kms-key-id'],
      advancedTier: args['advanced-tier'],
      region: config.region,
    });
    for (const w of result.warnings) log.warn(w);
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${human(result)}\n`);
    return 0;
  } catch (e) {
    const err = e as Error;
    if (err instanceof SyncError || err.name === 'ConfigError') throw err;
    // Unexpected (e.g. credentials): keep the error's name, no stack, no values (the SDK never echoes parameter values).
    throw new Error(`${err.name}: ${err.message}`);
  }
}

if (require.main === module) runCli(main, { fullMessage: true });
