/**
 * npm run cost [-- --stack production] [--json]
 *
 * Monthly estimate per resource type of a synthesized stack, from the bundled
 * us-east-1 price table, compared line by line with the migration guide's $220.
 */
import { existsSync, readFileSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';
import { CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE } from '../stacks/config';
import { parseCli, runCli } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import { estimateCost, renderCostReport, TerraformJson } from './lib/terraform/pricing';
import { olderThanSources, PROJECT_DIR, synthStacks } from './lib/terraform/synth';

const spec = {
  name: 'npm run cost --',
  summary: `Reads cdktf.out/stacks/<stack>/cdk.tf.json (synthesizing first when it is missing
or older than main.ts/stacks/ or the config file) and prints a monthly estimate
per resource type: instance classes, Multi-AZ, storage, task size x minimum tasks,
NAT gateways, alarms, WAF rules... come from the JSON; traffic-driven charges
use the assumptions stated in scripts/lib/terraform/prices-us-east-1.json (marked *).
Compares with the migration guide's $220/month table, and lists what is not priced.`,
  options: {
    stack: { type: 'string', valueName: 'name', description: 'environment', default: 'production' },
    file: { type: 'string', valueName: 'path', description: 'price this cdk.tf.json instead (no synth)' },
    'no-synth': { type: 'boolean', description: 'never synthesize; fail if the JSON is missing' },
    'dry-run': { type: 'boolean', description: 'say which file would be read and whether synth would run; do nothing', default: false },
  },
  epilog: 'Exit codes: 0 estimate printed, 1 an error (the file and the fix named), 2 a bad command line.',
} as const;

async function main(): Promise<number> {
  const values = parseCli(process.argv.slice(2), spec);
  if (!values) return 0;
  const log = createLogger();
  const stack = values.stack;
  const outdir = resolve(process.env.CDKTF_OUTDIR ?? join(PROJECT_DIR, 'cdktf.out'));
  const file = values.file ? resolve(values.file) : join(outdir, 'stacks', stack, 'cdk.tf.json');
  const configFile = process.env[CONFIG_FILE_ENV] ?? (existsSync(join(PROJECT_DIR, DEFAULT_CONFIG_FILE)) ? join(PROJECT_DIR, DEFAULT_CONFIG_FILE) : undefined);
  const stale = !values.file && (olderThanSources(file) || (configFile !== undefined && existsSync(file) && statSync(configFile).mtimeMs > statSync(file).mtimeMs));
  const synth = stale && !values['no-synth'];

  if (values['dry-run']) {
    process.stdout.write(`Would ${synth ? `synthesize ${stack} into ${relative(PROJECT_DIR, outdir)} (JSON ${existsSync(file) ? 'older than the sources' : 'missing'}), then ` : ''}read ${relative(PROJECT_DIR, file)} and print the estimate; writes nothing else.\n`);
    return 0;
  }
  if (!existsSync(file) && !synth) throw new Error(`${relative(PROJECT_DIR, file)} not found; run npm run synth (or drop --no-synth)`);
  if (stale && !synth) log.warn(`${relative(PROJECT_DIR, file)} is older than the sources; the estimate may be out of date`);
  if (synth) {
    log.info(`synthesizing ${stack} (${existsSync(file) ? 'JSON older than the sources' : 'no JSON yet'})...`);
    await synthStacks({ outdir, stacks: [stack], offline: false, log: (line) => log.info(line) });
  }
  let tf: TerraformJson;
  try {
    tf = JSON.parse(readFileSync(file, 'utf8')) as TerraformJson;
  } catch (e) {
    throw new Error(`${relative(PROJECT_DIR, file)}: cannot read synthesized JSON (${(e as Error).message})`);
  }
  if (!tf.resource) throw new Error(`${relative(PROJECT_DIR, file)}: no "resource" block; is this a cdk.tf.json?`);
  const estimate = estimateCost(tf);
  if (values.json) process.stdout.write(`${JSON.stringify({ stack, file: relative(PROJECT_DIR, file), ...estimate }, null, 2)}\n`);
  else process.stdout.write(`${renderCostReport(estimate, stack)}\n`);
  return 0;
}

runCli(main, { errorPrefix: 'cost failed: ', fullMessage: true });
