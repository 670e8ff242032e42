/**
 * What the data commands finished, per environment, for `cutover` to read: a small JSON file
 * `<state dir>/<env>.json` (state dir: $VN_STATE_DIR, default `.venture-nudge/` in the working
 * directory; git-ignored). `db:sync finish --env <env>` writes a `forward` record,
 * `db:rollback --env <env>` a `reverse` one; failures are recorded too, so the last record
 * is always the truth about the last attempt.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SyncRecord {
  /** forward: source -> RDS (db:sync finish); reverse: RDS -> source (db:rollback). */
  readonly direction: 'forward' | 'reverse';
  readonly ok: boolean;
  /** ISO time the step ended. */
  readonly at: string;
  /** host:port/db of both sides (never a password). */
  readonly source: string;
  readonly target: string;
  readonly freezeMs?: number;
  readonly verifyMs?: number;
  readonly method?: string;
  readonly message?: string;
}

export interface EnvironmentState {
  readonly lastSync?: SyncRecord;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VN_STATE_DIR ?? join(process.cwd(), '.venture-nudge');
}

export function stateFile(envName: string, dir = stateDir()): string {
  if (!/^[a-z][a-z0-9]{1,15}$/.test(envName)) throw new Error(`--env "${envName}" is not an environment name (lower-case letters and digits)`);
  return join(dir, `${envName}.json`);
}

export function readState(envName: string, dir = stateDir()): EnvironmentState {
  const file = stateFile(envName, dir);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EnvironmentState;
  } catch (err) {
    throw new Error(`${file}: cannot read the sync state (${(err as Error).message}): fix or remove the file`);
  }
}

/** Records the outcome of a finish or rollback. */
export function recordSync(envName: string, record: SyncRecord, dir = stateDir()): string {
  const file = stateFile(envName, dir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...readState(envName, dir), lastSync: record }, null, 2) + '\n');
  return file;
}
