import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/**
 * Staging shares the account with production and holds the rehearsed copy of the data: a
 * `terraform destroy` or a console click must not take it by accident either. Production is
 * VN-RDS-5's; an environment that really is disposable says so with a reason (config
 * `database.deletionProtectionOffReason`, which becomes a suppression of this rule).
 */
export const RdsDeletionProtectionEverywhere: PolicyRule = {
  id: 'VN-RDS-9',
  level: 'error',
  description: 'RDS instances and clusters outside production have deletion protection too, unless a reasoned suppression says the environment is disposable.',
  fix: 'Set `deletionProtection: true` (config: environments.<env>.database.deletionProtection), or keep it false and give environments.<env>.database.deletionProtectionOffReason (at least 10 characters saying why the database is disposable).',
  appliesTo: ofTypes('aws_db_instance', 'aws_rds_cluster'),
  check(r, context) {
    if (context.production) return 'not-applicable';
    const v = boolOf(r.config.deletion_protection);
    if (v === true || v === 'unknown') return 'compliant';
    return nonCompliant(v === false ? 'deletion_protection is false' : 'deletion_protection is not set (the default is false)');
  },
};
