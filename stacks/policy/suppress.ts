/**
 * Suppressing a policy rule on one resource (or on every resource under a
 * construct), always with a reason a reviewer can read.
 */
import { IConstruct } from 'constructs';

/** Node metadata type the suppressions are stored under. */
export const SUPPRESSION_METADATA_TYPE = 'venture-nudge:policy-suppression';

/** Shortest accepted reason (characters, trimmed). */
export const MIN_REASON_LENGTH = 10;

export interface Suppression {
  readonly ruleId: string;
  readonly reason: string;
}

/** Why a suppression is not acceptable, or undefined when it is. */
export function suppressionProblem(ruleId: unknown, reason: unknown): string | undefined {
  if (typeof ruleId !== 'string' || ruleId.trim() === '') return 'a suppression needs the rule id (e.g. "VN-ECR-2")';
  if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
    return `suppression of ${ruleId} needs a reason of at least ${MIN_REASON_LENGTH} characters saying why the finding is acceptable`;
  }
  return undefined;
}

/**
 * Suppresses `ruleId` on `scope` and every resource below it.
 *
 * ```ts
 * suppress(repository, 'VN-ECR-2', 'Mutable tags needed for the nightly `edge` tag; images are digest-pinned at deploy');
 * ```
 * Throws when the reason is missing or shorter than {@link MIN_REASON_LENGTH}
 * characters. Suppressed findings are still listed (as info annotations and in
 * the report), so a reviewer sees every one.
 */
export function suppress(scope: IConstruct, ruleId: string, reason: string): void {
  const problem = suppressionProblem(ruleId, reason);
  if (problem) throw new Error(`[${scope.node.path}] ${problem}.`);
  scope.node.addMetadata(SUPPRESSION_METADATA_TYPE, { ruleId: ruleId.trim(), reason: reason.trim() } satisfies Suppression);
}

/** Suppressions written on `scope` itself (not inherited), in the order they were added. */
export function ownSuppressions(scope: IConstruct): Suppression[] {
  return scope.node.metadata.filter((m) => m.type === SUPPRESSION_METADATA_TYPE).map((m) => m.data as Suppression);
}

/** The suppression of `ruleId` that applies to `construct` (its own first, then the nearest ancestor's). */
export function findSuppression(construct: IConstruct, ruleId: string): { suppression: Suppression; on: IConstruct } | undefined {
  for (const scope of [...construct.node.scopes].reverse()) {
    const hit = ownSuppressions(scope).find((s) => s.ruleId === ruleId);
    if (hit) return { suppression: hit, on: scope };
  }
  return undefined;
}
