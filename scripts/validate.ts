/**
 * npm run validate [-- --stack staging] [--hcl] [--no-plan] [--json]
 *
 * Offline gate for CI: synthesize every stack with the offline provider mode,
 * then terraform init + validate + plan each. Exits non-zero on any error.
 */
import { join, relative } from 'path';
import { parseCli, runCli } from './lib/cli/args';
import { createLogger } from './lib/cli/log';

const spec = {
  name: 'npm run validate --',
  summary: `Offline, no AWS credentials needed: synthesizes the stacks (VN_PROVIDER_MODE=offline),
then per stack terraform init (provider from the local mirror), validate and plan
(from empty state, fake static keys). Exits 1 on the first error, naming the phase
and stack; prints the time per phase. Plan artifacts land in .plan/<stack>/
(see npm run plan).`,
  options: {
    stack: { type: 'string', multiple: true, valueName: 'name', description: 'environment to check (repeatable) (default: all in the config)' },
    hcl: { type: 'boolean', description: 'check the HCL synth output (cdk.tf) instead of JSON', default: false },
    'no-plan': { type: 'boolean', description: 'stop after terraform validate' },
    config: { type: 'string', valueName: 'file', description: 'config file merged onto the defaults (default: $VN_CONFIG)' },
    out: { type: 'string', valueName: 'dir', description: 'working folder (default: .plan)' },
    'dry-run': { type: 'boolean', description: 'list what would run; run and write nothing', default: false },
  },
  epilog: 'Exit codes: 0 every stack valid, 1 an error (phase and stack named), 2 a bad command line.',
} as const;

async function main(): Promise<number> {
  const values = parseCli(process.argv.slice(2), spec);
  if (!values) return 0;
  // The review (synth, terraform, the stacks' config) loads once the command line is read: --help loads none of it.
  const { formatTimings, PROJECT_DIR, runReview, stackNames } = await import('./lib/terraform/review');
  const plan = !values['no-plan'];
  const outdir = values.out ?? join(PROJECT_DIR, '.plan');
  if (values['dry-run']) {
    const stacks = values.stack?.length ? values.stack : stackNames(values.config);
    const steps = ['init', 'validate', ...(plan ? ['plan'] : [])];
    const out = { dryRun: true, stacks: stacks.map((s) => ({ stack: s, workdir: relative(PROJECT_DIR, join(outdir, s)), steps })) };
    process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : `Would synthesize ${stacks.join(', ')} offline${values.hcl ? ' (HCL)' : ''}, then terraform ${steps.join(' + ')} in ${out.stacks.map((s) => s.workdir).join(', ')}\n`);
    return 0;
  }

  const log = createLogger();
  const result = await runReview({ stacks: values.stack, outdir, offline: true, hcl: values.hcl, configFile: values.config, plan, log: (line) => log.info(line) });
  if (values.json) {
    const stacks = result.stacks.map((s) => ({ stack: s.stack, valid: true, validateWarnings: s.validateWarnings, terraformTotals: s.summary?.terraformTotals, timings: s.timings }));
    process.stdout.write(`${JSON.stringify({ ok: true, hcl: values.hcl, stacks, timings: result.timings, totalSeconds: result.totalSeconds }, null, 2)}\n`);
    return 0;
  }
  for (const s of result.stacks) {
    const t = s.summary?.terraformTotals;
    const warn = s.validateWarnings.length ? `, ${s.validateWarnings.length} validate warning(s): ${[...new Set(s.validateWarnings)].join('; ')}` : '';
    process.stdout.write(`ok ${s.stack}: valid${t ? `, plan ${t.add} to add, ${t.change} to change, ${t.destroy} to destroy` : ''}${warn}\n`);
  }
  process.stdout.write(`Timing per phase:\n${formatTimings(result)}\n`);
  return 0;
}

runCli(main, { fullMessage: true });
