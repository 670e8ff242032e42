/**
 * `cutover --apply`: synthesizes the environment's stack and applies it with the project's
 * terraform runner (scripts/lib/terraform). The commands are built by `applySteps` so they can
 * be reviewed (and tested) without running them.
 */
import { join } from 'node:path';
import { PROJECT_DIR, synthStacks } from '../terraform/synth';
import { terraform } from '../terraform/run';

export interface ApplyStep {
  readonly args: string[];
  readonly why: string;
}

/** terraform commands run in the stack directory, in order. */
export function applySteps(): ApplyStep[] {
  return [
    { args: ['init', '-input=false'], why: 'providers and backend' },
    { args: ['apply', '-input=false', '-auto-approve'], why: 'the stage change (Route 53 weights, or the task definition and service at rds)' },
  ];
}

export interface ApplyOptions {
  readonly envName: string;
  readonly configFile: string;
  /** Where synth writes. @default <project>/cdktf.out */
  readonly outdir?: string;
  readonly log?: (line: string) => void;
  /** @default 3600 */
  readonly timeoutSeconds?: number;
}

/** Synthesizes the stack and runs the apply steps; throws TerraformError on failure. */
export async function applyStage(o: ApplyOptions): Promise<void> {
  const outdir = o.outdir ?? join(PROJECT_DIR, 'cdktf.out');
  const synth = await synthStacks({ outdir, stacks: [o.envName], offline: false, configFile: o.configFile, log: o.log });
  const file = synth.files[o.envName];
  if (!file) throw new Error(`synth wrote no stack for environment ${o.envName}`);
  const dir = join(file, '..');
  for (const step of applySteps()) {
    o.log?.(`terraform ${step.args.join(' ')}   # ${step.why}`);
    await terraform(dir, step.args, { timeoutSeconds: o.timeoutSeconds ?? 3600, onOutput: (c) => process.stderr.write(c) });
  }
}
