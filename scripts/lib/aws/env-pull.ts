/**
 * SSM Parameter Store -> dotenv file: the reverse of env:sync (scripts/lib/aws/ssm.ts),
 * for the rollback path (the app's environment back on Vercel) and for audits.
 *
 * Every value is written in a quoting that the `dotenv` parser reads back exactly (the
 * same parser env:sync uses), and the whole file is parsed again before it is written:
 * a value that cannot round-trip is an error naming the variable, never a silent change.
 * The file is created with mode 0600 (write to a temporary file, then rename). Values
 * are never logged or returned, only their length.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'fs';
import { basename, dirname, join } from 'path';
import { parse } from 'dotenv';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientFor, existingParameters, maskValues, validatePath } from './ssm';

export interface PulledVariable {
  readonly name: string;
  readonly parameter: string;
  readonly type: string;
  /** Value length in bytes (UTF-8). The value itself is never reported. */
  readonly bytes: number;
}

export interface PullResult {
  readonly path: string;
  readonly file: string;
  readonly dryRun: boolean;
  /** True when the file was written. */
  readonly written: boolean;
  readonly variables: PulledVariable[];
  readonly skipped: { readonly name: string; readonly reason: string }[];
}

export interface PullOptions {
  /** SSM path with leading and trailing slash, e.g. /venture-nudge/production/. */
  readonly path: string;
  /** dotenv file to write. */
  readonly file: string;
  /** Only these names (exact). */
  readonly only?: readonly string[];
  /** Not these names (exact). */
  readonly skip?: readonly string[];
  /** Replace an existing file. @default false (an existing file is an error) */
  readonly force?: boolean;
  /** Read and check, write nothing. @default false */
  readonly dryRun?: boolean;
  /** @default a client for `region` (endpoint from AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL when set) */
  readonly client?: SSMClient;
  readonly region?: string;
  /** First line of the file (a comment). @default names the path and the command */
  readonly header?: string;
}

/** A problem with the input, SSM or the file; the message names the variable or file and the fix, never a value. */
export class PullError extends Error {
  override readonly name = 'PullError';
}

const KEY = /^[\w.-]+$/;

/** `NAME=<quoted value>` that dotenv parses back to exactly `value`, or undefined when no quoting can carry it. */
export function dotenvLine(name: string, value: string): string | undefined {
  // Single quotes and backticks are literal in dotenv; double quotes turn \n and \r into line breaks,
  // which carries a carriage return (line endings are normalised to \n before parsing).
  const candidates = [`'${value}'`, `\`${value}\``, `"${value.replace(/\r/g, '\\r')}"`];
  for (const quoted of candidates) {
    const line = `${name}=${quoted}`;
    if (parse(line)[name] === value) return line;
  }
  return undefined;
}

/**
 * A dotenv file holding `entries` (names sorted), checked by parsing it back.
 * @throws PullError naming each variable that no dotenv quoting can carry.
 */
export function serializeDotenv(entries: Readonly<Record<string, string>>, header?: string): string {
  const names = Object.keys(entries).sort();
  const bad: string[] = [];
  const lines = header ? [`# ${header.replace(/\n/g, ' ')}`] : [];
  for (const name of names) {
    const line = KEY.test(name) ? dotenvLine(name, entries[name]) : undefined;
    if (line === undefined) bad.push(name);
    else lines.push(line);
  }
  if (bad.length) throw new PullError(`${bad.join(', ')}: no dotenv quoting reads ${bad.length === 1 ? 'this value' : 'these values'} back exactly (a value holding ', " and \` together, or a name dotenv cannot read); pass --skip ${bad.join(',')} and restore ${bad.length === 1 ? 'it' : 'them'} by hand`);
  const text = `${lines.join('\n')}\n`;
  const back = parse(text);
  const differ = names.filter((n) => back[n] !== entries[n]);
  if (differ.length || Object.keys(back).length !== names.length) throw new PullError(`${differ.join(', ') || 'the file'}: would not read back exactly; pass --skip for ${differ.length === 1 ? 'it' : 'them'}`);
  return text;
}

/** Writes `text` to `file` with mode 0600: a temporary file in the same folder, then a rename. */
export function writePrivateFile(file: string, text: string, force = false): void {
  if (!force && existsSync(file)) throw new PullError(`--file ${file} already exists; pass --force to replace it`);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    chmodSync(tmp, 0o600); // whatever the umask
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof PullError) throw e;
    throw new PullError(`--file ${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Reads every parameter directly under the path and writes them as a dotenv file (unless dryRun). */
export async function pullSsmToEnv(opts: PullOptions): Promise<PullResult> {
  validatePath(opts.path);
  if (!opts.force && existsSync(opts.file)) throw new PullError(`--file ${opts.file} already exists; pass --force to replace it`);
  const client = opts.client ?? clientFor(opts.region ?? process.env.AWS_REGION ?? 'us-east-1');
  let found;
  try {
    found = await existingParameters(client, opts.path);
  } catch (e) {
    throw new PullError(`reading ${opts.path} from SSM failed: ${(e as Error).name}: ${(e as Error).message}`);
  }
  const values = [...found.values()].map((p) => p.Value ?? '');
  const only = opts.only ? new Set(opts.only) : undefined;
  const skip = new Set(opts.skip ?? []);
  const entries: Record<string, string> = {};
  const variables: PulledVariable[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const [parameter, p] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    const name = parameter.slice(opts.path.length);
    if (only && !only.has(name)) skipped.push({ name, reason: 'not in --only' });
    else if (skip.has(name)) skipped.push({ name, reason: 'in --skip' });
    else {
      entries[name] = p.Value ?? '';
      variables.push({ name, parameter, type: p.Type ?? 'unknown', bytes: Buffer.byteLength(entries[name], 'utf8') });
    }
  }
  if (!variables.length) throw new PullError(`no parameters under ${opts.path}${found.size ? ' after --only/--skip' : ''}; check --env, or run env:sync first`);
  let text: string;
  try {
    text = serializeDotenv(entries, opts.header ?? `pulled from SSM ${opts.path} by npm run env:pull; holds secrets, keep it private (mode 0600)`);
  } catch (e) {
    throw new PullError(maskValues((e as Error).message, values));
  }
  if (!opts.dryRun) writePrivateFile(opts.file, text, opts.force);
  return { path: opts.path, file: opts.file, dryRun: !!opts.dryRun, written: !opts.dryRun, variables, skipped };
}
