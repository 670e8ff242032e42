/**
 * npm run plan [-- --stack production] [--json] [--hcl] [--offline|--no-offline] [--dry-run]
 *
 * Plan-review artifacts per stack in .plan/<stack>/: plan.json (`terraform show -json`)
 * and summary.md (changes by type; destroyed/replaced stateful resources first).
 */
import { readFileSync } from 'fs';
import { join, relative } from 'path';
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import { ORIGIN_SECRET_ENV } from '../stacks/variables';

/** Exit code of --fail-on-danger (2 is a bad command line, as in every script). */
export const DANGER_EXIT_CODE = 3;

const spec = {
  name: 'npm run plan --',
  summary: `Synthesizes the stacks, then terraform init, validate, plan -out and show -json,
and writes per stack into .plan/<stack>/:
  plan.json    terraform show -json of the plan (${ORIGIN_SECRET_ENV} redacted)
  summary.md   resources to add/change/destroy/replace by type; any destroy or
               replacement of the database, buckets, zone, KMS keys... on top
  plan.bin     the saved plan (mode 600)
Prints the summaries and the time per phase (synth, init, validate, plan, show).`,
  options: {
    stack: { type: 'string', multiple: true, valueName: 'name', description: 'environment to plan (repeatable) (default: all in the config)' },
    offline: {
      type: 'boolean',
      description: `offline provider mode: fake static keys, provider from the local
mirror, local backend, no refresh; plans from empty state
(default: on when no AWS credentials are found)`,
    },
    'no-offline': { type: 'boolean', description: 'plan against AWS with your credentials and the configured backend' },
    hcl: { type: 'boolean', description: 'synthesize HCL (cdk.tf) instead of JSON', default: false },
    config: { type: 'string', valueName: 'file', description: 'config file merged onto the defaults (default: $VN_CONFIG)' },
    out: { type: 'string', valueName: 'dir', description: 'review folder (default: .plan)' },
    'fail-on-danger': { type: 'boolean', description: `exit ${DANGER_EXIT_CODE} when a stateful resource is destroyed or replaced`, default: false },
    'dry-run': { type: 'boolean', description: 'print what would run and be written; run and write nothing', default: false },
  },
  epilog: `Environment:
  ${ORIGIN_SECRET_ENV}
      CloudFront->ALB secret (>= 32 chars). Offline, a random one is generated
      when unset. Never printed.

Exit codes: 0 planned, 1 a failure, 2 a bad command line (as every script),
3 a stateful resource is destroyed or replaced (with --fail-on-danger).`,
} as const;

async function main(): Promise<number> {
  const values = parseCli(process.argv.slice(2), spec);
  if (!values) return 0;
  if (values.offline && values['no-offline']) throw new UsageError('--offline and --no-offline contradict each other; pick one');
  // The review (synth, terraform, the stacks' config) loads once the command line is read: --help loads none of it.
  const { formatTimings, hasAwsCredentials, PROJECT_DIR, runReview, stackNames } = await import('./lib/terraform/review');
  const log = createLogger();
  const line = (l: string) => log.info(l);
  const offline = values.offline ? true : values['no-offline'] ? false : !hasAwsCredentials();
  const outdir = values.out ?? join(PROJECT_DIR, '.plan');

  if (values['dry-run']) {
    const stacks = values.stack?.length ? values.stack : stackNames(values.config);
    const plan = {
      dryRun: true,
      offline,
      synth: { outdir: relative(PROJECT_DIR, join(outdir, '.synth')) || '.', hcl: values.hcl, providerMode: offline ? 'offline' : 'aws' },
      stacks: stacks.map((s) => ({
        stack: s,
        workdir: relative(PROJECT_DIR, join(outdir, s)),
        commands: ['terraform init -input=false', 'terraform validate -json', `terraform plan -input=false -out=plan.bin${offline ? ' -refresh=false -lock=false' : ''}`, 'terraform show -json plan.bin'],
        writes: ['plan.bin', 'plan.json', 'summary.md'].map((f) => relative(PROJECT_DIR, join(outdir, s, f))),
      })),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    else {
      process.stdout.write(`Would synthesize ${stacks.join(', ')} (${offline ? 'offline' : 'aws'} provider mode${values.hcl ? ', HCL' : ''}) into ${plan.synth.outdir}, then per stack:\n`);
      for (const s of plan.stacks) process.stdout.write(`  ${s.stack} in ${s.workdir}: ${s.commands.join(' -> ')}\n    writes ${s.writes.join(', ')}\n`);
    }
    return 0;
  }

  const result = await runReview({ stacks: values.stack, outdir, offline, hcl: values.hcl, configFile: values.config, log: line });
  if (result.originSecretGenerated) log.info(`${ORIGIN_SECRET_ENV} was unset: used a random throwaway value for this offline plan`);
  const danger = result.stacks.some((s) => (s.summary?.alerts.length ?? 0) > 0);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          offline: result.offline,
          stacks: result.stacks.map((s) => ({
            stack: s.stack,
            workdir: relative(PROJECT_DIR, s.workdir),
            planJson: s.planJsonFile && relative(PROJECT_DIR, s.planJsonFile),
            summaryMd: s.summaryFile && relative(PROJECT_DIR, s.summaryFile),
            totals: s.summary?.totals,
            terraformTotals: s.summary?.terraformTotals,
            byType: s.summary?.byType,
            alerts: s.summary?.alerts,
            validateWarnings: s.validateWarnings,
            timings: s.timings,
            initCached: s.initCached,
          })),
          timings: result.timings,
          build: result.synth.build,
          totalSeconds: result.totalSeconds,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    for (const s of result.stacks) {
      process.stdout.write(`${renderFile(s.summaryFile)}\n(${relative(PROJECT_DIR, s.planJsonFile ?? s.workdir)})\n`);
      if (s.validateWarnings.length) process.stdout.write(`validate warnings (${s.validateWarnings.length}): ${[...new Set(s.validateWarnings)].join('; ')}\n`);
      process.stdout.write('\n');
    }
    process.stdout.write(`Timing per phase:\n${formatTimings(result)}\n`);
  }
  if (danger && values['fail-on-danger']) {
    log.error(`a stateful resource is destroyed or replaced (see summary.md); exiting ${DANGER_EXIT_CODE} (--fail-on-danger)`);
    return DANGER_EXIT_CODE;
  }
  return 0;
}

function renderFile(file: string | undefined): string {
  return file ? readFileSync(file, 'utf8') : '';
}

runCli(main, { fullMessage: true });
