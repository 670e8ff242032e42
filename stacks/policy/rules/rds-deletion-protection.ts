import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Nobody deletes the production database by accident (console, API or `terraform destroy`). */
export const RdsDeletionProtection: PolicyRule = {
  id: 'VN-RDS-5',
  level: 'error',
  outsideProduction: 'off',
  description: 'Production RDS instances and clusters have deletion protection.',
  fix: 'Set `deletionProtection: true` (config: environments.<env>.database.deletionProtection).',
  appliesTo: ofTypes('aws_db_instance', 'aws_rds_cluster'),
  check(r) {
    const v = boolOf(r.config.deletion_protection);
    if (v === true || v === 'unknown') return 'compliant';
    return nonCompliant(v === false ? 'deletion_protection is false' : 'deletion_protection is not set (the default is false)');
  },
};
