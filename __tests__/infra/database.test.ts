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

  test('keeps 7 days of backups in the guide windows', () => {
    expect(db).toMatchObject({ backup_retention_period: 7, backup_window: '03:00-04:00', maintenance_window: 'sun:04:00-sun:05:00' });
  });

  test('takes a final snapshot and is protected from deletion', () => {
    expect(db).toMatchObject({ skip_final_snapshot: false, final_snapshot_identifier: 'venture-nudge-production-db-final', deletion_protection: true });
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

  test('is single-AZ without deletion protection in staging', () => {
    const staging = onlyResource(synthEnvironment({}, 'staging'), 'aws_db_instance');
    expect(staging).toMatchObject({ multi_az: false, deletion_protection: false });
  });
});
