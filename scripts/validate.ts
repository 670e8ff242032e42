/**
 * npm run validate [-- --stack staging] [--hcl] [--no-plan] [--json]
 *
 * Offline gate for CI: synthesize every stack with the offline provider mode,
 * then terraform init + validate + plan each. Exits non-zero on any error.
 */
import { parseArgs } from 'util';
import { join, relative } from 'path';
import { fail, log, negations } from './lib/review-cli';
import { formatTimings, PROJECT_DIR, runReview, stackNames } from './lib/review';

const HELP = `Usage: npm run validate -- [options]

Offline, no AWS credentials needed: synthesizes the stacks (VN_PROVIDER_MODE=offline),
then per stack terraform init (provider from the local mirror), validate and plan
(from empty state, fake static keys). Exits 1 on the first error, naming the phase
and stack; prints the time per phase. Plan artifacts land in .plan/<stack>/
(see npm run plan).

Options:
  --stack <name>   environment to check (repeatable) [default: all in the config]
  --hcl            check the HCL synth output (cdk.tf) instead of JSON
  --no-plan        stop after terraform validate
  --config <file>  config file merged onto the defaults [default: $VN_CONFIG]
  --out <dir>      working folder [default: .plan]
  --json           machine-readable result on stdout
  --dry-run        list what would run; run and write nothing
  -h, --help       this help`;

async function main(): Promise<void> {
  const { rest, negated } = negations(process.argv.slice(2), ['plan']);
  const { values } = parseArgs({
    args: rest,
    options: {
      stack: { type: 'string', multiple: true },
      hcl: { type: 'boolean', default: false },
      config: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const plan = !negated.has('plan');
  const outdir = values.out ?? join(PROJECT_DIR, '.plan');
  if (values['dry-run']) {
    const stacks = values.stack?.length ? values.stack : stackNames(values.config);
    const steps = ['init', 'validate', ...(plan ? ['plan'] : [])];
    const out = { dryRun: true, stacks: stacks.map((s) => ({ stack: s, workdir: relative(PROJECT_DIR, join(outdir, s)), steps })) };
    process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : `Would synthesize ${stacks.join(', ')} offline${values.hcl ? ' (HCL)' : ''}, then terraform ${steps.join(' + ')} in ${out.stacks.map((s) => s.workdir).join(', ')}\n`);
    return;
  }

  const result = await runReview({ stacks: values.stack, outdir, offline: true, hcl: values.hcl, configFile: values.config, plan, log });
  if (values.json) {
    const stacks = result.stacks.map((s) => ({ stack: s.stack, valid: true, validateWarnings: s.validateWarnings, terraformTotals: s.summary?.terraformTotals, timings: s.timings }));
    process.stdout.write(`${JSON.stringify({ ok: true, hcl: values.hcl, stacks, timings: result.timings, totalSeconds: result.totalSeconds }, null, 2)}\n`);
    return;
  }
  for (const s of result.stacks) {
    const t = s.summary?.terraformTotals;
    const warn = s.validateWarnings.length ? `, ${s.validateWarnings.length} validate warning(s): ${[...new Set(s.validateWarnings)].join('; ')}` : '';
    process.stdout.write(`ok ${s.stack}: valid${t ? `, plan ${t.add} to add, ${t.change} to change, ${t.destroy} to destroy` : ''}${warn}\n`);
  }
  process.stdout.write(`Timing per phase:\n${formatTimings(result)}\n`);
}

main().catch((e) => fail('validate', e));
