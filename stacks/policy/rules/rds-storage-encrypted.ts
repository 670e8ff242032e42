import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** RDS storage (and with it backups, snapshots and replicas) is encrypted at rest. */
export const RdsStorageEncrypted: PolicyRule = {
  id: 'VN-RDS-1',
  level: 'error',
  description: 'RDS instances and clusters encrypt their storage at rest.',
  fix: 'Set `storageEncrypted: true` (optionally `kmsKeyId` for a customer-managed key). An existing unencrypted instance must be migrated through an encrypted snapshot copy.',
  appliesTo: ofTypes('aws_db_instance', 'aws_rds_cluster'),
  check(r) {
    // A read replica inherits the source's encryption.
    if (r.config.replicate_source_db !== undefined) return 'not-applicable';
    const v = boolOf(r.config.storage_encrypted);
    if (v === true || v === 'unknown') return 'compliant';
    return nonCompliant(v === false ? 'storage_encrypted is false' : 'storage_encrypted is not set (the provider default is false)');
  },
};
