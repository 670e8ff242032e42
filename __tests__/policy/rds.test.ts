import { TerraformStack, TerraformVariable } from 'cdktf';
import { DbInstance, DbInstanceConfig } from '@cdktf/provider-aws/lib/db-instance';
import { RdsAutoMinorVersionUpgrade } from '../../stacks/policy/rules/rds-auto-minor-version-upgrade';
import { RdsBackupRetention } from '../../stacks/policy/rules/rds-backup-retention';
import { RdsDeletionProtection } from '../../stacks/policy/rules/rds-deletion-protection';
import { RdsDeletionProtectionEverywhere } from '../../stacks/policy/rules/rds-deletion-protection-everywhere';
import { RdsIamAuthentication } from '../../stacks/policy/rules/rds-iam-authentication';
import { suppress } from '../../stacks/policy';
import { RdsEngineVersionMajorOnly } from '../../stacks/policy/rules/rds-engine-version-major-only';
import { RdsMultiAz } from '../../stacks/policy/rules/rds-multi-az';
import { RdsNotPubliclyAccessible } from '../../stacks/policy/rules/rds-not-publicly-accessible';
import { RdsStorageEncrypted } from '../../stacks/policy/rules/rds-storage-encrypted';
import { flagged, synthReport, testStack } from './support';

const compliant: Omit<DbInstanceConfig, 'instanceClass'> = {
  engine: 'postgres',
  engineVersion: '16',
  storageEncrypted: true,
  publiclyAccessible: false,
  backupRetentionPeriod: 7,
  multiAz: true,
  deletionProtection: true,
  autoMinorVersionUpgrade: true,
  iamDatabaseAuthenticationEnabled: true,
};
const db = (overrides: Partial<DbInstanceConfig> = {}) => (stack: TerraformStack) => new DbInstance(stack, 'db', { instanceClass: 'db.t3.medium', ...compliant, ...overrides });

describe('VN-RDS-1 storage encrypted', () => {
  test('an encrypted instance passes', () => expect(flagged(RdsStorageEncrypted, db())).toEqual([]));
  test('an instance with storage_encrypted false is reported', () => expect(flagged(RdsStorageEncrypted, db({ storageEncrypted: false }))).toEqual(['aws_db_instance.db']));
  test('an instance that leaves storage_encrypted unset is reported (provider default is false)', () => expect(flagged(RdsStorageEncrypted, db({ storageEncrypted: undefined }))).toEqual(['aws_db_instance.db']));
  test('a value from a variable is set but unknown, not a violation', () =>
    expect(flagged(RdsStorageEncrypted, (s) => db({ storageEncrypted: new TerraformVariable(s, 'enc', { type: 'bool' }).booleanValue })(s))).toEqual([]));
});

describe('VN-RDS-2 not publicly accessible', () => {
  test('a private instance passes', () => expect(flagged(RdsNotPubliclyAccessible, db())).toEqual([]));
  test('a publicly accessible instance is reported', () => expect(flagged(RdsNotPubliclyAccessible, db({ publiclyAccessible: true }))).toEqual(['aws_db_instance.db']));
});

describe('VN-RDS-3 backup retention', () => {
  test('7 days passes', () => expect(flagged(RdsBackupRetention, db())).toEqual([]));
  test('1 day is reported', () => expect(flagged(RdsBackupRetention, db({ backupRetentionPeriod: 1 }))).toEqual(['aws_db_instance.db']));
  test('is an error in production', () => {
    const stack = testStack();
    db({ backupRetentionPeriod: 1 })(stack);
    expect(synthReport(stack, { rules: [RdsBackupRetention], environment: 'production' }).errors.map((f) => f.ruleId)).toEqual(['VN-RDS-3']);
  });
  test('is only a warning outside production', () => {
    const stack = testStack();
    db({ backupRetentionPeriod: 1 })(stack);
    const report = synthReport(stack, { rules: [RdsBackupRetention], environment: 'staging' });
    expect([report.errors.length, report.warnings.map((f) => f.ruleId)]).toEqual([0, ['VN-RDS-3']]);
  });
});

describe('VN-RDS-4 Multi-AZ in production', () => {
  test('a Multi-AZ instance passes', () => expect(flagged(RdsMultiAz, db())).toEqual([]));
  test('a single-AZ production instance is reported', () => expect(flagged(RdsMultiAz, db({ multiAz: false }), { environment: 'production' })).toEqual(['aws_db_instance.db']));
  test('a single-AZ staging instance is not checked', () => expect(flagged(RdsMultiAz, db({ multiAz: false }), { environment: 'staging' })).toEqual([]));
});

describe('VN-RDS-5 deletion protection in production', () => {
  test('a protected instance passes', () => expect(flagged(RdsDeletionProtection, db())).toEqual([]));
  test('an unprotected production instance is reported', () => expect(flagged(RdsDeletionProtection, db({ deletionProtection: false }), { production: true })).toEqual(['aws_db_instance.db']));
  test('an unprotected non-production instance is not checked', () => expect(flagged(RdsDeletionProtection, db({ deletionProtection: false }), { production: false })).toEqual([]));
});

describe('VN-RDS-6 auto minor version upgrade', () => {
  test('auto minor upgrades on passes', () => expect(flagged(RdsAutoMinorVersionUpgrade, db())).toEqual([]));
  test('auto minor upgrades off is reported', () => expect(flagged(RdsAutoMinorVersionUpgrade, db({ autoMinorVersionUpgrade: false }))).toEqual(['aws_db_instance.db']));
});

describe('VN-RDS-7 engine version names the major only', () => {
  test('PostgreSQL "16" passes', () => expect(flagged(RdsEngineVersionMajorOnly, db())).toEqual([]));
  test('PostgreSQL "16.3" is reported', () => expect(flagged(RdsEngineVersionMajorOnly, db({ engineVersion: '16.3' }))).toEqual(['aws_db_instance.db']));
  test('MySQL "8.0" passes (its major version has two parts)', () => expect(flagged(RdsEngineVersionMajorOnly, db({ engine: 'mysql', engineVersion: '8.0' }))).toEqual([]));
  test('MySQL "8.0.35" is reported', () => expect(flagged(RdsEngineVersionMajorOnly, db({ engine: 'mysql', engineVersion: '8.0.35' }))).toEqual(['aws_db_instance.db']));
  test('an unset engine version passes (AWS picks the current default)', () => expect(flagged(RdsEngineVersionMajorOnly, db({ engineVersion: undefined }))).toEqual([]));
});

describe('VN-RDS-8 IAM database authentication', () => {
  test('an instance with IAM authentication passes', () => expect(flagged(RdsIamAuthentication, db())).toEqual([]));
  test('an instance with IAM authentication off is reported', () => expect(flagged(RdsIamAuthentication, db({ iamDatabaseAuthenticationEnabled: false }))).toEqual(['aws_db_instance.db']));
  test('an instance that leaves it unset is reported (the default is off)', () => expect(flagged(RdsIamAuthentication, db({ iamDatabaseAuthenticationEnabled: undefined }))).toEqual(['aws_db_instance.db']));
});

describe('VN-RDS-9 deletion protection outside production', () => {
  test('a protected staging instance passes', () => expect(flagged(RdsDeletionProtectionEverywhere, db(), { environment: 'staging' })).toEqual([]));
  test('an unprotected staging instance is an error', () => {
    const stack = testStack();
    db({ deletionProtection: false })(stack);
    expect(synthReport(stack, { rules: [RdsDeletionProtectionEverywhere], environment: 'staging' }).errors.map((f) => f.address)).toEqual(['aws_db_instance.db']);
  });
  test('production is left to VN-RDS-5', () => expect(flagged(RdsDeletionProtectionEverywhere, db({ deletionProtection: false }), { environment: 'production' })).toEqual([]));
  test('a reasoned suppression lets a disposable staging database go unprotected, and is listed', () => {
    const stack = testStack();
    db({ deletionProtection: false })(stack);
    suppress(stack.node.findChild('db'), 'VN-RDS-9', 'rehearsal copy, recreated from the source weekly');
    const report = synthReport(stack, { rules: [RdsDeletionProtectionEverywhere], environment: 'staging' });
    expect([report.errors.length, report.suppressed.map((f) => f.reason)]).toEqual([0, ['rehearsal copy, recreated from the source weekly']]);
  });
});
