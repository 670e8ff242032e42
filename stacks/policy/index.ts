/**
 * Policy pack (cdk-nag style) applied as a CDKTF Aspect at synth.
 * User documentation: docs/policy.md.
 */
export { applyPolicyPack, evaluatePolicy, formatErrors, formatReport, INVALID_SUPPRESSION_ID, PolicyAspect, PolicyViolationError, UNKNOWN_RULE_SUPPRESSION_ID } from './aspect';
export type { PolicyFinding, PolicyOptions, PolicyReport, SuppressedFinding } from './aspect';
export { POLICY_RULES } from './pack';
export type { PolicyContext, PolicyLevel, PolicyResource, PolicyRule, RuleResult } from './rule';
export { MIN_REASON_LENGTH, suppress } from './suppress';
export type { Suppression } from './suppress';
