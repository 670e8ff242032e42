/**
 * Command-line pieces shared by the two-database scripts (db:copy, db:verify):
 * the source/target and table options, and their parsing.
 */
import { UsageError } from './args';
import { redactSecrets, resolveUrl } from '../db/url';

/** --from/--from-env/--to/--to-env: URLs preferably from environment variables. */
export const SOURCE_TARGET_OPTIONS = {
  from: { type: 'string', valueName: 'url', description: 'source URL (prefer --from-env: argv is visible to other users)' },
  'from-env': { type: 'string', valueName: 'NAME', description: 'environment variable holding the source URL', default: 'SOURCE_DATABASE_URL' },
  to: { type: 'string', valueName: 'url', description: 'target URL (prefer --to-env)' },
  'to-env': { type: 'string', valueName: 'NAME', description: 'environment variable holding the target URL', default: 'TARGET_DATABASE_URL' },
} as const;

/** --tables/--exclude-tables: comma-separated globs, repeatable. */
export const TABLE_OPTIONS = {
  tables: { type: 'string', multiple: true, valueName: 'patterns', description: 'only these tables (comma-separated globs: users,public.event*)' },
  'exclude-tables': { type: 'string', multiple: true, valueName: 'patterns', description: 'leave these tables out (comma-separated globs)' },
} as const;

/** Resolves both URLs (flags or environment) and a redactor that masks both passwords. */
export function resolveSourceTarget(args: { from?: string; 'from-env'?: string; to?: string; 'to-env'?: string }): { from: string; to: string; redact: (s: string) => string } {
  const from = resolveUrl({ url: args.from, env: args['from-env'], defaultEnv: 'SOURCE_DATABASE_URL', role: 'source', flags: ['--from', '--from-env'] });
  const to = resolveUrl({ url: args.to, env: args['to-env'], defaultEnv: 'TARGET_DATABASE_URL', role: 'target', flags: ['--to', '--to-env'] });
  return { from, to, redact: (s: string) => redactSecrets(s, [from, to]) };
}

/** The --jobs value as a whole number from 1 to 64. */
export function parseJobs(value: string | undefined): number {
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64 (got ${value})`);
  return jobs;
}

/** The --tables/--exclude-tables values as one list of patterns. */
export function tableFilter(args: { tables?: string[]; 'exclude-tables'?: string[] }): { include: string[]; exclude: string[] } {
  const split = (v?: string[]) => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return { include: split(args.tables), exclude: split(args['exclude-tables']) };
}

/** The --skip values (repeatable, comma-separated) as a list of kinds. */
export function skipKinds(values: string[] | undefined): string[] {
  return [...new Set((values ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))];
}
