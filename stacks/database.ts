import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { assumeRolePolicy } from './json-document';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

export interface DatabaseProps {
  /** Permissions boundary of every IAM role this construct creates (the GitHub deploy role requires it). @default none */
  readonly permissionsBoundary?: string;
  /** RDS identifier, e.g. `venture-nudge-production-db`. */
  readonly identifier: string;
  readonly region: string;
  /** Account id (the monitoring role's trust names it). */
  readonly accountId: string;
  readonly vpcId: string;
  /** Private subnets for the subnet group (one per AZ). */
  readonly subnetIds: string[];
  /** PostgreSQL major version, e.g. "16"; minor upgrades are automatic. */
  readonly engineVersion: string;
  /** Let a change of `engineVersion` move to a new major version. */
  readonly allowMajorVersionUpgrade: boolean;
  /**
   * The major version the instance still runs while an upgrade to `engineVersion` waits for the
   * maintenance window (`apply_immediately` is false): its parameter group is kept, since RDS
   * refuses to delete a group an instance uses. @default undefined (no upgrade pending)
   */
  readonly pendingUpgradeFrom?: string;
  /** e.g. "db.t3.medium". */
  readonly instanceClass: string;
  /** GiB of gp3. */
  readonly allocatedStorage: number;
  /** Storage autoscaling ceiling; 0 disables. */
  readonly maxAllocatedStorage: number;
  readonly multiAz: boolean;
  readonly backupRetentionDays: number;
  /** UTC, e.g. "03:00-04:00". */
  readonly backupWindow: string;
  /** UTC, e.g. "sun:07:00-sun:10:00". */
  readonly maintenanceWindow: string;
  readonly deletionProtection: boolean;
  /** Database created on the instance. */
  readonly databaseName: string;
  /** Master user (RDS keeps its password in Secrets Manager). */
  readonly username: string;
  /** Performance Insights retention days; 0 disables. */
  readonly performanceInsightsRetentionDays: number;
  /** Enhanced monitoring interval in seconds (a monitoring role is created); 0 disables. */
  readonly monitoringIntervalSeconds: number;
  /** Retention of the exported log groups (`postgresql`, `upgrade`). */
  readonly logRetentionDays: number;
  /** Customer-managed KMS key for the exported log groups. @default AWS-owned CloudWatch Logs encryption */
  readonly logsKmsKeyArn?: string;
  /** Customer-managed KMS key for storage and Performance Insights. @default the AWS-managed key */
  readonly kmsKeyArn?: string;
  /** Customer-managed KMS key of the app role's secret (policy VN-SM-1). @default kmsKeyArn */
  readonly secretsKmsKeyArn?: string;
  /**
   * Sets `rds.logical_replication = 1` (db:sync / a rollback by replication with RDS as the
   * publisher). Static: applied at the next reboot.
   */
  readonly logicalReplication: boolean;
  /**
   * Name of the Secrets Manager secret for the app's least-privilege database role (JSON: url,
   * host, port, dbname, username, password). Terraform creates the empty secret; the toolkit
   * writes its value. No rotation: tasks read it only at start.
   */
  readonly appSecretName: string;
}

/** Address of the parameter group before there was one per major version (moved, not replaced). */
export const PREVIOUS_PARAMETER_GROUP_ADDRESS = 'aws_db_parameter_group.database_params_FE1B7A32';

/** Logs RDS exports to CloudWatch; their groups are created here first, with retention and key. */
export const RDS_EXPORTED_LOGS = ['postgresql', 'upgrade'] as const;

/**
 * RDS PostgreSQL: encrypted, Multi-AZ, TLS-only, with the master password
 * generated and held by RDS in Secrets Manager (never in Terraform state).
 * No ingress until `allowConnectionsFrom` is called.
 */
export class Database extends Construct {
  readonly instance: DbInstance;
  readonly securityGroupId: string;
  readonly endpointAddress: string;
  readonly port: number;
  readonly databaseName: string;
  /** ARN of the Secrets Manager secret RDS manages (JSON with username/password). */
  readonly masterSecretArn: string;
  /** ARN of the app role's secret (what tasks read at stage rds; never the master secret). */
  readonly appSecretArn: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const engineVersion = props.engineVersion;
    // name_prefix: a replacement (create_before_destroy) gets a new name instead of InvalidGroup.Duplicate.
    const sg = new SecurityGroup(this, 'sg', {
      namePrefix: `${props.identifier}-`,
      description: `PostgreSQL ${props.identifier}: 5432 from the app only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.identifier}-sg` },
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = sg.id;

    const subnets = new DbSubnetGroup(this, 'subnets', { name: `${props.identifier}-subnets`, subnetIds: props.subnetIds });
    // One parameter group per major version, each at its own address: a major upgrade adds the new
    // version's group and keeps the old one while the switch is pending (pendingUpgradeFrom); removing
    // pendingUpgradeFrom after the maintenance window deletes it. (Replacing one group in place would
    // delete the old group while the instance still uses it, and RDS refuses that.)
    const group = (version: string) =>
      new DbParameterGroup(this, `params-pg${version}`, {
        name: `${props.identifier}-pg${version}`,
        family: `postgres${version}`,
        description: `${props.identifier}: TLS only, slow query log`,
        parameter: [
          { name: 'rds.force_ssl', value: '1' },
          { name: 'log_min_duration_statement', value: '1000' },
          ...(props.logicalReplication ? [{ name: 'rds.logical_replication', value: '1', applyMethod: 'pending-reboot' }] : []),
        ],
        lifecycle: { createBeforeDestroy: true },
      });
    const params = group(engineVersion);
    const running = props.pendingUpgradeFrom ? group(props.pendingUpgradeFrom) : params;
    // The single group of earlier versions of this construct is the one the instance runs now.
    running.moveFromId(PREVIOUS_PARAMETER_GROUP_ADDRESS);
    // RDS would create these on first export, without retention or key; created first here.
    const logGroups = RDS_EXPORTED_LOGS.map(
      (log) => new CloudwatchLogGroup(this, `log-${log}`, { name: `/aws/rds/instance/${props.identifier}/${log}`, retentionInDays: props.logRetentionDays, kmsKeyId: props.logsKmsKeyArn }),
    );

    const piDays = props.performanceInsightsRetentionDays;
    const monitoring = props.monitoringIntervalSeconds;
    const monitoringRole =
      monitoring > 0
        ? new IamRole(this, 'monitoring-role', {
            name: `${props.identifier}-monitoring`,
            assumeRolePolicy: assumeRolePolicy(this, 'monitoring.rds.amazonaws.com', { account: props.accountId, sourceArn: `arn:aws:rds:${props.region}:${props.accountId}:db:${props.identifier}` }),
            permissionsBoundary: props.permissionsBoundary,
          })
        : undefined;
    if (monitoringRole) {
      new IamRolePolicyAttachment(this, 'monitoring-policy', { role: monitoringRole.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole' });
    }
    this.databaseName = props.databaseName;
    this.port = 5432;
    this.instance = new DbInstance(this, 'instance', {
      identifier: props.identifier,
      engine: 'postgres',
      engineVersion,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: props.allowMajorVersionUpgrade,
      instanceClass: props.instanceClass,
      allocatedStorage: props.allocatedStorage,
      maxAllocatedStorage: props.maxAllocatedStorage,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      multiAz: props.multiAz,
      dbName: this.databaseName,
      username: props.username,
      manageMasterUserPassword: true,
      // Short-lived tokens for operators and tools (policy VN-RDS-8); password logins are unchanged.
      iamDatabaseAuthenticationEnabled: true,
      port: this.port,
      backupRetentionPeriod: props.backupRetentionDays,
      backupWindow: props.backupWindow,
      maintenanceWindow: props.maintenanceWindow,
      copyTagsToSnapshot: true,
      skipFinalSnapshot: false,
      // Unique per instance: taken when the instance is created (ignored afterwards), so
      // destroy, apply, destroy does not collide with the first final snapshot.
      finalSnapshotIdentifier: `${props.identifier}-final-${Fn.formatdate('YYYYMMDDhhmmss', Fn.timestamp())}`,
      deletionProtection: props.deletionProtection,
      publiclyAccessible: false,
      dbSubnetGroupName: subnets.name,
      parameterGroupName: params.name,
      vpcSecurityGroupIds: [sg.id],
      enabledCloudwatchLogsExports: [...RDS_EXPORTED_LOGS],
      performanceInsightsEnabled: piDays > 0,
      performanceInsightsRetentionPeriod: piDays > 0 ? piDays : undefined,
      performanceInsightsKmsKeyId: piDays > 0 ? props.kmsKeyArn : undefined,
      monitoringInterval: monitoring,
      monitoringRoleArn: monitoringRole?.arn,
      applyImmediately: false,
      tags: { Name: props.identifier },
      lifecycle: { ignoreChanges: ['final_snapshot_identifier'] },
      dependsOn: logGroups,
    });
    this.endpointAddress = this.instance.address;
    this.masterSecretArn = this.instance.masterUserSecret.get(0).secretArn;
    const appSecret = new SecretsmanagerSecret(this, 'app-secret', {
      name: props.appSecretName,
      description: `${props.identifier}: the app's least-privilege database role (written by the toolkit; not rotated under running tasks)`,
      kmsKeyId: props.secretsKmsKeyArn ?? props.kmsKeyArn,
      // Deleted at once on destroy: a recovery window blocks re-creating the name for days; db:sync app-role rewrites it.
      recoveryWindowInDays: 0,
    });
    this.appSecretArn = appSecret.arn;
  }

  /** Opens 5432 to one security group (the ECS service's). */
  allowConnectionsFrom(id: string, securityGroupId: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: this.securityGroupId,
      referencedSecurityGroupId: securityGroupId,
      ipProtocol: 'tcp',
      fromPort: this.port,
      toPort: this.port,
      description,
    });
  }
}
