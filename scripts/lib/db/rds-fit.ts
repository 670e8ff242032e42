/**
 * What RDS PostgreSQL cannot host, judged before any copy: extensions it does not offer
 * (a dated list, data/rds-postgresql-16-extensions.json, or the real target's
 * pg_available_extensions), objects that need a superuser, and roles a hosting provider made
 * that grants, policies or default privileges name. Also the copy-time estimate.
 */
import type { SchemaModel } from './schema/catalog';
import { describeNotCarried } from './schema/carried';
import { requiredRoles } from './schema/ddl';
import RDS_EXTENSIONS from './data/rds-postgresql-16-extensions.json';
import PROVIDER_ROLES from './data/provider-roles.json';

/**
 * The copy rate the estimate uses unless told otherwise: `npm run bench:copy` on this
 * project's 2-core machine (2026-11-30), `db:copy --no-verify` on a 1.2 GB pgbench database
 * (scale 80), median of 9 interleaved rounds: 9.61 s, both servers local with durable settings. A copy over a network
 * (Vercel to AWS) is usually slower: measure yours with `db:copy --dry-run` timings or a
 * rehearsal and pass it with --rate-mb-per-s.
 */
export const MEASURED_COPY_RATE = {
  bytesPerSecond: 1.2e9 / 9.61,
  source: 'bench:copy 2026-11-30: db:copy --no-verify, 1.2 GB pgbench (scale 80) in 9.61 s (median of 9 rounds) on the 2-core build machine, both servers local with durable settings',
} as const;

export interface RdsFit {
  /** The list the extension check used. */
  readonly extensionList: { readonly engine: string; readonly source: string; readonly checked: string };
  /** Installed extensions RDS does not offer. */
  readonly unavailableExtensions: { readonly name: string; readonly version: string }[];
  /** Objects only a superuser can create (RDS grants none). */
  readonly superuserObjects: string[];
  /** Provider roles that exist on the source, and what names them. */
  readonly providerRoles: { readonly role: string; readonly provider: string; readonly namedBy: string[] }[];
  /** Every role grants, default privileges and policies name: the target must have them before the copy. */
  readonly requiredRoles: string[];
}

export interface CopyEstimate {
  readonly bytes: number;
  readonly bytesPerSecond: number;
  readonly seconds: number;
  /** Where the rate comes from. */
  readonly rateSource: string;
}

/** Estimated copy time of `bytes` at the measured (or the given) rate. */
export function estimateCopyTime(bytes: number, bytesPerSecond?: number): CopyEstimate {
  const rate = bytesPerSecond && bytesPerSecond > 0 ? bytesPerSecond : MEASURED_COPY_RATE.bytesPerSecond;
  return { bytes, bytesPerSecond: rate, seconds: bytes / rate, rateSource: bytesPerSecond ? 'given with --rate-mb-per-s' : MEASURED_COPY_RATE.source };
}

/** Where each role is named in the model (grants, default privileges, policies). */
function whereNamed(model: SchemaModel, role: string): string[] {
  return [
    ...model.privileges.filter((p) => p.roles.includes(role)).map((p) => `grant on ${p.object}`),
    ...model.defaultPrivileges.filter((d) => d.roles.includes(role)).map((d) => `default privileges ${d.object}`),
    ...model.policies.filter((p) => p.roles.includes(role)).map((p) => `policy ${p.name} on ${p.table}`),
  ];
}

/**
 * Judges a source model against RDS. `sourceRoles` are the roles that exist on the source;
 * `targetExtensions`, when given, replaces the dated list with the real target's.
 */
export function judgeRdsFit(model: SchemaModel, sourceRoles: readonly string[], targetExtensions?: readonly string[]): RdsFit {
  const offered = new Set(targetExtensions ?? RDS_EXTENSIONS.extensions);
  const providers = PROVIDER_ROLES.roles as Record<string, string>;
  return {
    extensionList: targetExtensions
      ? { engine: 'the target (pg_available_extensions)', source: 'the target database itself', checked: new Date().toISOString().slice(0, 10) }
      : { engine: RDS_EXTENSIONS.engine, source: RDS_EXTENSIONS.source, checked: RDS_EXTENSIONS.checked },
    unavailableExtensions: model.extensions.filter((x) => !offered.has(x.name)).map((x) => ({ name: x.name, version: x.version })),
    superuserObjects: model.unsupported.filter((u) => u.superuser).map(describeNotCarried),
    providerRoles: sourceRoles.filter((r) => providers[r]).map((role) => ({ role, provider: providers[role], namedBy: whereNamed(model, role) })),
    requiredRoles: requiredRoles(model),
  };
}
