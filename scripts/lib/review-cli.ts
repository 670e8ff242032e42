/** Small helpers shared by the plan / validate / cost CLIs (plan review). */
import { ConfigError } from '../../stacks/config';
import { ReviewError } from './review';

/** Pulls `--no-<name>` switches out of argv (Node 20's parseArgs has no negation). */
export function negations(argv: string[], names: string[]): { rest: string[]; negated: Set<string> } {
  const negated = new Set<string>();
  const rest = argv.filter((a) => {
    const m = /^--no-(.+)$/.exec(a);
    if (m && names.includes(m[1])) {
      negated.add(m[1]);
      return false;
    }
    return true;
  });
  return { rest, negated };
}

/** One-line error on stderr and exit 1 (config and phase errors keep their own first line). */
export function fail(command: string, e: unknown): never {
  const msg = e instanceof ReviewError || e instanceof ConfigError || e instanceof Error ? e.message : String(e);
  process.stderr.write(`${command} failed: ${msg}\n`);
  process.exit(1);
}

export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
