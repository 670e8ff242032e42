/**
 * Small leveled logger for the scripts. Everything goes to stderr so that stdout stays
 * free for data and `--json` output.
 *
 *   const log = createLogger({ level: 'info' });
 *   log.info('copying', 3, 'tables');
 *
 * `isInteractive()` tells whether live progress (bars, spinners) is wanted: only on a TTY
 * and never when CI=true.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  readonly level: LogLevel;
  debug(...parts: unknown[]): void;
  info(...parts: unknown[]): void;
  warn(...parts: unknown[]): void;
  error(...parts: unknown[]): void;
}

export interface LoggerOptions {
  /** Lowest level written. @default 'info', or LOG_LEVEL from the environment */
  readonly level?: LogLevel;
  /** Where lines go. @default process.stderr */
  readonly stream?: NodeJS.WritableStream;
  /** Text before each message, after the level tag (`error: smoke: ...`), e.g. the script name. @default none */
  readonly prefix?: string;
  /** Applied to every line before it is written (e.g. password masking). @default identity */
  readonly redact?: (line: string) => string;
}

function format(part: unknown): string {
  if (typeof part === 'string') return part;
  if (part instanceof Error) return part.message;
  try {
    return JSON.stringify(part);
  } catch {
    return String(part);
  }
}

/** Creates a logger writing `level: message` lines to stderr. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env.LOG_LEVEL as LogLevel | undefined;
  const level: LogLevel = options.level ?? (envLevel && envLevel in ORDER ? envLevel : 'info');
  const stream = options.stream ?? process.stderr;
  const redact = options.redact ?? ((s: string) => s);
  const write = (lvl: Exclude<LogLevel, 'silent'>, parts: unknown[]) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const prefix = options.prefix ? `${options.prefix} ` : '';
    const tag = lvl === 'info' ? '' : `${lvl}: `;
    stream.write(redact(`${tag}${prefix}${parts.map(format).join(' ')}`) + '\n');
  };
  return {
    level,
    debug: (...p) => write('debug', p),
    info: (...p) => write('info', p),
    warn: (...p) => write('warn', p),
    error: (...p) => write('error', p),
  };
}

/** A logger that writes nothing (library default). */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/** True when live progress display is wanted: stderr is a TTY and CI is not set. */
export function isInteractive(stream: NodeJS.WriteStream = process.stderr): boolean {
  const ci = process.env.CI;
  if (ci && ci !== 'false' && ci !== '0') return false;
  return Boolean(stream.isTTY);
}
