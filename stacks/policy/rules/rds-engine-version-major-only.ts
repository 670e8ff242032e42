import { isUnknown, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** How many version components name a major version, per engine. */
const MAJOR_COMPONENTS: Record<string, number> = { postgres: 1, 'aurora-postgresql': 1, mysql: 2, mariadb: 2, 'aurora-mysql': 2 };

/**
 * Pinning a minor version fights automatic minor upgrades: after AWS patches
 * the instance, every plan tries to "downgrade" it back.
 */
export const RdsEngineVersionMajorOnly: PolicyRule = {
  id: 'VN-RDS-7',
  level: 'warning',
  description: 'RDS engine versions name the major version only, so automatic minor upgrades do not cause drift.',
  fix: 'Set `engineVersion` to the major version (e.g. "16" for PostgreSQL, "8.0" for MySQL) and keep `autoMinorVersionUpgrade: true`.',
  appliesTo: ofTypes('aws_db_instance', 'aws_rds_cluster'),
  check(r) {
    const engine = r.config.engine;
    const version = r.config.engine_version;
    if (typeof engine !== 'string' || !(engine in MAJOR_COMPONENTS)) return 'not-applicable';
    if (version === undefined || version === null || isUnknown(version)) return 'compliant';
    const parts = String(version).split('.');
    return parts.length > MAJOR_COMPONENTS[engine]
      ? nonCompliant(`engine_version "${version}" pins a minor version; use "${parts.slice(0, MAJOR_COMPONENTS[engine]).join('.')}"`)
      : 'compliant';
  },
};
