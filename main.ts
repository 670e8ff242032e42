import { App } from 'cdktf';
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
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

/** The environments VN_STACKS names (comma-separated), all of them when unset; an unknown name is an error naming the known ones. */
function selectedStacks(value: string | undefined, known: string[]): string[] {
  const asked = value?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!asked?.length) return known;
  const unknown = asked.filter((s) => !known.includes(s));
  if (unknown.length) throw new Error(`VN_STACKS: unknown stack ${unknown.join(', ')}; known: ${known.join(', ')} (environment names from the config, comma-separated)`);
  return known.filter((s) => asked.includes(s));
}

/**
 * Validates and writes every stack. cdktf's validations run here (all but its `terraform version`
 * probe); Terraform >= 1.5 (moved blocks) is stated as `required_version`, which Terraform itself
 * enforces wherever the JSON is planned. The other format's file from an earlier synth is removed,
 * so a stack folder never holds both cdk.tf and cdk.tf.json (Terraform would read both).
 */
const REQUIRED_TERRAFORM = '>= 1.5.0';

function writeStacks(app: App, hcl: boolean): EnvironmentStack[] {
  const stacks = app.node.children.filter((c): c is EnvironmentStack => c instanceof EnvironmentStack);
  for (const stack of stacks) {
    // cdktf 0.21's HCL renderer writes this override as `0 = "required_version"`: HCL gets the line after synth.
    if (!hcl) stack.addOverride('terraform.required_version', REQUIRED_TERRAFORM);
    stack.runAllValidations();
  }
  app.synth();
  for (const stack of stacks) {
    const dir = join(app.outdir, 'stacks', stack.node.id);
    rmSync(join(dir, hcl ? 'cdk.tf.json' : 'cdk.tf'), { force: true });
    if (hcl) {
      const file = join(dir, 'cdk.tf');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^terraform \{\n/, `terraform {\nrequired_version = "${REQUIRED_TERRAFORM}"\n`));
    }
  }
  return stacks;
}

try {
  const values = parseCli(process.argv.slice(2), SPEC);
  if (!values) process.exit(0);
  const config = loadConfig();
  const only = selectedStacks(process.env.VN_STACKS, Object.keys(config.environments));
  // VN_HCL=1 writes cdk.tf (HCL) instead of cdk.tf.json. cdktf 0.21 takes the file name from
  // `hclOutput` but the content from SYNTH_HCL_OUTPUT, so both are set.
  const hcl = process.env.VN_HCL === '1';
  if (hcl) process.env.SYNTH_HCL_OUTPUT = 'true';
  // skipValidation: cdktf's own pass would run `terraform version` in a child shell per stack
  // (the stacks move resources, which it wants Terraform >= 1.5 for); writeStacks() below runs
  // every other validation itself and states the version in the JSON, where Terraform checks it.
  const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out', hclOutput: hcl, skipValidation: true });
  const providerMode = providerModeFromEnv();
  for (const environment of only) {
    new EnvironmentStack(app, environment, { config, environment, providerMode, policy: { onReport: report } });
  }
  const stacks = writeStacks(app, hcl);
  const files = stacks.map((stack) => ({ stack: stack.node.id, file: `${app.outdir}/stacks/${stack.node.id}/${hcl ? 'cdk.tf' : 'cdk.tf.json'}` }));
  for (const f of files) log.info(`synthesized ${f.stack} -> ${f.file}`);
  for (const stack of stacks) for (const warning of stack.warnings) log.warn(warning);
  if (providerMode.kind === 'aws') for (const w of stateBackendWarnings(config)) if (only.includes('production')) log.warn(w);
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
