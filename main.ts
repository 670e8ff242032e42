import { App } from 'cdktf';
import { ConfigError, loadConfig } from './stacks/config';
import { EnvironmentStack } from './stacks/environment-stack';
import { providerModeFromEnv } from './stacks/providers';

try {
  const config = loadConfig();
  // VN_HCL=1 writes cdk.tf (HCL) instead of cdk.tf.json, for reviewers who read HCL.
  const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out', hclOutput: process.env.VN_HCL === '1' });
  const only = process.env.VN_STACKS?.split(',').filter(Boolean);
  for (const environment of Object.keys(config.environments)) {
    if (only && !only.includes(environment)) continue;
    new EnvironmentStack(app, environment, { config, environment, providerMode: providerModeFromEnv() });
  }
  app.synth();
} catch (e) {
  if (e instanceof ConfigError || (e instanceof Error && /^VN_/.test(e.message))) {
    process.stderr.write(`synth failed: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
