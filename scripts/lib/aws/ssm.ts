/**
 * Environment variables -> SSM Parameter Store (SecureString) under the stack's
 * path (`namesFor(config, env).ssmPath`, e.g. /venture-nudge/production/), where
 * the ECS task reads them. Replaces the guide's `sync-env-to-aws.sh`, whose
 * `IFS='='` loop breaks values containing `=`, quotes or newlines: the file is
 * parsed with the `dotenv` package instead.
 *
 * Idempotent: existing values are read (decrypted) first; unchanged values are
 * not written. Values are never logged or returned, only their length.
 */
import { readFileSync } from 'fs';
import { parse } from 'dotenv';
import { DeleteParametersCommand, GetParametersByPathCommand, Parameter, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { maskSecrets } from '../proc/mask';

/** Vercel's database variables; the stack injects PG* from RDS instead. */
export const DATABASE_VAR = /^(POSTGRES_.*|DATABASE_URL.*|PG.*)$/;

/** SSM limits: value size per tier (bytes), full name length, hierarchy depth. */
export const STANDARD_MAX_BYTES = 4096;
export const ADVANCED_MAX_BYTES = 8192;
export const MAX_NAME_LENGTH = 1011;
export const MAX_DEPTH = 15;

export type Action = 'create' | 'update' | 'unchanged' | 'delete' | 'skip';

export interface SyncItem {
  /** Variable name (as in the file). */
  readonly name: string;
  /** Full parameter name, e.g. /venture-nudge/production/OPENAI_API_KEY. */
  readonly parameter: string;
  readonly action: Action;
  readonly type: 'SecureString';
  /** Value length in bytes (UTF-8); 0 for deletions. The value itself is never reported. */
  readonly bytes: number;
  readonly tier?: 'Advanced';
  /** Why it is skipped. */
  readonly reason?: string;
}

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  skipped: number;
}

export interface SyncResult {
  readonly path: string;
  readonly dryRun: boolean;
  readonly items: SyncItem[];
  readonly counts: SyncCounts;
  /** Human notes (skipped database variables, expected names missing, ...). */
  readonly warnings: string[];
  /** Names the task expects (config service.ssmSecrets) that neither the file nor SSM provides after the sync. */
  readonly missing: string[];
  /** False in a dry run whose read of the existing parameters failed (actions are then "create"/"update" guesses). */
  readonly comparedWithExisting: boolean;
}

export interface SyncOptions {
  /** SSM path with leading and trailing slash, e.g. /venture-nudge/production/. */
  readonly path: string;
  /** Variables to write (parsed file). */
  readonly entries: Readonly<Record<string, string>>;
  /** Only these names (exact). */
  readonly only?: readonly string[];
  /** Not these names (exact). */
  readonly skip?: readonly string[];
  /** Also write POSTGRES_*, DATABASE_URL*, PG* (skipped by default: the stack sets PG* from RDS). @default false */
  readonly includeDatabaseVars?: boolean;
  /** Names the task reads (config service.ssmSecrets): missing ones are warned about. */
  readonly expected?: readonly string[];
  /** Missing expected names and empty values are errors instead of warnings. @default false */
  readonly strict?: boolean;
  /** Compute and report, write nothing. @default false */
  readonly dryRun?: boolean;
  /** Delete parameters directly under the path whose names the file does not contain. @default false */
  readonly prune?: boolean;
  /** KMS key for SecureString encryption. @default the account's aws/ssm key */
  readonly kmsKeyId?: string;
  /** Allow values up to 8 KB as Advanced-tier parameters (billed). @default false */
  readonly advancedTier?: boolean;
  /** @default a client for `region` (endpoint from AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL when set) */
  readonly client?: SSMClient;
  readonly region?: string;
}

/** A problem with the input or a request; the message names the variable and the fix, never a value. */
export class SyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncError';
  }
}

/** Parses a dotenv file (values with `=`, quotes, multi-line values, unicode survive). */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SyncError(`--file ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pull it with \`npx vercel env pull ${file} --environment=production\``);
  }
  return parse(text);
}

/** Checks an SSM path such as /venture-nudge/production/. */
export function validatePath(path: string): void {
  if (!/^\/([A-Za-z0-9_.-]+\/)+$/.test(path)) throw new SyncError(`SSM path "${path}" must look like /app/env/ (letters, digits, _ . -, leading and trailing slash)`);
  if (/^\/(aws|ssm)/i.test(path)) throw new SyncError(`SSM path "${path}" must not start with aws or ssm (reserved)`);
}

/** Why `name` cannot be a parameter under `path`, or undefined when it can. */
export function nameProblem(path: string, name: string): string | undefined {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return `${name}: not a valid SSM parameter name (allowed: letters, digits, _ . -); rename it or pass --skip ${name}`;
  const full = `${path}${name}`;
  if (full.length > MAX_NAME_LENGTH) return `${name}: parameter name ${full.length} characters long, SSM allows ${MAX_NAME_LENGTH}`;
  if (full.split('/').length - 1 > MAX_DEPTH) return `${name}: parameter path deeper than ${MAX_DEPTH} levels`;
  return undefined;
}

/** Replaces every value of at least 4 characters in `text` with ***, so no error message leaks one (the process layer's masker). */
export function maskValues(text: string, values: Iterable<string>): string {
  return maskSecrets(text, values);
}

export function clientFor(region: string): SSMClient {
  // The SDK reads AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL itself (used by the tests against moto).
  return new SSMClient({ region });
}

/** All parameters directly under `path`, decrypted. */
export async function existingParameters(client: SSMClient, path: string): Promise<Map<string, Parameter>> {
  const found = new Map<string, Parameter>();
  let token: string | undefined;
  do {
    const page = await client.send(new GetParametersByPathCommand({ Path: path, Recursive: false, WithDecryption: true, NextToken: token, MaxResults: 10 }));
    for (const p of page.Parameters ?? []) if (p.Name) found.set(p.Name, p);
    token = page.NextToken;
  } while (token);
  return found;
}

/** Plans and (unless dryRun) performs the sync. Throws SyncError for invalid input before writing anything. */
export async function syncEnvToSsm(opts: SyncOptions): Promise<SyncResult> {
  validatePath(opts.path);
  const values = Object.values(opts.entries);
  const warnings: string[] = [];
  const only = opts.only ? new Set(opts.only) : undefined;
  const skip = new Set(opts.skip ?? []);
  for (const n of [...(only ?? []), ...skip]) if (!(n in opts.entries)) warnings.push(`${n}: named in --only/--skip but not in the file`);

  const items: SyncItem[] = [];
  const selected: [string, string][] = [];
  const skippedDb: string[] = [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(opts.entries)) {
    const parameter = `${opts.path}${name}`;
    const bytes = Buffer.byteLength(value, 'utf8');
    const skipped = (reason: string) => items.push({ name, parameter, action: 'skip', type: 'SecureString', bytes, reason });
    if (only && !only.has(name)) skipped('not in --only');
    else if (skip.has(name)) skipped('in --skip');
    else if (!opts.includeDatabaseVars && DATABASE_VAR.test(name) && !only?.has(name)) {
      skipped('database variable (the stack sets PG* from RDS)');
      skippedDb.push(name);
    } else if (value === '') {
      skipped('empty value (SSM cannot store an empty parameter)');
      (opts.strict ? problems : warnings).push(`${name}: empty value, not written (SSM parameters cannot be empty); remove it from the file or give it a value`);
    } else {
      const bad = nameProblem(opts.path, name);
      if (bad) problems.push(bad);
      else if (bytes > ADVANCED_MAX_BYTES) problems.push(`${name}: value is ${bytes} bytes; SSM allows at most ${ADVANCED_MAX_BYTES} (Advanced tier). Store it elsewhere (e.g. Secrets Manager) or --skip ${name}`);
      else if (bytes > STANDARD_MAX_BYTES && !opts.advancedTier) problems.push(`${name}: value is ${bytes} bytes; the Standard tier allows ${STANDARD_MAX_BYTES}. Pass --advanced-tier (up to ${ADVANCED_MAX_BYTES} bytes, billed) or --skip ${name}`);
      else selected.push([name, value]);
    }
  }
  if (skippedDb.length) warnings.push(`skipped database variables ${skippedDb.join(', ')}: the stack gives the task PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD from RDS (use --include-database-vars or --only to write them anyway)`);

  const client = opts.client ?? clientFor(opts.region ?? process.env.AWS_REGION ?? 'us-east-1');
  let existing = new Map<string, Parameter>();
  let compared = true;
  try {
    existing = await existingParameters(client, opts.path);
  } catch (e) {
    if (!opts.dryRun) throw new SyncError(`reading ${opts.path} from SSM failed: ${maskValues((e as Error).message, values)}`);
    compared = false;
    warnings.push(`could not read ${opts.path} from SSM (${maskValues((e as Error).message, values)}); actions below assume nothing exists`);
  }

  const expected = opts.expected ?? [];
  const willExist = new Set([...selected.map(([n]) => n), ...[...existing.keys()].map((p) => p.slice(opts.path.length))]);
  const toDelete = opts.prune ? [...existing.keys()].filter((p) => !(p.slice(opts.path.length) in opts.entries)) : [];
  for (const p of toDelete) willExist.delete(p.slice(opts.path.length));
  const missing = expected.filter((n) => !willExist.has(n));
  if (missing.length) {
    const msg = `the task expects ${missing.join(', ')} (config service.ssmSecrets) but neither the file nor ${opts.path} has ${missing.length === 1 ? 'it' : 'them'}; add ${missing.length === 1 ? 'it' : 'them'} to the file (or to Vercel) and pull again`;
    (opts.strict ? problems : warnings).push(msg);
  }
  if (problems.length) throw new SyncError(problems.join('\n'));

  const counts: SyncCounts = { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: items.length };
  for (const [name, value] of selected) {
    const parameter = `${opts.path}${name}`;
    const bytes = Buffer.byteLength(value, 'utf8');
    const tier = bytes > STANDARD_MAX_BYTES ? ('Advanced' as const) : undefined;
    const current = existing.get(parameter);
    const action: Action = !current ? 'create' : current.Value === value && current.Type === 'SecureString' ? 'unchanged' : 'update';
    items.push({ name, parameter, action, type: 'SecureString', bytes, ...(tier ? { tier } : {}) });
    if (action === 'unchanged') {
      counts.unchanged++;
      continue;
    }
    if (!opts.dryRun) {
      try {
        await client.send(new PutParameterCommand({ Name: parameter, Value: value, Type: 'SecureString', Overwrite: true, KeyId: opts.kmsKeyId, Tier: tier }));
      } catch (e) {
        throw new SyncError(`${name}: writing ${parameter} failed: ${maskValues((e as Error).message, values)}`);
      }
    }
    if (action === 'create') counts.created++;
    else counts.updated++;
  }
  for (const parameter of toDelete) items.push({ name: parameter.slice(opts.path.length), parameter, action: 'delete', type: 'SecureString', bytes: 0 });
  for (let i = 0; i < toDelete.length; i += 10) {
    const batch = toDelete.slice(i, i + 10);
    if (!opts.dryRun) {
      try {
        const r = await client.send(new DeleteParametersCommand({ Names: batch }));
        if (r.InvalidParameters?.length) throw new Error(`not deleted: ${r.InvalidParameters.join(', ')}`);
      } catch (e) {
        throw new SyncError(`pruning under ${opts.path} failed: ${maskValues((e as Error).message, values)}`);
      }
    }
    counts.deleted += batch.length;
  }
  return { path: opts.path, dryRun: !!opts.dryRun, items, counts, warnings, missing, comparedWithExisting: compared };
}
