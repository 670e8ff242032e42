/**
 * npm run rehearse [-- --stack production] [--json]
 *
 * Deploy rehearsal: apply, re-plan (no drift), unprotect, destroy and check the
 * state is empty, for each stack, with real Terraform against a local moto.
 * Exit 0 only when every stack passed. See docs/rehearsal.md.
 */
import { existsSync, readFileSync } from 'fs';
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import { DEFAULT_PHASE_TIMEOUT_SECONDS } from './lib/rehearsal/limits';
import type { RehearsalReport } from './lib/rehearsal/rehearsal';

const spec = {
  name: 'npm run rehearse --',
  summary: `Deploy rehearsal against a local AWS API (moto 5.2.1, patched where it lacks
APIs the stack uses): for each stack, terraform init, apply, plan (must show
no changes), lift deletion protection, destroy, and check the state is empty.
Synthesized stacks and logs (moto, terraform) go to .rehearsal/<timestamp>/.`,
  options: {
    stack: { type: 'string', multiple: true, valueName: 'name', description: 'rehearse only this stack (repeatable or comma list) (default: all)' },
    concurrency: { type: 'string', valueName: 'n', description: 'stacks rehearsed at the same time', default: '2' },
    timeout: { type: 'string', valueName: 'seconds', description: 'limit per terraform command', default: String(DEFAULT_PHASE_TIMEOUT_SECONDS) },
    'work-dir': { type: 'string', valueName: 'dir', description: 'where runs are kept (git-ignored)', default: '.rehearsal' },
    'migration-day': { type: 'boolean', description: 'instead: the dress rehearsal of the README\'s cutover runbook with a stand-in app and traffic (docs/rehearsal.md, "Migration day")' },
    scale: { type: 'string', valueName: 'n', description: '--migration-day: pgbench scale of the source database (as pgbench -i -s N)', default: '1' },
    rate: { type: 'string', valueName: 'req/s', description: '--migration-day: requests per second of the load driver', default: '30' },
  },
  epilog: `Needs python3 with moto[server]==5.2.1, terraform, and the hashicorp/aws
provider mirror (/opt/tf-plugins or $VN_TF_PLUGIN_DIR). Sends no traffic
anywhere but 127.0.0.1. The origin secret is random per run and never printed.
Exit codes: 0 all stacks passed, 1 a phase failed / drift / leftovers, 2 usage.`,
} as const;

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number, got "${v}"`);
  return n;
}

function verdict(report: RehearsalReport, timingTable: (r: RehearsalReport) => string): string {
  const out: string[] = [];
  out.push('', 'Per-phase timings (seconds):', timingTable(report), '');
  out.push('Emulator gaps handled:');
  for (const g of report.gaps) out.push(`  - ${g.gap}: ${g.handling}`);
  out.push('Not rehearsed:');
  for (const g of report.notRehearsed) out.push(`  - ${g.gap}: ${g.handling}`);
  for (const s of report.stacks) {
    for (const e of s.errors) out.push('', `ERROR ${e}`);
  }
  if (!report.ok) {
    // The requests moto did not answer with success are the usual clue (NotImplemented, validation).
    const lines = existsSync(report.motoLog) ? readFileSync(report.motoLog, 'utf8').split('\n') : [];
    const unusual = lines.filter((l) => /" (5\d\d|40[0-3]|4[1-9]\d) -|Traceback|NotImplemented|iam-evaluation: AccessDenied (?!web identity)/.test(l)).slice(-40);
    out.push('', `moto log: ${unusual.length} notable line(s) (5xx / 4xx other than 404 answers, tracebacks), last 40:`, ...unusual.map((l) => `  ${l}`));
  }
  out.push('', `logs: ${report.logDir} (moto: ${report.motoLog})`);
  const failed = report.stacks.filter((s) => !s.ok).map((s) => s.stack);
  out.push(
    report.ok
      ? `VERDICT: PASS - ${report.stacks.map((s) => s.stack).join(', ')} applied, re-planned with no changes and destroyed with nothing left in state (${report.seconds.toFixed(0)} s)`
      : `VERDICT: FAIL - ${failed.join(', ')} did not pass (see ERROR lines above) (${report.seconds.toFixed(0)} s)`,
  );
  return out.join('\n');
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  // The rehearsals (and with them moto's driver, terraform's, the stacks) load once the command line is read.
  if (args['migration-day']) return (await import('./lib/rehearsal/day/cli')).runMigrationDay({ scale: positive('--scale', args.scale), rate: positive('--rate', args.rate), workDir: args['work-dir'], stepTimeoutSeconds: positive('--timeout', args.timeout), json: args.json });
  const concurrency = positive('--concurrency', args.concurrency);
  const timeout = positive('--timeout', args.timeout);
  const stacks = args.stack?.flatMap((s) => s.split(',')).filter(Boolean);
  const [{ loadConfig }, { rehearse, timingTable }] = await Promise.all([import('../stacks/config'), import('./lib/rehearsal/rehearsal')]);
  const log = createLogger();
  const config = loadConfig();
  const report = await rehearse({
    config,
    stacks: stacks?.length ? stacks : undefined,
    workDir: args['work-dir'],
    concurrency,
    phaseTimeoutSeconds: timeout,
    log: (line) => log.info(line),
  });
  log.info(verdict(report, timingTable));
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

runCli(main, { fullMessage: true });
