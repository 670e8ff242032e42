/**
 * Runs the policy pack over a stack at synth time, cdk-nag style.
 *
 * `applyPolicyPack(stack)` adds a {@link PolicyAspect} to the stack. cdktf
 * invokes aspects in `app.synth()` (so `cdktf synth`) and in `Testing.synth`,
 * visiting every construct of the stack; the aspect evaluates the whole stack
 * once, at the last construct of the traversal (an empty `PolicyPackFinalPass`
 * construct it adds to the stack for that purpose), so the rules see the final
 * tree, including changes other aspects made, and can look across resources.
 * Errors throw one {@link PolicyViolationError} listing all of them; warnings
 * and suppressed findings become annotations (printed by `cdktf synth`, written
 * to the manifest) and are in the report passed to `onReport`.
 */
import { Construct, IConstruct } from 'constructs';
import { Annotations, Aspects, IAspect, TerraformResource, TerraformStack } from 'cdktf';
import { POLICY_RULES } from './pack';
import { describeResource, PolicyContext, PolicyLevel, PolicyResource, PolicyRule, RuleResult } from './rule';
import { findSuppression, ownSuppressions, suppressionProblem } from './suppress';

/** Finding id for a suppression without an acceptable reason (an error). */
export const INVALID_SUPPRESSION_ID = 'VN-POLICY-1';
/** Finding id for a suppression naming a rule the pack does not have (a warning). */
export const UNKNOWN_RULE_SUPPRESSION_ID = 'VN-POLICY-2';

export interface PolicyOptions {
  /** Environment name, e.g. "staging"; decides `production` when that is not given. */
  readonly environment?: string;
  /**
   * Strict (production) levels. Outside production some errors are warnings
   * (e.g. backup retention) and production-only rules are off (Multi-AZ,
   * deletion protection). @default environment === undefined || environment === 'production'
   */
  readonly production?: boolean;
  /** The rules to apply. @default POLICY_RULES */
  readonly rules?: readonly PolicyRule[];
  /** Receives the report of every evaluation (e.g. to print a summary to stderr). @default none */
  readonly onReport?: (report: PolicyReport) => void;
}

export interface PolicyFinding {
  readonly ruleId: string;
  readonly level: PolicyLevel;
  /** Terraform address `type.logicalId`. */
  readonly address: string;
  /** Construct path. */
  readonly path: string;
  /** What the rule requires. */
  readonly description: string;
  /** What exactly is wrong, when the rule says. */
  readonly detail?: string;
  readonly fix: string;
  /** One line naming all of the above. */
  readonly message: string;
}

export interface SuppressedFinding extends PolicyFinding {
  readonly reason: string;
  /** Path of the construct the suppression was written on (the resource or an ancestor). */
  readonly suppressedOn: string;
}

export interface PolicyReport {
  /** Stack (construct) name. */
  readonly stack: string;
  readonly production: boolean;
  readonly errors: readonly PolicyFinding[];
  readonly warnings: readonly PolicyFinding[];
  readonly suppressed: readonly SuppressedFinding[];
}

/** Thrown at synth when the policy pack finds errors; lists every one. */
export class PolicyViolationError extends Error {
  /** Every finding of the failed evaluation. */
  declare readonly report: PolicyReport;

  constructor(report: PolicyReport) {
    super(formatErrors(report));
    this.name = 'PolicyViolationError';
    // Not enumerable: Node prints an uncaught error's own properties, and the message already lists the errors.
    Object.defineProperty(this, 'report', { value: report, enumerable: false });
  }
}

interface Evaluation {
  readonly report: PolicyReport;
  readonly annotations: ReadonlyArray<{ construct: IConstruct; kind: 'warning' | 'info'; message: string }>;
}

function levelFor(rule: PolicyRule, production: boolean): PolicyLevel | 'off' {
  return production ? rule.level : (rule.outsideProduction ?? rule.level);
}

function formatMessage(f: Omit<PolicyFinding, 'message'>): string {
  return `[${f.ruleId}] ${f.address} (${f.path}): ${f.description}${f.detail ? ` Found: ${f.detail}.` : ''} Fix: ${f.fix}`;
}

function finding(ruleId: string, level: PolicyLevel, resource: { address: string; path: string }, description: string, detail: string | undefined, fix: string): PolicyFinding {
  const base = { ruleId, level, address: resource.address, path: resource.path, description, detail, fix };
  return { ...base, message: formatMessage(base) };
}

function runCheck(rule: PolicyRule, resource: PolicyResource, context: PolicyContext): RuleResult {
  try {
    return rule.check(resource, context);
  } catch (e) {
    throw new Error(`policy rule ${rule.id} failed on ${resource.address} (${resource.path}): ${(e as Error).message}`);
  }
}

function evaluate(stack: TerraformStack, options: PolicyOptions): Evaluation {
  const rules = options.rules ?? POLICY_RULES;
  const production = options.production ?? (options.environment === undefined || options.environment === 'production');
  const all = stack.node.findAll();
  const resources = all
    .filter((c): c is TerraformResource => TerraformResource.isTerraformResource(c) && TerraformStack.of(c) === stack)
    .map((r) => describeResource(stack, r));
  const byType = new Map<string, PolicyResource[]>();
  for (const r of resources) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  const context: PolicyContext = {
    resources,
    production,
    environment: options.environment,
    ofType: (...types) => types.flatMap((t) => byType.get(t) ?? []),
  };

  const errors: PolicyFinding[] = [];
  const warnings: PolicyFinding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const annotations: Array<{ construct: IConstruct; kind: 'warning' | 'info'; message: string }> = [];

  // Suppressions are checked where they are written, whatever they apply to.
  const ruleIds = new Set(rules.map((r) => r.id));
  for (const scope of all) {
    for (const s of ownSuppressions(scope)) {
      const where = { address: TerraformResource.isTerraformResource(scope) ? `${scope.terraformResourceType}.${scope.friendlyUniqueId}` : '(construct)', path: scope.node.path };
      const problem = suppressionProblem(s.ruleId, s.reason);
      if (problem) {
        errors.push(finding(INVALID_SUPPRESSION_ID, 'error', where, 'Suppressions give a reason.', problem, 'Call suppress(construct, ruleId, reason) with a reason of at least 10 characters, or remove the suppression.'));
      } else if (!ruleIds.has(s.ruleId)) {
        const f = finding(UNKNOWN_RULE_SUPPRESSION_ID, 'warning', where, 'Suppressions name a rule of the pack.', `"${s.ruleId}" is not a rule id`, 'Fix the rule id (see docs/policy.md) or remove the suppression.');
        warnings.push(f);
        annotations.push({ construct: scope, kind: 'warning', message: f.message });
      }
    }
  }

  for (const rule of rules) {
    const level = levelFor(rule, production);
    if (level === 'off') continue;
    for (const resource of resources) {
      if (!rule.appliesTo(resource.type)) continue;
      const result = runCheck(rule, resource, context);
      if (result === 'compliant' || result === 'not-applicable') continue;
      const detail = typeof result === 'object' ? result.detail : undefined;
      const f = finding(rule.id, level, resource, rule.description, detail, rule.fix);
      const hit = findSuppression(resource.construct, rule.id);
      if (hit && !suppressionProblem(hit.suppression.ruleId, hit.suppression.reason)) {
        const s: SuppressedFinding = { ...f, reason: hit.suppression.reason, suppressedOn: hit.on.node.path, message: `${f.message} Suppressed: ${hit.suppression.reason}` };
        suppressed.push(s);
        annotations.push({ construct: resource.construct, kind: 'info', message: `[suppressed] ${s.message}` });
      } else if (level === 'error') {
        errors.push(f);
      } else {
        warnings.push(f);
        annotations.push({ construct: resource.construct, kind: 'warning', message: f.message });
      }
    }
  }
  return { report: { stack: stack.node.id, production, errors, warnings, suppressed }, annotations };
}

/** Evaluates the pack over `stack` now and returns the findings; findings never throw here, and nothing is annotated. */
export function evaluatePolicy(stack: TerraformStack, options: PolicyOptions = {}): PolicyReport {
  return evaluate(stack, options).report;
}

/** The error message: every error finding, one per line. */
export function formatErrors(report: PolicyReport): string {
  const n = report.errors.length;
  return [
    `Policy pack: ${n} error${n === 1 ? '' : 's'} in stack "${report.stack}" (fix each, or suppress it with a reason: see docs/policy.md)`,
    ...report.errors.map((f) => `  ${f.message}`),
    ...(report.warnings.length ? [`Warnings (these alone do not fail the synth):`, ...report.warnings.map((f) => `  ${f.message}`)] : []),
    ...(report.suppressed.length ? [`${report.suppressed.length} suppressed finding(s) (report.suppressed).`] : []),
  ].join('\n');
}

/** A readable summary of a report: errors, warnings, then suppressed findings with their reasons. */
export function formatReport(report: PolicyReport): string {
  const section = (title: string, items: readonly PolicyFinding[]) => (items.length ? [`${title} (${items.length}):`, ...items.map((f) => `  ${f.message}`)] : []);
  return [
    `Policy pack, stack "${report.stack}" (${report.production ? 'production' : 'non-production'} levels): ${report.errors.length} error(s), ${report.warnings.length} warning(s), ${report.suppressed.length} suppressed`,
    ...section('Errors', report.errors),
    ...section('Warnings', report.warnings),
    ...section('Suppressed', report.suppressed),
  ].join('\n');
}

/** Id of the empty construct the aspect adds to the stack so that it is visited last. */
const FINAL_PASS_ID = 'PolicyPackFinalPass';

/** True when `node` is the last construct of `stack` in the (pre-order) aspect traversal. */
function isLastVisited(node: IConstruct, stack: TerraformStack): boolean {
  if (node.node.children.length > 0) return false;
  let current: IConstruct = node;
  while (current !== stack) {
    const parent = current.node.scope;
    if (!parent) return false;
    const siblings = parent.node.children;
    if (siblings[siblings.length - 1] !== current) return false;
    current = parent;
  }
  return true;
}

/** The aspect; prefer {@link applyPolicyPack}. Add it to a TerraformStack. */
export class PolicyAspect implements IAspect {
  private readonly annotated = new WeakSet<TerraformStack>();
  /** The report of the most recent evaluation. */
  lastReport?: PolicyReport;

  constructor(readonly options: PolicyOptions = {}) {}

  visit(node: IConstruct): void {
    if (TerraformStack.isStack(node) && !node.node.tryFindChild(FINAL_PASS_ID)) {
      // Aspects visit the stack before its children, and children added now are
      // visited last: this empty construct is where the final pass runs, after
      // every other aspect has visited every resource.
      new Construct(node, FINAL_PASS_ID);
    }
    const stack = TerraformStack.of(node);
    if (!isLastVisited(node, stack)) return;
    const { report, annotations } = evaluate(stack, this.options);
    this.lastReport = report;
    // Synthesizing twice must not duplicate the annotations.
    if (!this.annotated.has(stack)) {
      this.annotated.add(stack);
      for (const a of annotations) {
        if (a.kind === 'warning') Annotations.of(a.construct).addWarning(a.message);
        else Annotations.of(a.construct).addInfo(a.message);
      }
    }
    this.options.onReport?.(report);
    if (report.errors.length > 0) throw new PolicyViolationError(report);
  }
}

/**
 * Applies the policy pack to `stack` at synth time. Errors fail the synth with
 * one message listing them all; warnings are annotations.
 *
 * ```ts
 * applyPolicyPack(this, { environment });
 * ```
 */
export function applyPolicyPack(stack: TerraformStack, options: PolicyOptions = {}): PolicyAspect {
  if (!TerraformStack.isStack(stack)) throw new Error(`applyPolicyPack needs a TerraformStack, got ${(stack as IConstruct).node?.path ?? String(stack)}`);
  if (Aspects.of(stack).all.some((a) => a instanceof PolicyAspect)) throw new Error(`the policy pack is already applied to stack "${stack.node.id}"`);
  const aspect = new PolicyAspect(options);
  Aspects.of(stack).add(aspect);
  return aspect;
}
