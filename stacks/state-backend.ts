/**
 * Where each stack keeps its Terraform state.
 *
 * The local backend's file lives outside the build folder: `cdktf synth`
 * deletes every stack folder under cdktf.out/stacks/ it did not just write
 * (so `VN_STACKS=production` would delete staging's state if it lived there).
 * The path is relative to the stack folder Terraform runs in
 * (`<outdir>/stacks/<env>/`), so the JSON holds no path of this machine:
 * with the default outdir the file is `<repo>/terraform-state/<env>.tfstate`.
 * The plan review (`npm run plan -- --no-offline`) reads that same file.
 *
 * The path is the same in every provider mode (the rehearsal JSON differs
 * from the real one only in the provider block). The rehearsal synthesizes
 * into `.rehearsal/<run>/synth/`, so its state lands in `.rehearsal/<run>/
 * terraform-state/`, thrown away with the run; the offline plan review swaps
 * in a throwaway local state of its own.
 */
import { Config } from './config';

/** Folder of the local state files, next to the build folder. */
export const LOCAL_STATE_DIR = 'terraform-state';

/** The local backend `path` of a stack, relative to its stack folder (`<outdir>/stacks/<env>/`). */
export function localStatePath(environment: string): string {
  return `../../../${LOCAL_STATE_DIR}/${environment}.tfstate`;
}

/** Warnings about where state is kept: production on the local backend (one copy, one machine, no locking). */
export function stateBackendWarnings(config: Config): string[] {
  return Object.entries(config.environments)
    .filter(([name, env]) => name === 'production' && env.backend.type === 'local')
    .map(
      ([name]) =>
        `${name} keeps its Terraform state in a local file (${LOCAL_STATE_DIR}/${name}.tfstate): one copy on one machine, no locking, no versioning. ` +
        `Set environments.${name}.backend to { "type": "s3", "bucket": ..., "region": ... } and create the bucket with npm run state:bootstrap before the first apply (docs/ci.md, "State").`,
    );
}
