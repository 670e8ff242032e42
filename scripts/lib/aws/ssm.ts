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
import { quietSdkNodeWarning } from './sdk-warning';

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
  /** Names written (or kept) under the path that the task does not read: not in service.ssmSecrets. Empty when no `expected` list was given. */
  readonly notReachingTask: string[];
  /** Lines of the file dotenv could not read (not synced). */
  readonly unparsed: UnparsedLine[];
  /** Unquoted values dotenv cut at a `#` (synced cut: warned about, errors with strict). */
  readonly cutAtHash: CutLine[];
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
  /** Missing expected names, empty values and unparsable lines are errors instead of warnings. @default false */
  readonly strict?: boolean;
  /** Lines of the file dotenv could not read (readEnvFileReport): warned about, errors with `strict`. */
  readonly unparsed?: readonly UnparsedLine[];
  /** Unquoted values dotenv cuts at a `#` (readEnvFileReport): warned about, errors with `strict`. */
  readonly cutAtHash?: readonly CutLine[];
  /** File name used in messages about unparsed lines. @default "the file" */
  readonly file?: string;
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

/** A line of an env file that dotenv cannot read (it would drop it without a word). */
export interface UnparsedLine {
  /** 1-based line number. */
  readonly line: number;
  /** The text before the first `=` when it looks like a name (never the value), e.g. `API:KEY`. */
  readonly name?: string;
}

/**
 * A line whose unquoted value holds a `#` glued to the text before it (`KEY=ab#cd`): dotenv
 * takes the `#` as the start of a comment and keeps only `ab`. (`KEY=ab # note` is a comment
 * and not reported.)
 */
export interface CutLine {
  /** 1-based line number. */
  readonly line: number;
  readonly name: string;
  /** Bytes dotenv keeps, and bytes the line's value has up to the end of the line. */
  readonly keptBytes: number;
  readonly lineBytes: number;
}

export interface EnvFile {
  readonly entries: Record<string, string>;
  readonly unparsed: UnparsedLine[];
  readonly cutAtHash: CutLine[];
}

const UNQUOTED_WITH_HASH = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*([^'"`\s#][^\r\n]*)$/;

function cutAtHash(line: string, index: number, entries: Record<string, string>): CutLine | undefined {
  const m = UNQUOTED_WITH_HASH.exec(line);
  if (!m) return undefined;
  const raw = m[2].trimEnd();
  const hash = raw.indexOf('#');
  if (hash < 0 || /\s/.test(raw[hash - 1] ?? ' ')) return undefined;
  const kept = entries[m[1]] ?? raw.slice(0, hash).trim();
  return { line: index + 1, name: m[1], keptBytes: Buffer.byteLength(kept), lineBytes: Buffer.byteLength(raw) };
}

/** Why a cut value matters and how to fix it; names the line and the variable, never the value. */
export function cutAtHashMessage(c: CutLine, file = 'the file'): string {
  return `${file} line ${c.line} (${c.name}): dotenv reads an unquoted value only up to "#", so ${c.keptBytes} of its ${c.lineBytes} bytes are synced; quote the value (${c.name}="...") if the "#" belongs to it, or put a space before "#" if it starts a comment`;
}

/**
 * dotenv 18's own line pattern (dist/index.cjs): a line it does not match is
 * dropped by `parse`, so any non-blank, non-comment line outside every match is reported.
 */
const DOTENV_LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/** Parses dotenv text and lists the lines dotenv would silently drop (`API:KEY=...`, `MY KEY=...`). */
export function parseEnvText(text: string): EnvFile {
  const normalized = text.replace(/\r\n?/g, '\n');
  const covered = new Uint8Array(normalized.length);
  for (const m of normalized.matchAll(DOTENV_LINE)) covered.fill(1, m.index, m.index + m[0].length);
  const unparsed: UnparsedLine[] = [];
  let offset = 0;
  normalized.split('\n').forEach((line, i) => {
    const start = offset;
    offset += line.length + 1;
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    if (covered.subarray(start, start + line.length).every((c) => c === 1)) return;
    const before = line.includes('=') ? line.slice(0, line.indexOf('=')).trim() : undefined;
    unparsed.push({ line: i + 1, ...(before && before.length <= 64 && !/["'`]/.test(before) ? { name: before } : {}) });
  });
  const entries = parse(normalized);
  const cut: CutLine[] = [];
  normalized.split('\n').forEach((line, i) => {
    const c = cutAtHash(line, i, entries);
    if (c) cut.push(c);
  });
  return { entries, unparsed, cutAtHash: cut };
}

/** Reads and parses a dotenv file, listing the lines dotenv cannot read (see parseEnvText). */
export function readEnvFileReport(file: string): EnvFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SyncError(`--file ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pull it with \`npx vercel env pull ${file} --environment=production\``);
  }
  return parseEnvText(text);
}

/** Parses a dotenv file (values with `=`, quotes, multi-line values, unicode survive). */
export function readEnvFile(file: string): Record<string, string> {
  return readEnvFileReport(file).entries;
}

/** Why a dropped line matters and how to fix it; names the line, never its value. */
export function unparsedMessage(u: UnparsedLine, file = 'the file'): string {
  const what = u.name ? ` (${u.name})` : '';
  const fix = u.name && /[^\w.-]/.test(u.name) ? `rename it to letters, digits, _ . - only (e.g. ${u.name.replace(/[^\w.-]+/g, '_')})` : 'write it as NAME=value (quote values that span lines)';
  return `${file} line ${u.line}${what}: dotenv cannot parse this line, so it is not synced; ${fix}`;
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
  quietSdkNodeWarning();
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

/** Names synced that the task never reads, and the config change that makes them reach it. */
export function notReachingMessage(names: readonly string[]): string {
  return (
    `${names.join(', ')} will not reach the task: the task definition reads only the names in service.ssmSecrets. ` +
    `To pass ${names.length === 1 ? 'it' : 'them'} to the app, add ${JSON.stringify(names)} to environments.<env>.service.ssmSecrets in the config and apply; otherwise --skip ${names.join(',')}`
  );
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
  for (const u of opts.unparsed ?? []) (opts.strict ? problems : warnings).push(unparsedMessage(u, opts.file));
  for (const c of opts.cutAtHash ?? []) (opts.strict ? problems : warnings).push(cutAtHashMessage(c, opts.file));
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
  const notReachingTask = opts.expected ? selected.map(([n]) => n).filter((n) => !expected.includes(n)) : [];
  if (notReachingTask.length) warnings.push(notReachingMessage(notReachingTask));
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
  return { path: opts.path, dryRun: !!opts.dryRun, items, counts, warnings, missing, notReachingTask, unparsed: [...(opts.unparsed ?? [])], cutAtHash: [...(opts.cutAtHash ?? [])], comparedWithExisting: compared };
}
