import { nonCompliant, numberOf, ofTypes, PolicyRule } from '../rule';

/** Minimum automated backup retention, in days. */
export const MIN_BACKUP_RETENTION_DAYS = 7;

/** Point-in-time recovery reaches back at least a week. */
export const RdsBackupRetention: PolicyRule = {
  id: 'VN-RDS-3',
  level: 'error',
  outsideProduction: 'warning',
  description: `RDS automated backups are kept for at least ${MIN_BACKUP_RETENTION_DAYS} days.`,
  fix: `Set \`backupRetentionPeriod\` to ${MIN_BACKUP_RETENTION_DAYS} or more (config: environments.<env>.database.backupRetentionDays).`,
  appliesTo: ofTypes('aws_db_instance', 'aws_rds_cluster'),
  check(r) {
    if (r.config.replicate_source_db !== undefined) return 'not-applicable';
    const days = numberOf(r.config.backup_retention_period);
    if (days === 'unknown') return 'compliant';
    if (days === undefined) return nonCompliant('backup_retention_period is not set (AWS keeps 1 day)');
    return days >= MIN_BACKUP_RETENTION_DAYS ? 'compliant' : nonCompliant(`backup_retention_period is ${days}`);
  },
};
