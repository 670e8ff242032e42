import { onlyResource, refsIn, resourcesOf, synthEnvironment } from '../support/synth';

describe('Database', () => {
  const json = synthEnvironment();
  const db = onlyResource(json, 'aws_db_instance');

  test('is PostgreSQL 16 by major version with automatic minor upgrades (not a pinned minor)', () => {
    expect(db).toMatchObject({ engine: 'postgres', engine_version: '16', auto_minor_version_upgrade: true });
  });

  test('is a Multi-AZ db.t3.medium with 100 GB of encrypted gp3 storage', () => {
    expect(db).toMatchObject({ instance_class: 'db.t3.medium', multi_az: true, allocated_storage: 100, storage_type: 'gp3', storage_encrypted: true });
  });

  test('keeps 7 days of backups, backing up at 03:00-04:00 UTC', () => {
    expect(db).toMatchObject({ backup_retention_period: 7, backup_window: '03:00-04:00' });
  });

  test('is maintained inside the guide\'s "Sunday 2-6 AM ET" whether New York is on EST or EDT', () => {
    const [, startDay, start, endDay, end] = /^(\w+):(\d\d:\d\d)-(\w+):(\d\d:\d\d)$/.exec(db.maintenance_window)!;
    const hours = (t: string) => Number(t.slice(0, 2)) + Number(t.slice(3)) / 60;
    expect([startDay, endDay]).toEqual(['sun', 'sun']);
    for (const utcOffset of [-5, -4]) {
      expect(hours(start) + utcOffset).toBeGreaterThanOrEqual(2);
      expect(hours(end) + utcOffset).toBeLessThanOrEqual(6);
    }
  });

  test('takes a final snapshot and is protected from deletion', () => {
    expect(db).toMatchObject({ skip_final_snapshot: false, deletion_protection: true });
  });

  test('names the final snapshot uniquely per instance, so a second destroy does not collide with the first snapshot', () => {
    expect(db.final_snapshot_identifier).toMatch(/^venture-nudge-production-db-final-\$\{formatdate\("YYYYMMDDhhmmss", timestamp\(\)\)\}$/);
    // timestamp() changes on every plan: the name is fixed when the instance is created.
    expect(db.lifecycle.ignore_changes).toContain('final_snapshot_identifier');
  });

  test('may move to a new major version when engineVersion changes (RDS refuses 16 -> 17 otherwise)', () => {
    expect(db.allow_major_version_upgrade).toBe(true);
    const next = synthEnvironment({ environments: { production: { database: { engineVersion: '17' } } } });
    expect(onlyResource(next, 'aws_db_instance')).toMatchObject({ engine_version: '17', allow_major_version_upgrade: true });
    expect(onlyResource(next, 'aws_db_parameter_group')).toMatchObject({ family: 'postgres17', lifecycle: { create_before_destroy: true } });
    const off = synthEnvironment({ environments: { production: { database: { allowMajorVersionUpgrade: false } } } });
    expect(onlyResource(off, 'aws_db_instance').allow_major_version_upgrade).toBe(false);
  });

  describe('a major upgrade waiting for the maintenance window (apply_immediately false)', () => {
    const groups = (j: ReturnType<typeof synthEnvironment>) => Object.entries(resourcesOf(j, 'aws_db_parameter_group')).map(([id, g]) => ({ id: id.replace(/_[0-9A-F]{8}$/, ''), name: g.name, family: g.family }));
    const pending = synthEnvironment({ environments: { production: { database: { engineVersion: '17', pendingUpgradeFrom: '16' } } } });

    test('keeps the parameter group the instance still runs, beside the new version\'s, each at its own address', () => {
      expect(groups(pending).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { id: 'database_params-pg16', name: 'venture-nudge-production-db-pg16', family: 'postgres16' },
        { id: 'database_params-pg17', name: 'venture-nudge-production-db-pg17', family: 'postgres17' },
      ]);
      expect(onlyResource(pending, 'aws_db_instance')).toMatchObject({ engine_version: '17', apply_immediately: false });
      expect(onlyResource(pending, 'aws_db_instance').parameter_group_name).toMatch(/database_params-pg17_[0-9A-F]{8}\.name/);
    });

    test('the old group keeps its address from before the upgrade, so Terraform neither replaces nor deletes it', () => {
      const before = groups(synthEnvironment());
      expect(before).toEqual([{ id: 'database_params-pg16', name: 'venture-nudge-production-db-pg16', family: 'postgres16' }]);
      expect(groups(pending)).toContainEqual(before[0]);
    });

    test('the group of the version running is moved from the single group of earlier releases, not recreated', () => {
      const moved = (synthEnvironment() as any).moved as { from: string; to: string }[];
      expect(moved).toContainEqual({ from: 'aws_db_parameter_group.database_params_FE1B7A32', to: expect.stringMatching(/^aws_db_parameter_group\.database_params-pg16_[0-9A-F]{8}$/) });
      expect(((pending as any).moved as { to: string }[]).filter((m) => m.to.includes('parameter_group')).map((m) => m.to)).toEqual([expect.stringMatching(/params-pg16_/)]);
    });

    test('pendingUpgradeFrom must be older than engineVersion, naming the field', () => {
      expect(() => synthEnvironment({ environments: { production: { database: { engineVersion: '16', pendingUpgradeFrom: '16' } } } })).toThrow(/environments\.production\.database\.pendingUpgradeFrom: must be an older major version than engineVersion \(16\)/);
    });
  });

  test('creates the exported log groups itself, with retention and the KMS key, before the instance', () => {
    const groups = Object.entries(resourcesOf(json, 'aws_cloudwatch_log_group')).filter(([, g]) => g.name.startsWith('/aws/rds/instance/'));
    expect(groups.map(([, g]) => g.name).sort()).toEqual(db.enabled_cloudwatch_logs_exports.map((l: string) => `/aws/rds/instance/venture-nudge-production-db/${l}`).sort());
    for (const [id, g] of groups) {
      expect(g.retention_in_days).toBe(30);
      expect(g.kms_key_id).toMatch(/aws_kms_key\.encryption_key/);
      expect(db.depends_on).toContain(`aws_cloudwatch_log_group.${id}`);
    }
  });

  test('keeps the exported logs 7 days in staging', () => {
    const staging = synthEnvironment({}, 'staging');
    const groups = Object.values(resourcesOf(staging, 'aws_cloudwatch_log_group')).filter((g) => g.name.startsWith('/aws/rds/instance/'));
    expect(groups.map((g) => g.retention_in_days)).toEqual([7, 7]);
  });

  test('its security group has a name prefix, so a replacement does not fail with InvalidGroup.Duplicate', () => {
    const sg = Object.entries(resourcesOf(json, 'aws_security_group')).find(([id]) => id.startsWith('database_'))![1];
    expect(sg).not.toHaveProperty('name');
    expect(sg).toMatchObject({ name_prefix: 'venture-nudge-production-db-', lifecycle: { create_before_destroy: true } });
  });

  test('lets RDS generate and keep the master password, so no password reaches the JSON or state inputs', () => {
    expect(db.manage_master_user_password).toBe(true);
    expect(db).not.toHaveProperty('password');
    expect(JSON.stringify(json)).not.toMatch(/"password"\s*:/);
  });

  test('is not publicly accessible and lives in the private subnets', () => {
    expect(db.publicly_accessible).toBe(false);
    const group = onlyResource(json, 'aws_db_subnet_group');
    expect(refsIn(group.subnet_ids).every((r) => r.includes('network_private'))).toBe(true);
  });

  test('accepts 5432 only from the service and the migration runner security groups', () => {
    const dbSg = Object.entries(resourcesOf(json, 'aws_security_group')).find(([id]) => id.startsWith('database_'))![0];
    const rules = Object.values(resourcesOf(json, 'aws_vpc_security_group_ingress_rule')).filter((r) => r.security_group_id.includes(dbSg));
    expect(rules.map((r) => r.referenced_security_group_id.replace(/_[0-9A-F]{8}\.id\}$/, '')).sort()).toEqual(['${aws_security_group.runner_sg', '${aws_security_group.service_sg']);
    for (const r of rules) {
      expect(r).toMatchObject({ from_port: 5432, to_port: 5432, ip_protocol: 'tcp' });
      expect(r).not.toHaveProperty('cidr_ipv4');
    }
  });

  test('forces TLS for every connection', () => {
    const params = onlyResource(json, 'aws_db_parameter_group');
    expect(params.family).toBe('postgres16');
    expect(params.parameter).toContainEqual({ name: 'rds.force_ssl', value: '1' });
  });

  test('turns on Performance Insights for 7 days and enhanced monitoring every 60 s', () => {
    expect(db).toMatchObject({ performance_insights_enabled: true, performance_insights_retention_period: 7, monitoring_interval: 60 });
    expect(db.monitoring_role_arn).toMatch(/aws_iam_role\.database_monitoring-role/);
  });

  // Was: no deletion protection in staging (issue 19: staging shares the account and holds the rehearsed data).
  test('is single-AZ but deletion-protected in staging', () => {
    const staging = onlyResource(synthEnvironment({}, 'staging'), 'aws_db_instance');
    expect(staging).toMatchObject({ multi_az: false, deletion_protection: true });
  });

  test('staging without deletion protection needs a reason, which becomes a listed suppression of VN-RDS-9', () => {
    expect(() => synthEnvironment({ environments: { staging: { database: { deletionProtection: false } } } }, 'staging')).toThrow(/\[VN-RDS-9\].*deletionProtectionOffReason/);
    const reasoned = synthEnvironment({ environments: { staging: { database: { deletionProtection: false, deletionProtectionOffReason: 'rehearsal copy, recreated weekly' } } } }, 'staging');
    expect(onlyResource(reasoned, 'aws_db_instance').deletion_protection).toBe(false);
  });

  test('has IAM database authentication on (policy VN-RDS-8)', () => {
    expect(db.iam_database_authentication_enabled).toBe(true);
  });

  test("encrypts the app role's secret with the stack's KMS key (policy VN-SM-1), the storage key unchanged", () => {
    const secret = onlyResource(json, 'aws_secretsmanager_secret');
    expect(secret.kms_key_id).toMatch(/aws_kms_key\.encryption_key_[0-9A-F]{8}\.arn/);
    expect(db.kms_key_id).toBeUndefined();
  });
});
