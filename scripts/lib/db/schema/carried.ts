/**
 * The one rule for every object kind: carry it exactly, or refuse before any data moves.
 *
 * The catalog reader lists what it cannot carry as {@link NotCarried} items, each with a
 * `kind` the user can name in `--skip <kind>`. A copy refuses to start while any item is
 * neither carried nor skipped; what was skipped is listed in the final report.
 */
import { MigrationError } from '../errors';

/** One object (or group of objects) the copy does not carry, and why. */
export interface NotCarried {
  /** Kind the user names in `--skip <kind>`, e.g. `large-objects`, `foreign-tables`, `event-triggers`. */
  readonly kind: string;
  /** The object(s), e.g. `public.legacy (foreign table)` or `3 large object(s)`. */
  readonly object: string;
  /** Why, and what to do about it. */
  readonly reason: string;
  /** Creating it needs a superuser (which RDS does not grant): db:audit lists these apart. */
  readonly superuser?: boolean;
  /**
   * Objects the copy would carry that cannot exist without this one (a column or function of a
   * base type): skipping this one cannot skip them, so the copy refuses naming them.
   */
  readonly dependents?: readonly string[];
}

export interface CarriedCheck {
  /** Items whose kind was not named in `skip`: the copy must refuse. */
  readonly refused: NotCarried[];
  /** Items the user explicitly skipped: listed in the final report. */
  readonly skipped: NotCarried[];
  /** Kinds named in `skip` that match nothing (probably a typo). */
  readonly unknownSkips: string[];
}

/** One line for logs and reports. */
export function describeNotCarried(n: NotCarried): string {
  return `${n.object} [${n.kind}]: ${n.reason}`;
}

/** Splits what is not carried into refused and explicitly skipped. */
export function checkCarried(items: readonly NotCarried[], skip: readonly string[] = []): CarriedCheck {
  const wanted = new Set(skip);
  const refused = items.filter((i) => !wanted.has(i.kind)).concat(items.filter((i) => wanted.has(i.kind) && i.dependents?.length).map(withDependents));
  const skipped = items.filter((i) => wanted.has(i.kind) && !i.dependents?.length);
  const known = new Set(items.map((i) => i.kind));
  return { refused, skipped, unknownSkips: [...wanted].filter((k) => !known.has(k)) };
}

/** A skipped object others depend on: refused, naming them and what to do. */
function withDependents(n: NotCarried): NotCarried {
  const list = n.dependents ?? [];
  return {
    ...n,
    reason:
      `--skip ${n.kind} cannot skip it: ${list.length} object(s) the copy would create depend on it (${list.join(', ')}); ` +
      `drop or change them on the source (or leave their tables out with --exclude-tables), or install the extension that provides the type on the target`,
  };
}

/** Throws a preflight error naming every refused object, unless the user skipped its kind. */
export function assertCarried(items: readonly NotCarried[], skip: readonly string[] = []): CarriedCheck {
  const check = checkCarried(items, skip);
  if (check.refused.length) {
    const kinds = [...new Set(check.refused.map((r) => r.kind))];
    throw new MigrationError(
      `[preflight] the copy cannot carry ${check.refused.length} object(s); nothing was written:\n` +
        check.refused.map((r) => `  - ${describeNotCarried(r)}`).join('\n') +
        `\nfix them on the source, or accept the loss explicitly with ${kinds.map((k) => `--skip ${k}`).join(' ')}`,
      { phase: 'preflight' },
    );
  }
  return check;
}
