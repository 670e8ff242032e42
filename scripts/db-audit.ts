/**
 * db:audit — inventory of a database before a migration. See docs/data-migration.md.
 */
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { redactSecrets, resolveUrl } from './lib/db/url';
import type { AuditReport } from './lib/db/audit';
import { formatBytes } from './lib/text/units';
import { createLogger } from './lib/cli/log';
import { warnPasswordInUrlFlags } from './lib/cli/password-warning';

const spec = {
  name: 'npm run db:audit --',
  summary: 'Report server version, size, tables (size, estimated and exact rows), extensions, sequences, tables without a\nprimary key, large objects, unlogged tables, replication readiness and what the copy cannot carry.',
  options: {
    url: { type: 'string', valueName: 'url', description: 'database URL (prefer --url-env)' },
    'url-env': { type: 'string', valueName: 'NAME', description: 'environment variable holding the URL', default: 'SOURCE_DATABASE_URL' },
    'estimate-only': { type: 'boolean', description: 'skip exact count(*) per table (fast on big databases)' },
    'target-env': { type: 'string', valueName: 'NAME', description: 'environment variable holding a target URL: check its available extensions instead of the dated RDS list' },
    'rate-mb-per-s': { type: 'string', valueName: 'MB/s', description: 'copy rate for the time estimate (default: the measured rate, see docs)' },
  },
  epilog: 'Example: npm run db:audit -- --url-env VERCEL_DATABASE_URL --json > audit.json',
} as const;

export function renderAudit(r: AuditReport): string {
  const lines = [`database ${r.database}: PostgreSQL ${r.server.version}, ${formatBytes(r.sizeBytes)}`, ''];
  const w = Math.max(5, ...r.tables.map((t) => t.table.length));
  lines.push(`${'table'.padEnd(w)}  ${'size'.padStart(9)}  ${'est. rows'.padStart(10)}  ${'rows'.padStart(10)}  notes`);
  for (const t of r.tables) {
    const notes = [t.partitioned ? 'partitioned' : '', t.partitionOf ? `partition of ${t.partitionOf}` : '', !t.hasPrimaryKey && !t.partitioned ? 'no primary key' : '', t.unlogged ? 'unlogged' : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`${t.table.padEnd(w)}  ${formatBytes(t.bytes).padStart(9)}  ${String(t.estimatedRows).padStart(10)}  ${String(t.exactRows ?? '-').padStart(10)}  ${notes}`);
  }
  lines.push('', `extensions: ${r.extensions.map((x) => `${x.name} ${x.version}`).join(', ') || 'none'}`);
  lines.push(`sequences: ${r.sequences.map((s) => `${s.sequence}=${s.lastValue}${s.isCalled ? '' : ' (not called)'}`).join(', ') || 'none'}`);
  lines.push(`objects: ${Object.entries(r.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  lines.push(`tables without a primary key: ${r.tablesWithoutPrimaryKey.join(', ') || 'none'}`);
  lines.push(`unlogged tables: ${r.unloggedTables.join(', ') || 'none'}`);
  lines.push(`large objects: ${r.largeObjects}`);
  lines.push(`replication: wal_level=${r.replication.walLevel}, max_replication_slots=${r.replication.maxReplicationSlots}, max_wal_senders=${r.replication.maxWalSenders}: ${r.replication.ready ? 'ready' : 'not ready'}`);
  for (const n of r.replication.notes) lines.push(`  - ${n}`);
  lines.push(`not carried by db:copy: ${r.notCarried.length ? '' : 'nothing'}`);
  for (const n of r.notCarried) lines.push(`  - ${n}`);
  lines.push('', `RDS fit (extensions checked against ${r.rds.extensionList.engine}, list of ${r.rds.extensionList.checked}: ${r.rds.extensionList.source})`);
  lines.push(`  extensions RDS does not offer: ${r.rds.unavailableExtensions.map((x) => `${x.name} ${x.version}`).join(', ') || 'none'}`);
  lines.push(`  objects that need a superuser: ${r.rds.superuserObjects.length ? '' : 'none'}`);
  for (const o of r.rds.superuserObjects) lines.push(`    - ${o}`);
  lines.push(`  provider roles: ${r.rds.providerRoles.length ? '' : 'none'}`);
  for (const p of r.rds.providerRoles) lines.push(`    - ${p.role} (${p.provider})${p.namedBy.length ? `: named by ${p.namedBy.join('; ')}` : ': not named by any grant or policy'}`);
  lines.push(`  roles the target must have before the copy: ${r.rds.requiredRoles.join(', ') || 'none'}`);
  const e = r.copyEstimate;
  lines.push('', `copy estimate: ${formatBytes(e.bytes)} at ${(e.bytesPerSecond / 1e6).toFixed(1)} MB/s = about ${Math.max(1, Math.round(e.seconds))} s (rate: ${e.rateSource})`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  warnPasswordInUrlFlags(createLogger({ redact: (s) => redactSecrets(s, [args.url]) }), { '--url': args.url });
  const url = resolveUrl({ url: args.url, env: args['url-env'], defaultEnv: 'SOURCE_DATABASE_URL', role: 'database', flags: ['--url', '--url-env'] });
  const rate = args['rate-mb-per-s'] === undefined ? undefined : Number(args['rate-mb-per-s']);
  if (rate !== undefined && !(rate > 0)) throw new UsageError(`--rate-mb-per-s must be a positive number of megabytes per second, got "${args['rate-mb-per-s']}"`);
  const targetEnv = args['target-env'];
  const targetUrl = targetEnv ? process.env[targetEnv] : undefined;
  if (targetEnv && !targetUrl) throw new UsageError(`--target-env ${targetEnv}: the environment variable is not set`);
  const { auditDatabase } = await import('./lib/db/audit');
  const report = await auditDatabase({ url, exactCounts: !args['estimate-only'], copyRateBytesPerSecond: rate && rate * 1e6, targetUrl });
  process.stdout.write(redactSecrets(args.json ? JSON.stringify(report, null, 2) + '\n' : renderAudit(report), [url, targetUrl]));
  return 0;
}

if (require.main === module) runCli(main, (s) => redactSecrets(s, [process.env.SOURCE_DATABASE_URL, process.env.TARGET_DATABASE_URL]));
