/**
 * Shared command-line parsing for the scripts, a thin layer over node:util parseArgs.
 *
 *   const args = parseCli(process.argv.slice(2), {
 *     name: 'db:verify',
 *     summary: 'Compare two databases.',
 *     options: { from: { type: 'string', description: 'source URL' } },
 *   });
 *   if (!args) return 0; // --help was printed
 *
 * Every script gets `--help` (prints usage to stdout, returns undefined) and `--json`
 * (machine-readable output on stdout). Unknown flags and missing values throw a
 * {@link UsageError} whose message names the flag; `runCli` turns it into a one-line
 * error and exit code 2.
 *
 * One error convention for every script: a failure is printed on stderr as
 * `error: <message>` ({@link ERROR_PREFIX}; the message says what failed, e.g.
 * `error: validate (staging): ...`), exit 1; a bad command line exits 2.
 *
 * Negative switches are ordinary boolean options whose name starts with `no-`
 * (`'no-verify': { type: 'boolean', ... }` accepts `--no-verify`); a script that also
 * has the positive form checks the pair itself (`--x and --no-x contradict each other`).
 */
import { parseArgs } from 'node:util';
import { quietSdkNodeWarning } from '../aws/sdk-warning';
import { nearest } from '../text/nearest';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Shown by --help. May span lines: continuation lines are indented under the first. */
  readonly description: string;
  readonly short?: string;
  readonly default?: string | boolean;
  /** Placeholder shown in --help for string options. @default 'value' */
  readonly valueName?: string;
  /** May be given several times (values collected in an array). */
  readonly multiple?: boolean;
}

export interface CliSpec<O extends Record<string, OptionSpec>> {
  /** Script name as the user runs it, e.g. `npm run db:copy --`. */
  readonly name: string;
  readonly summary: string;
  readonly options: O;
  /** Extra paragraphs after the option list (examples, environment variables). */
  readonly epilog?: string;
}

/** An option with a `default` is always present in the parsed values. */
type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S extends { readonly default: boolean }
    ? boolean
    : boolean | undefined
  : S['multiple'] extends true
    ? string[] | undefined
    : S extends { readonly default: string }
      ? string
      : string | undefined;

export type CliValues<O extends Record<string, OptionSpec>> = { [K in keyof O]: ValueOf<O[K]> } & {
  help: boolean;
  json: boolean;
};

/** A mistake in the command line; the message names the flag and the fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
  json: { type: 'boolean', description: 'print machine-readable JSON on stdout (logs stay on stderr)' },
};

/** Usage text for --help. */
export function usage<O extends Record<string, OptionSpec>>(spec: CliSpec<O>): string {
  const all = { ...spec.options, ...COMMON };
  const rows = Object.entries(all).map(([key, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${key}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.description}${def}`] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const lines = [`Usage: ${spec.name} [options]`, '', spec.summary, '', 'Options:'];
  for (const [f, d] of rows) {
    const [first, ...more] = d.split('\n');
    lines.push(`  ${f.padEnd(width)}${first}`, ...more.map((m) => `  ${''.padEnd(width)}${m.trim()}`));
  }
  if (spec.epilog) lines.push('', spec.epilog.trim());
  return lines.join('\n') + '\n';
}

export { nearest } from '../text/nearest';

/**
 * Parses argv against the spec. Returns undefined after printing usage when --help is given.
 * @throws UsageError for unknown flags, missing values or stray positional arguments.
 */
export function parseCli<O extends Record<string, OptionSpec>>(
  argv: readonly string[],
  spec: CliSpec<O>,
  out: NodeJS.WritableStream = process.stdout,
): CliValues<O> | undefined {
  const all = { ...spec.options, ...COMMON };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }> = {};
  for (const [key, o] of Object.entries(all)) {
    options[key] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
    if (o.default !== undefined) options[key].default = o.default;
  }
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    // node:util's messages may span lines and end with a period; keep the error one line.
    const msg = (err as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/\s*\n\s*/g, ' ')
      .replace(/\.$/, '');
    const unknown = /^Unknown option '(--?[^']+)'/.exec(msg)?.[1];
    const near = unknown ? nearest(unknown.replace(/^-+/, '').split('=')[0], Object.keys(all)) : undefined;
    throw new UsageError(`${msg}${near ? `; did you mean --${near}?` : ''}; run ${spec.name} --help for the list of options`);
  }
  if (values.help) {
    out.write(usage(spec));
    return undefined;
  }
  return { ...values, help: Boolean(values.help), json: Boolean(values.json) } as CliValues<O>;
}

/** The one prefix of every script's error line. */
export const ERROR_PREFIX = 'error: ';

export interface RunCliOptions {
  /** Applied to everything written on stderr (e.g. password masking). @default identity */
  readonly redact?: (s: string) => string;
  /**
   * Write the whole message (an invalid config lists one field per line; a database error
   * has its detail and hint on later lines); false writes its first line only. @default true
   */
  readonly fullMessage?: boolean;
}

/**
 * Runs a script's main function and sets the exit code it returns. Any thrown error becomes
 * the whole message on stderr (`error: <message>`) and exit code 1
 * (2 for a UsageError). With DEBUG set, the stack follows. `options` may also be just the
 * redact function (the db:* scripts pass one).
 */
export function runCli(main: () => Promise<number>, options: RunCliOptions | ((s: string) => string) = {}): void {
  const o: RunCliOptions = typeof options === 'function' ? { redact: options } : options;
  quietSdkNodeWarning();
  const redact = o.redact ?? ((s: string) => s);
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(redact(`${ERROR_PREFIX}${o.fullMessage === false ? message.split('\n')[0] : message}`) + '\n');
      if (process.env.DEBUG && err instanceof Error && err.stack) process.stderr.write(redact(err.stack) + '\n');
      process.exitCode = err instanceof UsageError ? 2 : 1;
    },
  );
}
