/**
 * db:verify — compare two databases: per table exact row counts and content hashes computed
 * in the databases, schema objects and sequence values. See docs/data-migration.md.
 */
import { DEFAULT_JOBS } from './lib/db/pool';
import { parseCli, runCli } from './lib/cli/args';
import { describeUrl, redactSecrets } from './lib/db/url';
import { parseJobs, resolveSourceTarget, SOURCE_TARGET_OPTIONS, TABLE_OPTIONS, tableFilter } from './lib/cli/db-options';
import { createLogger } from './lib/cli/log';
import { warnPasswordInUrlFlags } from './lib/cli/password-warning';
import { formatMs } from './lib/text/units';

const spec = {
  name: 'npm run db:verify --',
  summary: 'Compare source and target: exact row counts and content hashes per table, schema objects, sequence values.',
  options: {
    ...SOURCE_TARGET_OPTIONS,
    jobs: { type: 'string', short: 'j', valueName: 'n', description: 'tables hashed in parallel', default: String(DEFAULT_JOBS) },
    ...TABLE_OPTIONS,
    'skip-schema': { type: 'boolean', description: 'compare data and sequences only, not schema objects' },
    'refresh-matviews': {
      type: 'boolean',
      description: 'compare materialized views as refreshed now: REFRESH them on the target, and compare with what their query returns on the source (a stale view on either side is then no mismatch)',
    },
  },
  epilog: 'Exit codes: 0 identical, 1 mismatch (each named on stderr and in the output) or failure, 2 bad command line.',
} as const;

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const jobs = parseJobs(args.jobs);
  const { from, to, redact } = resolveSourceTarget(args);
  warnPasswordInUrlFlags(createLogger({ redact }), { '--from': args.from, '--to': args.to });
  const [{ refuseSameDatabaseUrls }, { verifyDatabases }] = await Promise.all([import('./lib/db/session'), import('./lib/db/verify')]);
  refuseSameDatabaseUrls(from, to);
  const log = createLogger({ redact });
  const report = await verifyDatabases({
    from,
    to,
    jobs,
    schema: !args['skip-schema'],
    tables: tableFilter(args),
    refreshMatviews: Boolean(args['refresh-matviews']),
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
