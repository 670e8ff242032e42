/**
 * What the toolkit itself adds to RDS and verification must expect, not report: the grants of
 * `db:sync app-role` (the app's least-privilege role: USAGE on the schemas, DML on the tables,
 * sequences, routines, default privileges). They are on RDS only, so they are "extra on target"
 * after finish and "missing on target" after a rollback; any other difference stays one.
 */
import type { SchemaDiff, VerifyReport } from '../verify';

/** @default the role `db:sync app-role` creates */
export const DEFAULT_APP_ROLES = ['venturenudge_app'] as const;

const GRANT = /^(?:privileges|default-privileges|database-privileges)(?: .+)? (?:GRANT TO|REVOKE FROM) (.+?)(?: \(grant option\))?$/

/** True for a privilege statement of one of `roles` present on one side only. */
export function isToolkitAddition(d: SchemaDiff, roles: readonly string[]): boolean {
  if (d.problem === 'differs') return false;
  const m = GRANT.exec(d.object);
  if (!m) return false;
  const role = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
  return roles.includes(role);
}

/** The report without the toolkit's own additions; `expected` lists what was set aside. */
export function withoutToolkitAdditions(report: VerifyReport, roles: readonly string[]): VerifyReport & { expected: string[] } {
  const expected = report.schema.filter((d) => isToolkitAddition(d, roles));
  if (!expected.length) return { ...report, expected: [] };
  const dropped = new Set(expected.map((d) => `schema: ${d.object} ${d.problem}`));
  const mismatches = report.mismatches.filter((m) => !dropped.has(m));
  return {
    ...report,
    schema: report.schema.filter((d) => !isToolkitAddition(d, roles)),
    mismatches,
    ok: mismatches.length === 0,
    expected: expected.map((d) => d.object),
  };
}
