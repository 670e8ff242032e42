/**
 * The README's "Cutover runbook" as data: every command it tells the user to type, in its order
 * (RUNBOOK), and the path the migration-day rehearsal walks through them (DAY_PATH). A test
 * parses the README's numbered runbook and holds it to RUNBOOK, so the rehearsal runs what the
 * README says.
 *
 * The rehearsal runs each command as written, as a child process (`npm run <script> -- <args>`),
 * with the environment the runbook assumes: SOURCE_DATABASE_URL / TARGET_DATABASE_URL (the
 * toolkit's default --from-env / --to-env), AWS credentials (here moto's), and VN_CONFIG
 * (the config file `cutover` edits). Flags it adds: on `cutover`, `--health-url` (the README's
 * default, https://aws.<domain>/api/health, does not resolve here; it points at an "AWS"
 * stand-in app process, what the test host reaches on the day) and `--yes` (the answer to
 * "Type yes to apply" without a terminal); on `start` and `db:rollback`, `--source-conninfo-env`
 * (the other database as its server reaches it, see ./databases.ts).
 */
import { CUTOVER_STAGES } from '../../../../stacks/config';

export interface RunbookStep {
  /** Short id, used by DAY_PATH and in the report. */
  readonly id: string;
  /** The command exactly as the README writes it (after `npm run`). */
  readonly command: string;
  /** Why the rehearsal does not walk this step (undefined: it does). */
  readonly notRehearsed?: string;
}

const CUT = 'cutover -- --env production --to';

/** The README runbook's commands, in the README's order. */
export const RUNBOOK: readonly RunbookStep[] = [
  { id: 'source-params', command: 'db:sync -- source-params --ssm-path /venture-nudge/production/' },
  { id: 'app-role', command: 'db:sync -- app-role --secret-id venture-nudge-production/app-database' },
  { id: 'preflight', command: 'db:sync -- preflight' },
  { id: 'start', command: 'db:sync -- start' },
  { id: 'canary', command: `${CUT} canary --apply` },
  { id: '25', command: `${CUT} 25 --apply` },
  { id: '50', command: `${CUT} 50 --apply` },
  { id: 'aws', command: `${CUT} aws --apply` },
  { id: 'ready', command: `${CUT} ready --apply` },
  { id: 'prepare-rds', command: `${CUT} rds --prepare` },
  { id: 'rds', command: `${CUT} rds --apply --at-open` },
  { id: 'finish', command: 'db:sync -- finish --freeze --env production' },
  { id: 'bench-sync', command: 'bench:sync', notRehearsed: 'a benchmark the runbook cites for its figures, not a step of the day (the rehearsal measures the same window itself)' },
  { id: 'web-rollback', command: `${CUT} vercel --apply`, notRehearsed: 'the rollback from a web stage (one DNS change, no data moves); the rehearsal rolls back from rds, the harder case' },
  { id: 'prepare-ready', command: `${CUT} ready --prepare` },
  { id: 'rollback', command: 'db:rollback -- --env production' },
  { id: 'back-to-ready', command: `${CUT} ready --apply` },
  { id: 'start-again', command: 'db:sync -- start --truncate' },
  { id: 'rds-only', command: `${CUT} rds-only --apply` },
];

/**
 * The rehearsal's walk: vercel -> canary -> 25 -> 50 -> aws -> ready -> rds, back to ready,
 * forward to rds again, then rds-only (the source side scaled to zero); each database switch prepared before its freeze (`--prepare`), and the
 * forward one started before finish (`--at-open`: it waits for finish to open writes on RDS, and
 * the walk runs finish beside it). `status` waits between start and the web stages (the runbook's `status --watch`: the
 * rehearsal runs `db:sync -- status --json` until every table is ready).
 */
export const DAY_PATH: readonly string[] = [
  'source-params',
  'app-role',
  'preflight',
  'start',
  'canary',
  '25',
  '50',
  'aws',
  'ready',
  'prepare-rds',
  'rds',
  'finish',
  'prepare-ready',
  'rollback',
  'back-to-ready',
  // forward again, as the runbook's step 6 says: start --truncate, then steps 1 (status) and 3
  'start-again',
  'prepare-rds',
  'rds',
  'finish',
  // the day is over: the idle source side scaled to zero (runbook step 8)
  'rds-only',
];

export function step(id: string): RunbookStep {
  const s = RUNBOOK.find((x) => x.id === id);
  if (!s) throw new Error(`no runbook step ${id}`);
  return s;
}

/** The script name and arguments of a step's command (`db:sync -- start` -> ['db:sync', ['start']]). */
export function commandLine(command: string): { script: string; args: string[] } {
  const [script, ...rest] = command.split(' ');
  const args = rest[0] === '--' ? rest.slice(1) : rest;
  return { script, args };
}

/**
 * The `npm run` commands of the README's "Cutover runbook" numbered list, in order, without the
 * `npm run ` prefix. "then `25`, `50`, `aws`" after a cutover command repeats it with each stage.
 */
export function runbookCommands(readme: string): string[] {
  const start = readme.search(/^## Cutover runbook/m);
  if (start < 0) throw new Error('README.md has no "## Cutover runbook" section');
  const end = readme.indexOf('\n## ', start + 3);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const firstItem = section.search(/\n1\. /);
  const items = section.slice(firstItem < 0 ? 0 : firstItem);
  const out: string[] = [];
  const ticks = /`([^`]+)`/g;
  let last = -1;
  let lastEnd = 0;
  for (let m = ticks.exec(items); m; m = ticks.exec(items)) {
    const text = m[1].trim();
    const between = items.slice(lastEnd, m.index);
    lastEnd = m.index + m[0].length;
    if (text.startsWith('npm run ')) {
      out.push(text.slice('npm run '.length).replace(/\s+/g, ' '));
      last = out.length - 1;
    } else if (last >= 0 && (CUTOVER_STAGES as readonly string[]).includes(text) && /^[\s,]*(then|and)?[\s,]*$/.test(between) && / --to \S+/.test(out[last])) {
      out.push(out[last].replace(/ --to \S+/, ` --to ${text}`));
      last = out.length - 1;
    } else {
      last = -1;
    }
  }
  return out;
}
