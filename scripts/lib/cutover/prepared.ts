/**
 * A prepared switch: the database switch (ready <-> rds, the listener's weights alone) planned,
 * shown and confirmed *before* the freeze (`cutover --to rds --prepare`), so that inside the
 * read-only window `cutover --to rds --apply` only checks its preconditions and runs
 * `terraform apply <the saved plan>`: no synth, no init, no refresh of the state.
 *
 * The saved plan sits in the stack directory (SWITCH_PLAN_FILE) beside this marker, which names
 * what it was made for. The apply uses it only when all of these still hold, else it says why and
 * plans again (and asks again):
 *   - the same environment and target stage;
 *   - the same edited config (SHA-256 of the text the plan was synthesized from);
 *   - the plan file is the one confirmed (SHA-256);
 *   - younger than `maxAgeSeconds` (default 1 h: a plan of the morning is not applied at night).
 * Terraform itself refuses a saved plan whose state changed since ("Saved plan is stale": someone
 * applied in between); the apply then plans again too. When the plan is one listener rule's
 * weights, the marker also keeps that change as one ModifyRule (`api`, see api-switch.ts), which
 * the apply sends before terraform runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiSwitch } from './api-switch';

export const PREPARED_FILE = 'cutover-switch.prepared.json';
/** @default max age of a prepared switch, seconds */
export const PREPARED_MAX_AGE_SECONDS = 3600;

export interface PreparedSwitch {
  readonly envName: string;
  readonly to: string;
  /** SHA-256 of the edited config text the plan was synthesized from. */
  readonly editSha256: string;
  /** SHA-256 of the saved plan file, as confirmed. */
  readonly planSha256: string;
  readonly planFile: string;
  readonly targets: readonly string[];
  readonly at: string;
  /** The plan's change as one ModifyRule, applied through the API first (api-switch.ts), when it is that. */
  readonly api?: ApiSwitch;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Writes the marker of a confirmed switch plan in `dir`. */
export function writePrepared(dir: string, p: Omit<PreparedSwitch, 'planSha256' | 'at'>, now = new Date()): PreparedSwitch {
  const marker: PreparedSwitch = { ...p, planSha256: sha256(readFileSync(join(dir, p.planFile))), at: now.toISOString() };
  writeFileSync(join(dir, PREPARED_FILE), JSON.stringify(marker, null, 2) + '\n');
  return marker;
}

/** Removes the marker and its plan (after use, or when it no longer holds). */
export function clearPrepared(dir: string, planFile?: string): void {
  rmSync(join(dir, PREPARED_FILE), { force: true });
  if (planFile) rmSync(join(dir, planFile), { force: true });
}

export type PreparedLookup = { readonly usable: true; readonly prepared: PreparedSwitch } | { readonly usable: false; readonly why?: string };

/** The prepared switch in `dir` if it still holds for this apply; `why` says why one present does not. */
export function findPrepared(dir: string, want: { envName: string; to: string; editText: string; maxAgeSeconds?: number; now?: Date }): PreparedLookup {
  const file = join(dir, PREPARED_FILE);
  if (!existsSync(file)) return { usable: false };
  let p: PreparedSwitch;
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as PreparedSwitch;
  } catch (e) {
    return { usable: false, why: `${file} is not valid JSON (${(e as Error).message})` };
  }
  const age = ((want.now ?? new Date()).getTime() - Date.parse(p.at)) / 1000;
  const max = want.maxAgeSeconds ?? PREPARED_MAX_AGE_SECONDS;
  const plan = join(dir, p.planFile ?? '');
  if (p.envName !== want.envName || p.to !== want.to) return { usable: false, why: `it was prepared for ${p.envName} --to ${p.to}, not ${want.envName} --to ${want.to}` };
  if (p.editSha256 !== sha256(want.editText)) return { usable: false, why: 'the config changed since it was prepared' };
  if (!p.planFile || !existsSync(plan)) return { usable: false, why: `its saved plan ${plan} is gone` };
  if (sha256(readFileSync(plan)) !== p.planSha256) return { usable: false, why: `its saved plan ${plan} is not the one confirmed` };
  if (!(age >= 0 && age <= max)) return { usable: false, why: `it was prepared at ${p.at}, more than ${max} s ago` };
  return { usable: true, prepared: p };
}
