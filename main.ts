import { App } from 'cdktf';
import { ConfigError, loadConfig } from './stacks/config';
import { EnvironmentStack } from './stacks/environment-stack';
import { providerModeFromEnv } from './stacks/providers';
import { formatReport, PolicyReport, PolicyViolationError } from './stacks/policy';
import { stateBackendWarnings } from './stacks/state-backend';
import { parseCli, UsageError } from './scripts/lib/cli/args';
import { createLogger } from './scripts/lib/cli/log';

const SPEC = {
  name: 'npm run synth --',
  summary: `Builds, then writes one Terraform JSON per environment of the config:
cdktf.out/stacks/<env>/cdk.tf.json (one line per stack, plus any policy
warnings, on stderr). The policy pack runs on every stack; an error fails synth.`,
  options: {},
  epilog: `Environment:
  VN_CONFIG=<file>           config file merged onto the defaults (default: ./venture-nudge.config.json)
  VN_STACKS=production       only these environments (comma-separated)
  VN_HCL=1                   write cdk.tf (HCL) instead of cdk.tf.json
  VN_PROVIDER_MODE=offline   offline provider block (fake keys, no AWS calls)
  CDKTF_OUTDIR=<dir>         output folder (default: cdktf.out)
  IMAGE_TAG=<tag>            container image tag

Exit codes: 0 synthesized, 1 invalid config or a policy error, 2 a bad command line.`,
} as const;

// Under `cdktf synth` the CLI prints the app's stderr as [ERROR] and its stdout as
// plain output, so progress and warnings go to stdout there; errors stay on stderr.
const underCdktfCli = process.env.CDKTF_CONTEXT_JSON !== undefined;
const log = createLogger({ stream: underCdktfCli ? process.stdout : process.stderr });

// Policy findings that do not fail synth (warnings, suppressions).
const report = (r: PolicyReport) => {
  if (r.warnings.length || r.suppressed.length) log.info(formatReport(r));
};

try {
  const values = parseCli(process.argv.slice(2), SPEC);
  if (!values) process.exit(0);
  const config = loadConfig();
  // VN_HCL=1 writes cdk.tf (HCL) instead of cdk.tf.json. cdktf 0.21 takes the file name from
  // `hclOutput` but the content from SYNTH_HCL_OUTPUT, so both are set.
  const hcl = process.env.VN_HCL === '1';
  if (hcl) process.env.SYNTH_HCL_OUTPUT = 'true';
  const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out', hclOutput: hcl });
  const only = process.env.VN_STACKS?.split(',').filter(Boolean);
  const providerMode = providerModeFromEnv();
  for (const environment of Object.keys(config.environments)) {
    if (only && !only.includes(environment)) continue;
    new EnvironmentStack(app, environment, { config, environment, providerMode, policy: { onReport: report } });
  }
  app.synth();
  const stacks = app.node.children.filter((c): c is EnvironmentStack => c instanceof EnvironmentStack);
  const files = stacks.map((stack) => ({ stack: stack.node.id, file: `${app.outdir}/stacks/${stack.node.id}/${hcl ? 'cdk.tf' : 'cdk.tf.json'}` }));
  for (const f of files) log.info(`synthesized ${f.stack} -> ${f.file}`);
  for (const stack of stacks) for (const warning of stack.warnings) log.warn(warning);
  if (providerMode.kind === 'aws') for (const w of stateBackendWarnings(config)) if (!only || only.includes('production')) log.warn(w);
  if (values.json) process.stdout.write(`${JSON.stringify({ stacks: files }, null, 2)}\n`);
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(2);
  }
  if (e instanceof ConfigError || e instanceof PolicyViolationError || (e instanceof Error && /^VN_/.test(e.message))) {
    process.stderr.write(`error: synth failed: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
