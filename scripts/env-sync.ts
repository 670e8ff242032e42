/**
 * npm run env:sync -- [--file .env.production] [--env production] [--dry-run] ...
 *
 * Writes the variables of a dotenv file (from `npx vercel env pull`) to SSM
 * Parameter Store as SecureStrings under the stack's path, where the ECS task
 * reads them. See docs/env-sync.md. Values are never printed.
 */
import { loadConfig, namesFor } from '../stacks/config';
import { SyncError, SyncResult, readEnvFile, syncEnvToSsm } from './lib/ssm';

const HELP = `Usage: npm run env:sync -- [options]

Writes every variable of a dotenv file to SSM Parameter Store as a SecureString
under /<appName>/<env>/NAME (the path the ECS task reads). Unchanged values are
not rewritten; the summary counts created / updated / unchanged / deleted.
Values are never printed (only their length).

Options:
  --file <path>            dotenv file (default .env.production, from \`npx vercel env pull\`)
  --env <name>             stack environment: production | staging (default production)
  --dry-run                show what would be written (names, types, value lengths); write nothing
  --json                   machine-readable result on stdout
  --prune                  also delete parameters under the path that the file does not contain
  --only <A,B>             write only these names
  --skip <A,B>             do not write these names
  --include-database-vars  also write POSTGRES_*, DATABASE_URL*, PG* (skipped by default:
                           the stack sets PG* from RDS)
  --strict                 fail when a name the task expects (config service.ssmSecrets) is
                           missing, or a value is empty
  --kms-key-id <id|arn>    KMS key for the SecureStrings (default: aws/ssm)
  --advanced-tier          allow values up to 8 KB as Advanced-tier parameters (billed);
                           without it values over 4 KB are an error
  --help                   this text

AWS credentials and region come from the usual AWS chain; the region defaults
to the config's. AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL point the client at
another endpoint (tests use a local moto).
Exit codes: 0 ok, 1 invalid input or AWS error, 2 usage.`;

interface Args {
  file: string;
  env: string;
  dryRun: boolean;
  json: boolean;
  prune: boolean;
  only?: string[];
  skip?: string[];
  includeDatabaseVars: boolean;
  strict: boolean;
  kmsKeyId?: string;
  advancedTier: boolean;
}

class UsageError extends Error {}

export function parseArgs(argv: string[]): Args | 'help' {
  const args: Args = { file: '.env.production', env: 'production', dryRun: false, json: false, prune: false, includeDatabaseVars: false, strict: false, advancedTier: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const list = () => value().split(',').map((s) => s.trim()).filter(Boolean);
    switch (a) {
      case '--help':
      case '-h':
        return 'help';
      case '--file': args.file = value(); break;
      case '--env': args.env = value(); break;
      case '--dry-run': args.dryRun = true; break;
      case '--json': args.json = true; break;
      case '--prune': args.prune = true; break;
      case '--only': args.only = [...(args.only ?? []), ...list()]; break;
      case '--skip': args.skip = [...(args.skip ?? []), ...list()]; break;
      case '--include-database-vars': args.includeDatabaseVars = true; break;
      case '--strict': args.strict = true; break;
      case '--kms-key-id': args.kmsKeyId = value(); break;
      case '--advanced-tier': args.advancedTier = true; break;
      default:
        throw new UsageError(`unknown option ${a}; see --help`);
    }
  }
  return args;
}

function human(result: SyncResult): string {
  const lines: string[] = [];
  const width = Math.max(4, ...result.items.map((i) => i.name.length));
  lines.push(`${result.dryRun ? 'DRY RUN (nothing written): ' : ''}SSM path ${result.path}`);
  for (const i of result.items) {
    const what = i.action === 'delete' ? '' : `${i.type}${i.tier ? ` (${i.tier})` : ''}, value ${i.bytes} bytes`;
    lines.push(`  ${i.action.padEnd(9)} ${i.name.padEnd(width)}  ${what}${i.reason ? ` - ${i.reason}` : ''}`);
  }
  const c = result.counts;
  lines.push(`${result.dryRun ? 'would be ' : ''}created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, deleted ${c.deleted}, skipped ${c.skipped}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`env:sync: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (args === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  try {
    const config = loadConfig();
    const names = namesFor(config, args.env);
    const entries = readEnvFile(args.file);
    const result = await syncEnvToSsm({
      path: names.ssmPath,
      entries,
      only: args.only,
      skip: args.skip,
      includeDatabaseVars: args.includeDatabaseVars,
      expected: config.environments[args.env].service.ssmSecrets,
      strict: args.strict,
      dryRun: args.dryRun,
      prune: args.prune,
      kmsKeyId: args.kmsKeyId,
      advancedTier: args.advancedTier,
      region: config.region,
    });
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${human(result)}\n`);
    return 0;
  } catch (e) {
    const err = e as Error;
    if (err instanceof SyncError || err.name === 'ConfigError') {
      process.stderr.write(`env:sync: ${err.message}\n`);
      return 1;
    }
    // Unexpected (e.g. credentials): one line, no stack, no values (the SDK never echoes parameter values).
    process.stderr.write(`env:sync: ${err.name}: ${err.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
