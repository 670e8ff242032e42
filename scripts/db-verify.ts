/**
 * db:verify — compare two databases: per table exact row counts and content hashes computed
 * in the databases, schema objects and sequence values. See docs/data-migration.md.
 */
import { parseCli, runCli, UsageError } from './lib/args';
import { redactSecrets, resolveUrl, sameDatabase, MigrationError, describeUrl } from './lib/connection';
import { createLogger } from './lib/log';
import { formatMs } from './lib/progress';
import { verifyDatabases } from './lib/verify';

const spec = {
  name: 'npm run db:verify --',
  summary: 'Compare source and target: exact row counts and content hashes per table, schema objects, sequence values.',
  options: {
    from: { type: 'string', valueName: 'url', description: 'source URL (prefer --from-env)' },
    'from-env': { type: 'string', valueName: 'NAME', description: 'environment variable holding the source URL', default: 'SOURCE_DATABASE_URL' },
    to: { type: 'string', valueName: 'url', description: 'target URL (prefer --to-env)' },
    'to-env': { type: 'string', valueName: 'NAME', description: 'environment variable holding the target URL', default: 'TARGET_DATABASE_URL' },
    jobs: { type: 'string', short: 'j', valueName: 'n', description: 'tables hashed in parallel', default: '2' },
    tables: { type: 'string', multiple: true, valueName: 'patterns', description: 'only these tables (comma-separated globs)' },
    'exclude-tables': { type: 'string', multiple: true, valueName: 'patterns', description: 'leave these tables out' },
    'skip-schema': { type: 'boolean', description: 'compare data and sequences only, not schema objects' },
  },
  epilog: 'Exit codes: 0 identical, 1 mismatch (each named on stderr and in the output) or failure, 2 bad command line.',
} as const;

const splitList = (v?: string[]) => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const jobs = Number(args.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64 (got ${args.jobs})`);
  const from = resolveUrl({ url: args.from, env: args['from-env'], defaultEnv: 'SOURCE_DATABASE_URL', role: 'source', flags: ['--from', '--from-env'] });
  const to = resolveUrl({ url: args.to, env: args['to-env'], defaultEnv: 'TARGET_DATABASE_URL', role: 'target', flags: ['--to', '--to-env'] });
  if (sameDatabase(from, to)) throw new MigrationError(`--from and --to name the same database (${describeUrl(from)}): point --to at the other database`);
  const redact = (s: string) => redactSecrets(s, [from, to]);
  const log = createLogger({ redact });
  const report = await verifyDatabases({
    from,
    to,
    jobs,
    schema: !args['skip-schema'],
    tables: { include: splitList(args.tables), exclude: splitList(args['exclude-tables']) },
  });
  if (args.json) {
    process.stdout.write(redact(JSON.stringify({ source: describeUrl(from), target: describeUrl(to), ...report }, null, 2)) + '\n');
  } else {
    const w = Math.max(5, ...report.tables.map((t) => t.table.length));
    const lines = [`verify ${describeUrl(from)} -> ${describeUrl(to)}`, '', `${'table'.padEnd(w)}  ${'source rows'.padStart(12)}  ${'target rows'.padStart(12)}  result`];
    for (const t of report.tables) {
      lines.push(`${t.table.padEnd(w)}  ${String(t.sourceRows).padStart(12)}  ${String(t.targetRows ?? '-').padStart(12)}  ${t.match ? 'match' : 'MISMATCH'}`);
    }
    lines.push('', `schema objects: ${report.schema.length ? `${report.schema.length} difference(s)` : 'identical'}; sequences: ${report.sequences.filter((s) => !s.match).length} difference(s); ${formatMs(report.ms)}`);
    lines.push(report.ok ? 'OK' : `MISMATCH\n  ${report.mismatches.join('\n  ')}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (!report.ok) {
    for (const m of report.mismatches) log.error(`mismatch: ${m}`);
    return 1;
  }
  return 0;
}

if (require.main === module) runCli(main, (s) => redactSecrets(s, [process.env.SOURCE_DATABASE_URL, process.env.TARGET_DATABASE_URL]));
