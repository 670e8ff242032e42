import { Construct } from 'constructs';
import { assumeRolePolicy } from './json-document';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

export interface DatabaseProps {
  /** RDS identifier, e.g. `venture-nudge-production-db`. */
  readonly identifier: string;
  readonly vpcId: string;
  /** Private subnets for the subnet group (one per AZ). */
  readonly subnetIds: string[];
  /** PostgreSQL major version; minor upgrades are automatic. @default "16" */
  readonly engineVersion?: string;
  /** @default "db.t3.medium" */
  readonly instanceClass?: string;
  /** GiB of gp3. @default 100 */
  readonly allocatedStorage?: number;
  /** Storage autoscaling ceiling; 0 disables. @default 200 */
  readonly maxAllocatedStorage?: number;
  /** @default true */
  readonly multiAz?: boolean;
  /** @default 7 */
  readonly backupRetentionDays?: number;
  /** @default "03:00-04:00" */
  readonly backupWindow?: string;
  /** @default "sun:04:00-sun:05:00" */
  readonly maintenanceWindow?: string;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** @default "venturenudge" */
  readonly databaseName?: string;
  /** @default "venturenudge_admin" */
  readonly username?: string;
  /** Performance Insights retention days; 0 disables. @default 7 */
  readonly performanceInsightsRetentionDays?: number;
  /** Enhanced monitoring interval in seconds (a monitoring role is created); 0 disables. @default 60 */
  readonly monitoringIntervalSeconds?: number;
  /** Customer-managed KMS key for storage and Performance Insights. @default the AWS-managed key */
  readonly kmsKeyArn?: string;
}

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

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const engineVersion = props.engineVersion ?? '16';
    const sg = new SecurityGroup(this, 'sg', {
      name: `${props.identifier}-sg`,
      description: `PostgreSQL ${props.identifier}: 5432 from the app only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.identifier}-sg` },
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = sg.id;

    const subnets = new DbSubnetGroup(this, 'subnets', { name: `${props.identifier}-subnets`, subnetIds: props.subnetIds });
    const params = new DbParameterGroup(this, 'params', {
      name: `${props.identifier}-pg${engineVersion}`,
      family: `postgres${engineVersion}`,
      description: `${props.identifier}: TLS only, slow query log`,
      parameter: [
        { name: 'rds.force_ssl', value: '1' },
        { name: 'log_min_duration_statement', value: '1000' },
      ],
      lifecycle: { createBeforeDestroy: true },
    });

    const piDays = props.performanceInsightsRetentionDays ?? 7;
    const monitoring = props.monitoringIntervalSeconds ?? 60;
    const monitoringRole =
      monitoring > 0
        ? new IamRole(this, 'monitoring-role', {
            name: `${props.identifier}-monitoring`,
            assumeRolePolicy: assumeRolePolicy(this, 'monitoring.rds.amazonaws.com'),
          })
        : undefined;
    if (monitoringRole) {
      new IamRolePolicyAttachment(this, 'monitoring-policy', { role: monitoringRole.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole' });
    }
    this.databaseName = props.databaseName ?? 'venturenudge';
    this.port = 5432;
    this.instance = new DbInstance(this, 'instance', {
      identifier: props.identifier,
      engine: 'postgres',
      engineVersion,
      autoMinorVersionUpgrade: true,
      instanceClass: props.instanceClass ?? 'db.t3.medium',
      allocatedStorage: props.allocatedStorage ?? 100,
      maxAllocatedStorage: props.maxAllocatedStorage ?? 200,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      multiAz: props.multiAz ?? true,
      dbName: this.databaseName,
      username: props.username ?? 'venturenudge_admin',
      manageMasterUserPassword: true,
      port: this.port,
      backupRetentionPeriod: props.backupRetentionDays ?? 7,
      backupWindow: props.backupWindow ?? '03:00-04:00',
      maintenanceWindow: props.maintenanceWindow ?? 'sun:04:00-sun:05:00',
      copyTagsToSnapshot: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${props.identifier}-final`,
      deletionProtection: props.deletionProtection ?? true,
      publiclyAccessible: false,
      dbSubnetGroupName: subnets.name,
      parameterGroupName: params.name,
      vpcSecurityGroupIds: [sg.id],
      enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
      performanceInsightsEnabled: piDays > 0,
      performanceInsightsRetentionPeriod: piDays > 0 ? piDays : undefined,
      performanceInsightsKmsKeyId: piDays > 0 ? props.kmsKeyArn : undefined,
      monitoringInterval: monitoring,
      monitoringRoleArn: monitoringRole?.arn,
      applyImmediately: false,
      tags: { Name: props.identifier },
    });
    this.endpointAddress = this.instance.address;
    this.masterSecretArn = this.instance.masterUserSecret.get(0).secretArn;
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
