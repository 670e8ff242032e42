import { App } from 'cdktf';
import { ConfigError, loadConfig } from './stacks/config';
import { EnvironmentStack } from './stacks/environment-stack';
import { providerModeFromEnv } from './stacks/providers';
import { formatReport, PolicyReport, PolicyViolationError } from './stacks/policy';

// Policy findings that do not fail synth (warnings, suppressions) go to stderr.
const report = (r: PolicyReport) => {
  if (r.warnings.length || r.suppressed.length) process.stderr.write(`${formatReport(r)}\n`);
};

try {
  const config = loadConfig();
  // VN_HCL=1 writes cdk.tf (HCL) instead of cdk.tf.json. cdktf 0.21 takes the file name from
  // `hclOutput` but the content from SYNTH_HCL_OUTPUT, so both are set.
  const hcl = process.env.VN_HCL === '1';
  if (hcl) process.env.SYNTH_HCL_OUTPUT = 'true';
  const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out', hclOutput: hcl });
  const only = process.env.VN_STACKS?.split(',').filter(Boolean);
  for (const environment of Object.keys(config.environments)) {
    if (only && !only.includes(environment)) continue;
    new EnvironmentStack(app, environment, { config, environment, providerMode: providerModeFromEnv(), policy: { onReport: report } });
  }
  app.synth();
  for (const stack of app.node.children.filter((c): c is EnvironmentStack => c instanceof EnvironmentStack)) {
    process.stderr.write(`synthesized ${stack.node.id} -> ${app.outdir}/stacks/${stack.node.id}/${hcl ? 'cdk.tf' : 'cdk.tf.json'}\n`);
    for (const warning of stack.warnings) process.stderr.write(`warning: ${warning}\n`);
  }
} catch (e) {
  if (e instanceof ConfigError || e instanceof PolicyViolationError || (e instanceof Error && /^VN_/.test(e.message))) {
    process.stderr.write(`synth failed: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
