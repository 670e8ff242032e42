/**
 * The toolkit image's entry point, as functions: which compiled script an npm script
 * name runs, and the environment it runs with inside the migration runner.
 *
 *   node dist/scripts/toolkit.js db:copy --jobs 4
 *
 * `db:copy` is looked up in package.json's `scripts` (so `db:rollback`'s fixed flags and
 * any script added later come along), its `scripts/<file>.ts` becomes
 * `dist/scripts/<file>.js`, and the extra arguments follow. Inside the runner the RDS
 * credentials arrive as PGUSER/PGPASSWORD (ECS secrets) next to PGHOST/PGPORT/PGDATABASE,
 * so TARGET_DATABASE_URL is composed from them when it is not set; SOURCE_DATABASE_URL
 * comes from SSM as is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './args';

/** npm scripts the image may run: the data and validation commands (no terraform, no moto in the image). */
export const TOOLKIT_SCRIPT = /^(db:[a-z-]+|smoke|load)$/;

/** `node scripts/run.js scripts/<file>.ts [fixed args]` (the launcher; the older ts-node form is read too). */
const COMMAND = /^(?:node scripts\/run\.js|ts-node --transpile-only) scripts\/([A-Za-z0-9_-]+)\.ts((?:\s+[A-Za-z0-9_=:.,/-]+)*)\s*$/;

export interface ToolkitCommand {
  /** npm script name, e.g. `db:rollback`. */
  readonly script: string;
  /** Compiled file, e.g. `<root>/dist/scripts/db-copy.js`. */
  readonly file: string;
  /** Fixed arguments from package.json, then the caller's. */
  readonly args: string[];
}

/** The npm scripts of package.json that the image can run. */
export function toolkitScripts(packageJson: { scripts?: Record<string, string> }): string[] {
  return Object.entries(packageJson.scripts ?? {})
    .filter(([name, cmd]) => TOOLKIT_SCRIPT.test(name) && COMMAND.test(cmd))
    .map(([name]) => name)
    .sort();
}

/**
 * Resolves `<script> [args]` against package.json under `root` (the image's /app).
 * @throws UsageError naming the script and the ones available.
 */
export function resolveToolkitCommand(root: string, argv: readonly string[]): ToolkitCommand {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const available = toolkitScripts(pkg);
  const [script, ...rest] = argv;
  if (!script) throw new UsageError(`name a script to run: ${available.join(', ')}`);
  const match = COMMAND.exec(pkg.scripts?.[script] ?? '');
  if (!TOOLKIT_SCRIPT.test(script) || !match) {
    throw new UsageError(`"${script}" is not a toolkit script; the image runs ${available.join(', ')}`);
  }
  const file = join(root, 'dist', 'scripts', `${match[1]}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: the image was built without "npm run build"`);
  const fixed = match[2].trim() ? match[2].trim().split(/\s+/) : [];
  return { script, file, args: [...fixed, ...rest] };
}

/**
 * TARGET_DATABASE_URL composed from the PG* variables the runner's task definition sets,
 * when it is not already set and all of PGHOST, PGUSER, PGPASSWORD and PGDATABASE are.
 * PGSSLROOTCERT (the RDS CA bundle in the image) makes it `sslmode=verify-full`.
 */
export function runnerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.TARGET_DATABASE_URL) return env;
  const { PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLROOTCERT, PGSSLMODE } = env;
  if (!PGHOST || !PGUSER || !PGPASSWORD || !PGDATABASE) return env;
  const params = new URLSearchParams();
  if (PGSSLROOTCERT) {
    params.set('sslmode', PGSSLMODE && PGSSLMODE !== 'require' ? PGSSLMODE : 'verify-full');
    params.set('sslrootcert', PGSSLROOTCERT);
  } else {
    params.set('sslmode', PGSSLMODE ?? 'require');
  }
  const url = `postgres://${encodeURIComponent(PGUSER)}:${encodeURIComponent(PGPASSWORD)}@${PGHOST}:${PGPORT ?? '5432'}/${encodeURIComponent(PGDATABASE)}?${params.toString()}`;
  return { ...env, TARGET_DATABASE_URL: url };
}
