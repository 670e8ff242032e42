/**
 * The record of the day: what the data moves and the cutover did, per environment, in one
 * place every side can read.
 *
 *   where          an SSM String parameter holding JSON, `<ssmPath>cutover/day`
 *                  (`/venture-nudge/<env>/cutover/day`): written by `db:sync finish --env` and
 *                  `db:rollback --env` (from the runner task inside the VPC, whose task role may
 *                  read and write exactly this parameter) and by `cutover --apply`; read by
 *                  `cutover` and `cutover --check-stage` (on a laptop or in CI).
 *   cache          `<state dir>/<env>.json` (state dir: $VN_STATE_DIR, default `.venture-nudge/`
 *                  in the working directory; git-ignored). Written after every read and write of
 *                  the parameter, never trusted over it; failing to write it (the runner's root is
 *                  read-only) is a warning, never a failure of the run.
 *                  The runner's task definition sets VN_DAY_RECORD_PARAMETER to the name.
 *   local only     `VN_DAY_RECORD=local` keeps the record in the cache file alone (tests, a day
 *                  rehearsed without AWS).
 *
 * States: `forward-verifying` (db:sync finish opened writes on the target and its verification has
 * no verdict yet), `forward-finished` (the last data move was a successful db:sync finish), `reverse-finished`
 * (a successful db:rollback), `failed` (the last data move failed; its message kept), `none`; and,
 * separately, the stage `cutover --apply` last applied. Failures are recorded too, so the last
 * record is always the truth about the last attempt. The parameter is not secret: it holds
 * host:port/db of both sides, times and a transaction-id mark, never a password.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig, namesFor, type Config, type CutoverStage } from '../../../stacks/config';

/** Where the source stood when finish ended: what `cutover --to rds` compares the live source with. */
export interface SourceMark {
  /** `pg_snapshot_xmax(pg_current_snapshot())`: the next transaction id the source would assign. */
  readonly xmax: string;
  /** Sum of n_tup_ins + n_tup_upd + n_tup_del over the database's user tables (pg_stat_user_tables). */
  readonly modifications: string;
  /** `pg_stat_database.stats_reset` of the database (a reset makes {@link modifications} meaningless). */
  readonly statsReset: string | null;
  /** Sum of analyze_count + autoanalyze_count over the user tables (absent in marks of older versions). */
  readonly analyses?: string;
  /** Name prefix of the publication and slot finish dropped. */
  readonly prefix: string;
}

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
  /** forward and ok: the source's mark right after finish. */
  readonly sourceMark?: SourceMark;
  /**
   * forward: where finish's verification stands. `verifying`: writes opened on the target (the
   * reverse replication armed) and the verdict is not in; a finish that died there leaves this
   * (rerun finish to verify again, or db:rollback). `verified` / `failed`: the verdict. Absent in
   * records written before verification moved after the open: their `ok` is the verdict.
   */
  readonly verification?: 'verifying' | 'verified' | 'failed';
  /** forward: ISO time writes opened on the target (before the verdict). */
  readonly openedAt?: string;
  /** forward: the start of finish to the verdict. */
  readonly toVerifiedMs?: number;
  /** forward: `verify-after-open` or `verify-in-freeze`. */
  readonly mode?: string;
}

export interface AppliedStage {
  readonly stage: CutoverStage;
  /** ISO time the apply ended. */
  readonly at: string;
}

/** The record of the day of one environment. */
export interface EnvironmentState {
  readonly lastSync?: SyncRecord;
  /** The stage `cutover --apply` last applied to AWS. */
  readonly applied?: AppliedStage;
}

export type DayState = 'none' | 'forward-verifying' | 'forward-finished' | 'reverse-finished' | 'failed';

/** The state of the last data move. */
export function dayState(r: EnvironmentState): { state: DayState; message?: string } {
  const last = r.lastSync;
  if (!last) return { state: 'none' };
  if (!last.ok) return { state: 'failed', message: last.message ?? 'see its output' };
  if (last.direction === 'forward' && last.verification === 'verifying') return { state: 'forward-verifying', message: `writes open on the target since ${last.openedAt ?? last.at}, verification not finished` };
  return { state: last.direction === 'forward' ? 'forward-finished' : 'reverse-finished' };
}

// ---------------------------------------------------------------- the local cache

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VN_STATE_DIR ?? join(process.cwd(), '.venture-nudge');
}

export function stateFile(envName: string, dir = stateDir()): string {
  if (!/^[a-z][a-z0-9]{1,15}$/.test(envName)) throw new Error(`--env "${envName}" is not an environment name (lower-case letters and digits)`);
  return join(dir, `${envName}.json`);
}

function parseRecord(text: string, where: string): EnvironmentState {
  try {
    const r = JSON.parse(text) as unknown;
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error('not a JSON object');
    return r as EnvironmentState;
  } catch (err) {
    throw new Error(`${where}: cannot read the record of the day (${(err as Error).message}): fix or remove it`);
  }
}

export function readState(envName: string, dir = stateDir()): EnvironmentState {
  const file = stateFile(envName, dir);
  if (!existsSync(file)) return {};
  return parseRecord(readFileSync(file, 'utf8'), file);
}

function writeCache(file: string, record: EnvironmentState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
}

/** Records the outcome of a finish or rollback in the local file only; returns the file. */
export function recordSync(envName: string, record: SyncRecord, dir = stateDir()): string {
  const file = stateFile(envName, dir);
  writeCache(file, { ...readState(envName, dir), lastSync: record });
  return file;
}

// ---------------------------------------------------------------- the ledger

export interface WriteOutcome {
  /** Where the record now lives (the parameter, or the file when local). */
  readonly where: string;
  /** Why the local cache could not be written (the record itself was). */
  readonly cacheError?: string;
}

/** The record of one environment: read it, change part of it. */
export interface DayLedger {
  /** e.g. `ssm:/venture-nudge/production/cutover/day` or the local file. */
  readonly where: string;
  read(): Promise<EnvironmentState>;
  /** Reads the record, applies `change`, writes it back. */
  update(change: Partial<EnvironmentState>): Promise<WriteOutcome>;
}

/** The record in the local file alone (VN_DAY_RECORD=local, tests). */
export function fileLedger(envName: string, dir = stateDir()): DayLedger {
  const file = stateFile(envName, dir);
  return {
    where: file,
    read: async () => readState(envName, dir),
    async update(change) {
      writeCache(file, { ...readState(envName, dir), ...change });
      return { where: file };
    },
  };
}

/** The SSM parameter of the record: `<ssmPath>cutover/day`, e.g. `/venture-nudge/production/cutover/day`. */
export function dayRecordParameter(config: Config, envName: string): string {
  return namesFor(config, envName).dayRecordParameter;
}

export interface SsmLedgerOptions {
  readonly envName: string;
  readonly client: SSMClient;
  /** Full parameter name ({@link dayRecordParameter}). */
  readonly parameter: string;
  /** Directory of the local cache. @default stateDir() */
  readonly dir?: string;
}

/** The record in SSM, with the local file as a cache that may fail to write. */
export function ssmLedger(o: SsmLedgerOptions): DayLedger {
  const where = `ssm:${o.parameter}`;
  const file = stateFile(o.envName, o.dir ?? stateDir());
  const cache = (record: EnvironmentState): string | undefined => {
    try {
      writeCache(file, record);
      return undefined;
    } catch (err) {
      return `${file}: ${(err as Error).message}`;
    }
  };
  const fail = (verb: string, err: unknown): Error =>
    new Error(
      `cannot ${verb} the record of the day ${where} (${(err as Error).name}: ${(err as Error).message}): check the AWS credentials and region; ` +
        `the role needs ssm:GetParameter and ssm:PutParameter on ${o.parameter} (or set VN_DAY_RECORD=local to keep it in ${file} only)`,
    );
  const fetch = async (): Promise<EnvironmentState> => {
    try {
      const r = await o.client.send(new GetParameterCommand({ Name: o.parameter }));
      return parseRecord(r.Parameter?.Value ?? '{}', where);
    } catch (err) {
      if (err instanceof ParameterNotFound || (err as Error).name === 'ParameterNotFound') return {};
      if ((err as Error).message.startsWith(where)) throw err;
      throw fail('read', err);
    }
  };
  return {
    where,
    async read() {
      const record = await fetch();
      cache(record);
      return record;
    },
    async update(change) {
      const record = { ...(await fetch()), ...change };
      try {
        await o.client.send(new PutParameterCommand({ Name: o.parameter, Type: 'String', Overwrite: true, Value: JSON.stringify(record), Description: 'venture-nudge record of the day (db:sync finish, db:rollback, cutover --apply)' }));
      } catch (err) {
        throw fail('write', err);
      }
      return { where, cacheError: cache(record) };
    },
  };
}

export interface DayLedgerOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The config (for the app name and SSM path). @default loadConfig(env) */
  readonly config?: Config;
  /** @default new SSMClient({ region: AWS_REGION or the config's region }) */
  readonly client?: SSMClient;
  readonly dir?: string;
}

/** The ledger the CLIs use: SSM unless VN_DAY_RECORD=local. */
export function dayLedger(envName: string, o: DayLedgerOptions = {}): DayLedger {
  const env = o.env ?? process.env;
  const dir = o.dir ?? stateDir(env);
  const mode = env.VN_DAY_RECORD ?? 'ssm';
  if (mode === 'local') return fileLedger(envName, dir);
  if (mode !== 'ssm') throw new Error(`VN_DAY_RECORD must be ssm or local (got ${mode})`);
  const config = o.config ?? loadConfig(env);
  const client = o.client ?? new SSMClient({ region: env.AWS_REGION ?? config.region });
  // the runner's task definition names the parameter (its image has no config file)
  return ssmLedger({ envName, client, parameter: env.VN_DAY_RECORD_PARAMETER || dayRecordParameter(config, envName), dir });
}
