/**
 * npm run rehearse [-- --stack production] [--json]
 *
 * Deploy rehearsal: apply, re-plan (no drift), unprotect, destroy and check the
 * state is empty, for each stack, with real Terraform against a local moto.
 * Exit 0 only when every stack passed. See docs/rehearsal.md.
 */
import { existsSync, readFileSync } from 'fs';
import { loadConfig } from '../stacks/config';
import { DEFAULT_PHASE_TIMEOUT_SECONDS, RehearsalReport, rehearse, timingTable } from './lib/rehearsal';

const HELP = `Usage: npm run rehearse [-- options]

Deploy rehearsal against a local AWS API (moto 5.2.1, patched where it lacks
APIs the stack uses): for each stack, terraform init, apply, plan (must show
no changes), lift deletion protection, destroy, and check the state is empty.
Synthesized stacks and logs (moto, terraform) go to .rehearsal/<timestamp>/.

Options:
  --stack <name>       rehearse only this stack (repeatable or comma list); default: all
  --concurrency <n>    stacks rehearsed at the same time (default 2)
  --timeout <seconds>  limit per terraform command (default ${DEFAULT_PHASE_TIMEOUT_SECONDS})
  --work-dir <dir>     where runs are kept (default .rehearsal, git-ignored)
  --json               machine-readable report on stdout
  --help               this text

Needs python3 with moto[server]==5.2.1, terraform, and the hashicorp/aws
provider mirror (/opt/tf-plugins or $VN_TF_PLUGIN_DIR). Sends no traffic
anywhere but 127.0.0.1. The origin secret is random per run and never printed.
Exit codes: 0 all stacks passed, 1 a phase failed / drift / leftovers, 2 usage.`;

interface Args {
  stacks?: string[];
  concurrency: number;
  timeout: number;
  workDir: string;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { concurrency: 2, timeout: DEFAULT_PHASE_TIMEOUT_SECONDS, workDir: '.rehearsal', json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const positive = (name: string, v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number, got "${v}"`);
      return n;
    };
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    } else if (a === '--stack') args.stacks = [...(args.stacks ?? []), ...value().split(',').filter(Boolean)];
    else if (a === '--concurrency') args.concurrency = positive(a, value());
    else if (a === '--timeout') args.timeout = positive(a, value());
    else if (a === '--work-dir') args.workDir = value();
    else if (a === '--json') args.json = true;
    else throw new UsageError(`unknown option ${a}; see --help`);
  }
  return args;
}

class UsageError extends Error {}

function verdict(report: RehearsalReport): string {
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
    const unusual = lines.filter((l) => /" (5\d\d|40[0-3]|4[1-9]\d) -|Traceback|NotImplemented/.test(l)).slice(-40);
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
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`rehearse: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const config = loadConfig();
  const report = await rehearse({
    config,
    stacks: args.stacks,
    workDir: args.workDir,
    concurrency: args.concurrency,
    phaseTimeoutSeconds: args.timeout,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`${verdict(report)}\n`);
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`rehearse failed: ${e.message}\n`);
    process.exit(1);
  },
);
