/**
 * The Terraform variables an environment stack declares for what must never be written into the
 * synthesized JSON, and the TF_VAR_ names the scripts read them from. No construct is imported
 * here: scripts name these in their `--help` without loading cdktf.
 */

/** Terraform variable that carries the CloudFront→ALB shared secret (never written into the JSON). */
export const ORIGIN_SECRET_VARIABLE = 'origin_verify_secret';
/** The secret being rotated out: the ALB accepts it too until CloudFront sends the new one everywhere. */
export const PREVIOUS_ORIGIN_SECRET_VARIABLE = 'origin_verify_secret_previous';

/** The environment variable Terraform reads ORIGIN_SECRET_VARIABLE from. */
export const ORIGIN_SECRET_ENV = `TF_VAR_${ORIGIN_SECRET_VARIABLE}`;
/** During a rotation: the secret being replaced, as a JSON list (`'["<old secret>"]'`). */
export const PREVIOUS_ORIGIN_SECRET_ENV = `TF_VAR_${PREVIOUS_ORIGIN_SECRET_VARIABLE}`;
