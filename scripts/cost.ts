/**
 * npm run cost [-- --stack production] [--json]
 * npm run cost -- --actual --month 2026-11      estimate vs the month's bill (Cost Explorer)
 * npm run cost -- --refresh                      prices from the Price List API into the snapshot
 *
 * Monthly estimate per resource type of a synthesized stack, from the bundled
 * us-east-1 price table, compared line by line with the migration guide's $220.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative, resolve } from 'path';
import type { ConfigInput } from '../stacks/config';
import { CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE } from '../stacks/config/file';
import { CliValues, parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger, Logger } from './lib/cli/log';
import { projectRoot } from './lib/cli/root';
import type { CostEstimate, PriceTable, TerraformJson } from './lib/pricing/pricing';

// The pricing, the synth and the AWS SDK clients are imported where they are used, after the
// command line is read: --help loads none of them.

/** Repository root (holds package.json), from source or from dist/. */
const PROJECT_DIR = projectRoot(__dirname);

/** The snapshot the estimate reads (compiled in; the launcher recompiles it after a refresh). */
const SNAPSHOT = join(PROJECT_DIR, 'scripts', 'lib', 'pricing', 'prices-us-east-1.json');

const spec = {
  name: 'npm run cost --',
  summary: `Reads cdktf.out/stacks/<stack>/cdk.tf.json (synthesizing first when it is missing
or older than main.ts/stacks/ or the config file) and prints a monthly estimate
per resource type: instance classes, Multi-AZ, storage, task size x minimum tasks,
NAT gateways, alarms, WAF rules... come from the JSON; traffic-driven charges
use the assumptions stated in scripts/lib/pricing/prices-us-east-1.json (marked *).
Compares with the migration guide's $220/month table, prints the guide's what-ifs
(RDS reserved instances, Fargate Savings Plans; discounts.json), and lists what is
not priced.
--actual --month YYYY-MM: the month's bill from Cost Explorer (GetCostAndUsage, by
service and usage type, tag Environment=<stack>) against the estimate per family, with
the usual surprises flagged (NAT data processing, inter-AZ and internet transfer,
CloudWatch Logs ingestion, idle capacity). Needs ce:GetCostAndUsage.
--refresh: current prices from the AWS Price List API (GetProducts; pricing:GetProducts)
into the dated snapshot the estimate reads.`,
  options: {
    stack: { type: 'string', valueName: 'name', description: 'environment (also the Environment tag value for --actual)', default: 'production' },
    file: { type: 'string', valueName: 'path', description: 'price this cdk.tf.json instead (no synth)' },
    'no-synth': { type: 'boolean', description: 'never synthesize; fail if the JSON is missing' },
    delegated: { type: 'boolean', description: "price the full stack, as it is once the domain is delegated (a new zone's first apply holds only the zone): synthesizes it into a temporary folder" },
    actual: { type: 'boolean', description: 'compare with the bill of --month (Cost Explorer)', default: false },
    month: { type: 'string', valueName: 'YYYY-MM', description: 'the billing month for --actual' },
    refresh: { type: 'boolean', description: 'fetch current prices (Price List API) into the snapshot', default: false },
    out: { type: 'string', valueName: 'path', description: 'where --refresh writes (default: scripts/lib/pricing/prices-us-east-1.json)' },
    'dry-run': { type: 'boolean', description: 'say what would be read, synthesized, fetched or written; with --refresh, fetch and show the changes but write nothing', default: false },
  },
  epilog: 'Exit codes: 0 estimate printed, 1 an error (the file and the fix named), 2 a bad command line.',
} as const;

type Values = CliValues<(typeof spec)['options']>;

/** The flag combinations that make sense; a bad one is a usage error (exit 2). */
async function checkFlags(values: Values): Promise<void> {
  if (values.actual && values.refresh) throw new UsageError('--actual and --refresh are separate runs; give one of them');
  if (values.actual && !values.month) throw new UsageError('--actual needs --month YYYY-MM (the billing month to compare)');
  if (values.month && !values.actual) throw new UsageError('--month goes with --actual');
  if (values.out && !values.refresh) throw new UsageError('--out goes with --refresh');
  if (values.delegated && (values.file || values['no-synth'])) throw new UsageError('--delegated synthesizes the full stack; it does not go with --file or --no-synth');
  if (values.month) {
    const { monthPeriod } = await import('./lib/pricing/actual');
    try {
      monthPeriod(values.month);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
}

/** An AWS SDK failure as one line naming the API, the permission and the fix. */
function awsError(api: string, permission: string, e: unknown): Error {
  const err = e as { name?: string; message?: string };
  const hint = /credential/i.test(`${err.name} ${err.message}`) ? 'configure AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)' : `the caller needs ${permission}`;
  return new Error(`${api}: ${err.name ?? 'Error'}: ${err.message ?? String(e)} (${hint})`);
}

async function runRefresh(values: Values, log: Logger): Promise<number> {
  const out = resolve(values.out ?? SNAPSHOT);
  const current = JSON.parse(readFileSync(existsSync(out) ? out : SNAPSHOT, 'utf8')) as PriceTable;
  const [{ PricingClient }, { refreshPrices }] = await Promise.all([import('@aws-sdk/client-pricing'), import('./lib/pricing/price-refresh')]);
  const client = new PricingClient({ region: 'us-east-1' });
  log.info(`fetching prices from the AWS Price List API (GetProducts) for ${relative(PROJECT_DIR, out)}...`);
  const today = new Date().toISOString().slice(0, 10);
  const result = await refreshPrices(client, current, today).catch((e) => {
    throw awsError('Price List GetProducts', 'pricing:GetProducts', e);
  });
  for (const c of result.changes) log.info(c.after === undefined ? `kept ${c.key} = ${c.before} (${c.reason})` : `${c.key}: ${c.before} -> ${c.after}`);
  if (!values['dry-run']) writeFileSync(out, `${JSON.stringify(result.table, null, 2)}\n`);
  const summary = { file: relative(PROJECT_DIR, out), asOf: result.table.asOf, refreshed: result.refreshed, kept: result.kept, written: !values['dry-run'], changes: result.changes };
  if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`${values['dry-run'] ? 'Would write' : 'Wrote'} ${summary.file}: ${result.refreshed} of ${result.changes.length} prices refreshed, ${result.kept} kept; snapshot dated ${result.table.asOf}\n`);
  return 0;
}

async function runActual(values: Values, estimate: CostEstimate, stack: string, log: Logger): Promise<number> {
  const month = values.month as string;
  log.info(`reading ${month} from Cost Explorer (tag Environment=${stack})...`);
  const [{ CostExplorerClient }, { compareActual, fetchActualCosts, renderComparison }] = await Promise.all([import('@aws-sdk/client-cost-explorer'), import('./lib/pricing/actual')]);
  const client = new CostExplorerClient({ region: 'us-east-1' });
  const actual = await fetchActualCosts(client, { month, environment: stack }).catch((e) => {
    throw awsError('Cost Explorer GetCostAndUsage', 'ce:GetCostAndUsage (and Cost Explorer enabled on the account)', e);
  });
  const comparison = compareActual(estimate, actual);
  for (const w of comparison.warnings) log.warn(w);
  if (values.json) process.stdout.write(`${JSON.stringify({ stack, pricesAsOf: estimate.asOf, ...comparison }, null, 2)}\n`);
  else process.stdout.write(`${renderComparison(comparison, stack)}\n`);
  return 0;
}

async function main(): Promise<number> {
  const values = parseCli(process.argv.slice(2), spec);
  if (!values) return 0;
  await checkFlags(values);
  const log = createLogger();
  if (values.refresh) {
    if (values['dry-run'] && !values.json) log.info('--dry-run: prices are fetched and shown, the snapshot is not written');
    return runRefresh(values, log);
  }
  const stack = values.stack;
  const scratch = values.delegated ? mkdtempSync(join(tmpdir(), 'vn-cost-')) : undefined;
  try {
    return await estimate(values, stack, scratch, log);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** The config file with `stack`'s domain taken as delegated (`--delegated`), written into `scratch`. */
async function delegatedConfig(configFile: string | undefined, stack: string, scratch: string): Promise<string> {
  const { mergeDeep } = await import('../stacks/config');
  const raw = configFile ? (JSON.parse(readFileSync(configFile, 'utf8')) as ConfigInput) : {};
  const file = join(scratch, 'delegated.config.json');
  writeFileSync(file, JSON.stringify(mergeDeep(raw, { environments: { [stack]: { dns: { delegated: true } } } }), null, 2));
  return file;
}

async function estimate(values: Values, stack: string, scratch: string | undefined, log: Logger): Promise<number> {
  const [{ olderThanSources, synthStacks }, { isZoneOnly }, { estimateCost, renderCostReport }] = await Promise.all([
    import('./lib/terraform/synth'),
    import('../stacks/delegation-output'),
    import('./lib/pricing/pricing'),
  ]);
  const outdir = scratch ?? resolve(process.env.CDKTF_OUTDIR ?? join(PROJECT_DIR, 'cdktf.out'));
  const file = values.file ? resolve(values.file) : join(outdir, 'stacks', stack, 'cdk.tf.json');
  const userConfig = process.env[CONFIG_FILE_ENV] ?? (existsSync(join(PROJECT_DIR, DEFAULT_CONFIG_FILE)) ? join(PROJECT_DIR, DEFAULT_CONFIG_FILE) : undefined);
  const configFile = scratch ? await delegatedConfig(userConfig, stack, scratch) : userConfig;
  const stale = !values.file && (olderThanSources(file) || (configFile !== undefined && existsSync(file) && statSync(configFile).mtimeMs > statSync(file).mtimeMs));
  const synth = stale && !values['no-synth'];

  if (values['dry-run']) {
    process.stdout.write(`Would ${synth ? `synthesize ${stack} into ${relative(PROJECT_DIR, outdir)} (JSON ${existsSync(file) ? 'older than the sources' : 'missing'}), then ` : ''}read ${relative(PROJECT_DIR, file)} and print the estimate${values.actual ? ` against ${values.month} from Cost Explorer` : ''}; writes nothing else.\n`);
    return 0;
  }
  if (!existsSync(file) && !synth) throw new Error(`${relative(PROJECT_DIR, file)} not found; run npm run synth (or drop --no-synth)`);
  if (stale && !synth) log.warn(`${relative(PROJECT_DIR, file)} is older than the sources; the estimate may be out of date`);
  if (synth) {
    log.info(`synthesizing ${stack} (${existsSync(file) ? 'JSON older than the sources' : 'no JSON yet'})...`);
    await synthStacks({ outdir, stacks: [stack], offline: false, configFile, log: (line) => log.info(line) });
  }
  let tf: TerraformJson;
  try {
    tf = JSON.parse(readFileSync(file, 'utf8')) as TerraformJson;
  } catch (e) {
    throw new Error(`${relative(PROJECT_DIR, file)}: cannot read synthesized JSON (${(e as Error).message})`);
  }
  if (!tf.resource) throw new Error(`${relative(PROJECT_DIR, file)}: no "resource" block; is this a cdk.tf.json?`);
  // A new zone's first apply (stacks/environment-stack.ts zoneOnly) holds the zone alone.
  const zoneOnly = isZoneOnly((tf as { output?: unknown }).output);
  if (zoneOnly) log.warn(`${stack} is the zone-only first apply (environments.${stack}.dns.delegated is false): this estimates the zone alone; --delegated prices the full stack`);
  const result = estimateCost(tf);
  if (values.actual) return runActual(values, result, stack, log);
  if (values.json) process.stdout.write(`${JSON.stringify({ stack, file: scratch ? '(--delegated: a temporary synth)' : relative(PROJECT_DIR, file), zoneOnly, ...result }, null, 2)}\n`);
  else process.stdout.write(`${renderCostReport(result, stack)}\n`);
  return 0;
}

runCli(main, { fullMessage: true });
