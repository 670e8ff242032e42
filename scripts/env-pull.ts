/**
 * npm run env:pull -- [--env production] [--file .env.restore] [--force] [--dry-run] [--json]
 *
 * The reverse of env:sync: reads every parameter under the stack's SSM path and writes
 * them to a dotenv file with mode 0600, e.g. to put the app's environment back on
 * Vercel during a rollback. See docs/validation.md. Values are never printed.
 */
import { parseCli, runCli } from './lib/cli/args';
import type { PullResult } from './lib/aws/env-pull';

const spec = {
  name: 'npm run env:pull --',
  summary: `Reads every parameter under /<appName>/<env>/ from SSM Parameter Store
(decrypted) and writes them to a dotenv file, created with mode 0600. Each value
is quoted so that dotenv (and env:sync) read it back exactly. Values are never
printed (only their length).`,
  options: {
    env: { type: 'string', valueName: 'name', description: 'stack environment: production | staging', default: 'production' },
    file: { type: 'string', valueName: 'path', description: 'dotenv file to write', default: '.env.restore' },
    force: { type: 'boolean', description: 'replace the file if it exists', default: false },
    'dry-run': { type: 'boolean', description: 'list the names and value lengths that would be written; write nothing', default: false },
    only: { type: 'string', multiple: true, valueName: 'A,B', description: 'pull only these names (comma list, repeatable)' },
    skip: { type: 'string', multiple: true, valueName: 'A,B', description: 'do not pull these names (comma list, repeatable)' },
  },
  epilog: `AWS credentials and region come from the usual AWS chain; the region defaults
to the config's. AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL point the client at
another endpoint (tests use a local moto).
Back on Vercel: \`vercel env add NAME production < value\` per variable, or paste
the file into the project's Environment Variables page, then delete the file.
Exit codes: 0 ok, 1 SSM, file or value error, 2 usage.`,
} as const;

const list = (v?: string[]) => (v ? v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean) : undefined);

function human(r: PullResult): string {
  const width = Math.max(4, ...r.variables.map((v) => v.name.length));
  const lines = [`${r.dryRun ? 'DRY RUN (nothing written): ' : ''}SSM path ${r.path} -> ${r.file}${r.written ? ' (mode 0600)' : ''}`];
  for (const v of r.variables) lines.push(`  ${v.name.padEnd(width)}  ${v.type}, value ${v.bytes} bytes`);
  for (const s of r.skipped) lines.push(`  ${s.name.padEnd(width)}  skipped - ${s.reason}`);
  lines.push(`${r.dryRun ? 'would write' : 'wrote'} ${r.variables.length} variable(s), skipped ${r.skipped.length}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  // The config's schema and the SSM client load once the command line is read: --help loads neither.
  const [{ loadConfig, namesFor }, { PullError, pullSsmToEnv }] = await Promise.all([import('../stacks/config'), import('./lib/aws/env-pull')]);
  try {
    const config = loadConfig();
    const names = namesFor(config, args.env);
    const result = await pullSsmToEnv({
      path: names.ssmPath,
      file: args.file,
      force: args.force,
      dryRun: args['dry-run'],
      only: list(args.only),
      skip: list(args.skip),
      region: config.region,
    });
    process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${human(result)}\n`);
    return 0;
  } catch (e) {
    const err = e as Error;
    if (err instanceof PullError || err.name === 'ConfigError' || err.name === 'SyncError') throw err;
    // Unexpected (e.g. credentials): the error's name and message, no stack; the SDK never echoes values.
    throw new Error(`${err.name}: ${err.message}`);
  }
}

if (require.main === module) runCli(main, { fullMessage: true });
