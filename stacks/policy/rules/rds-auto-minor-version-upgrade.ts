import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Security patches (minor engine versions) are applied in the maintenance window. */
export const RdsAutoMinorVersionUpgrade: PolicyRule = {
  id: 'VN-RDS-6',
  level: 'warning',
  description: 'RDS instances upgrade minor engine versions automatically.',
  fix: 'Set `autoMinorVersionUpgrade: true` (or leave it unset) and keep `engineVersion` at the major version.',
  appliesTo: ofTypes('aws_db_instance', 'aws_rds_cluster_instance'),
  check(r) {
    return boolOf(r.config.auto_minor_version_upgrade) === false ? nonCompliant('auto_minor_version_upgrade is false') : 'compliant';
  },
};
