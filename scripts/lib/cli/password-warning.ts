/**
 * The warning every database script prints when a URL with a password is given
 * on the command line: argv is visible to other users of the machine (`ps`,
 * /proc/<pid>/cmdline) and lands in shell history. The URL itself is never printed.
 *
 *   warnPasswordInUrlFlags(log, { '--from': args.from, '--to': args.to });
 */
import { maskUrl } from '../db/url';
import type { Logger } from './log';

/** The flags (of those given) whose value is a URL carrying a password. */
export function flagsWithPassword(flags: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(flags)
    .filter(([, url]) => url !== undefined && maskUrl(url) !== url)
    .map(([flag]) => flag);
}

/** Warns (once, naming the flags and the `-env` alternative) when a URL flag carries a password; returns whether it did. */
export function warnPasswordInUrlFlags(log: Pick<Logger, 'warn'>, flags: Readonly<Record<string, string | undefined>>): boolean {
  const found = flagsWithPassword(flags);
  if (!found.length) return false;
  log.warn(`a password was given on the command line in ${found.join(' and ')} (visible in the process list and shell history): prefer ${found.map((f) => `${f}-env NAME`).join(' / ')}`);
  return true;
}
