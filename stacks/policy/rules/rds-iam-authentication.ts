import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/**
 * IAM database authentication lets operators and tools connect with short-lived tokens
 * (`aws rds generate-db-auth-token`) instead of a shared password; enabling it changes
 * nothing for password logins (the app role and the RDS-managed master secret).
 */
export const RdsIamAuthentication: PolicyRule = {
  id: 'VN-RDS-8',
  level: 'error',
  description: 'RDS instances and clusters have IAM database authentication enabled.',
  fix: 'Set `iamDatabaseAuthenticationEnabled: true` on the `DbInstance` (Database construct: always on); grant `rds-db:connect` to the roles that may log in and `GRANT rds_iam` to their database users.',
  appliesTo: ofTypes('aws_db_instance', 'aws_rds_cluster'),
  check(r) {
    const v = boolOf(r.config.iam_database_authentication_enabled);
    if (v === true || v === 'unknown') return 'compliant';
    return nonCompliant(v === false ? 'iam_database_authentication_enabled is false' : 'iam_database_authentication_enabled is not set (the default is false)');
  },
};
