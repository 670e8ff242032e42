/**
 * toolkit — entry point of the toolkit image (Dockerfile): runs one of the data scripts,
 * compiled, with the runner's environment. See docs/runner.md.
 *
 *   node dist/scripts/toolkit.js db:verify --json
 *
 * The script runs as a child process (through the one process runner, scripts/lib/proc/); its
 * exit code is this process's, and SIGTERM / SIGINT (ECS StopTask, Ctrl-C) reach it as SIGTERM,
 * which every script treats as "stop and clean up".
 */
import { join } from 'node:path';
import { runCli, usage } from './lib/cli/args';
import { startProcess } from './lib/proc/run';
import { projectRoot } from './lib/cli/root';
import { resolveToolkitCommand, runnerEnvironment, toolkitScripts } from './lib/cli/toolkit';
import { readFileSync } from 'node:fs';

const ROOT = projectRoot(__dirname);

const spec = {
  name: 'node dist/scripts/toolkit.js',
  summary: 'Run one data script of the toolkit image: <script> [args], e.g. db:copy --jobs 4.',
  options: {},
  epilog: `Scripts: ${safeList()}.
TARGET_DATABASE_URL is composed from PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD
(and PGSSLROOTCERT: sslmode=verify-full) when unset. The script's exit code is returned.`,
} as const;

function safeList(): string {
  try {
    return toolkitScripts(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))).join(', ');
  } catch {
    return '(package.json not found)';
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(usage(spec).replace('[options]', '<script> [args]'));
    return 0;
  }
  const command = resolveToolkitCommand(ROOT, argv);
  const running = await startProcess(process.execPath, [command.file, ...command.args], { env: runnerEnvironment(process.env), inheritStdio: true });
  // The process-group registry passes SIGINT/SIGTERM on to the script; these listeners keep this
  // process alive until the script has exited, so its exit code is the one returned.
  const stay = () => undefined;
  process.on('SIGTERM', stay);
  process.on('SIGINT', stay);
  const result = await running.done;
  if (result.code >= 0) return result.code;
  return 128 + (result.signal === 'SIGKILL' ? 9 : result.signal === 'SIGINT' ? 2 : 15);
}

if (require.main === module) runCli(main);
