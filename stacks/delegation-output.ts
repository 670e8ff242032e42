/**
 * The output a new zone's zone-only first apply carries (environment-stack.ts zoneOnly), and how
 * commands that read a stack's JSON or its `terraform output -json` recognise it. No imports: the
 * scripts that check it (remote, cost) load nothing more for it.
 */
export const DELEGATION_OUTPUT = 'delegation';
export const DELEGATION_PENDING = 'pending';

/** True for the outputs (cdk.tf.json `output`, or `terraform output -json`) of a zone-only first apply. */
export function isZoneOnly(outputs: unknown): boolean {
  return (outputs as Record<string, { value?: unknown }> | null | undefined)?.[DELEGATION_OUTPUT]?.value === DELEGATION_PENDING;
}
