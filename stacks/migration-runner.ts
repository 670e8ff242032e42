import { Construct } from 'constructs';
import { assumeRolePolicy, jsonDocument, pullAndLogStatements } from './json-document';
import { fargateSizeProblem } from './fargate';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { declareDatabaseReach } from './policy/reach';
import { RUNNER_DEFAULTS, SOURCE_DATABASE_DEFAULTS } from './config';

/** The database the runner migrates into. */
export interface RunnerDatabase {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  /** Security group of the database; the runner may reach it on `port` (the stack adds the matching ingress). */
  readonly securityGroupId: string;
  /** RDS-managed Secrets Manager secret (JSON with `username` and `password`). */
  readonly secretArn: string;
}

/**
 * Props of the runner. Its optional sizes default to the config's runner defaults
 * (`RUNNER_DEFAULTS`, `SOURCE_DATABASE_DEFAULTS` in stacks/config/), the one home of each default.
 */
export interface MigrationRunnerProps {
  /** Permissions boundary of every IAM role this construct creates (the GitHub deploy role requires it). @default none */
  readonly permissionsBoundary?: string;
  /** e.g. `venture-nudge-production`: repository, family, log group and role names derive from it. */
  readonly namePrefix: string;
  readonly region: string;
  /** Account id (the stack takes it from an ECR registry id, no look-up at plan). */
  readonly accountId: string;
  readonly vpcId: string;
  /** Private subnets the task runs in (outbound through NAT; no public IP). */
  readonly subnetIds: string[];
  readonly database: RunnerDatabase;
  /** Full name of the SSM SecureString holding the source URL, e.g. `/venture-nudge/migration-production/SOURCE_DATABASE_URL`. */
  readonly sourceUrlParameter: string;
  /** Full name of the SSM String holding the record of the day, e.g. `/venture-nudge/production/cutover/day`: the task role may read and write it (db:sync finish, db:rollback). @default none (no SSM access) */
  readonly dayRecordParameter?: string;
  /** The toolkit image (Dockerfile): its own ECR repository, and the tag CI pushed (the git SHA). */
  readonly image: { readonly repositoryUrl: string; readonly repositoryArn: string; readonly tag: string };
  /** Fargate CPU units. @default RUNNER_DEFAULTS.cpu (1024) */
  readonly cpu?: number;
  /** Fargate memory (MiB). @default RUNNER_DEFAULTS.memory (2048) */
  readonly memory?: number;
  /** Where the source database is, for its egress rule (Vercel Postgres has no fixed addresses). @default SOURCE_DATABASE_DEFAULTS ({ cidrs: ["0.0.0.0/0"], port: 5432 }) */
  readonly source?: { readonly cidrs: readonly string[]; readonly port: number };
  /** Log retention in days. @default RUNNER_DEFAULTS.logRetentionDays (30, production's) */
  readonly logRetentionDays?: number;
  /** KMS key of the log group and of the source-URL SecureString. @default AWS-managed keys */
  readonly kmsKeyArn?: string;
}

/** Container name in the runner's task definition (the command override targets it). */
export const RUNNER_CONTAINER = 'toolkit';
/** awslogs stream prefix: streams are `<prefix>/<container>/<task id>`. */
export const RUNNER_LOG_PREFIX = 'runner';
/** Where the toolkit image keeps the RDS CA bundle (Dockerfile). */
export const RDS_CA_BUNDLE_PATH = '/app/certs/rds-global-bundle.pem';

/**
 * One-off Fargate tasks of the toolkit image inside the VPC (`npm run remote`): the only
 * place that reaches both RDS (private subnets, database security group) and the source
 * database (through NAT). Its own log group, roles and security group; ECS Exec enabled.
 * No service: tasks run on demand in the app's cluster. The stack adds the database's
 * ingress from `securityGroupId`.
 */
export class MigrationRunner extends Construct {
  readonly taskDefinitionFamily: string;
  readonly taskDefinitionArn: string;
  readonly securityGroupId: string;
  readonly logGroupName: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  readonly containerName = RUNNER_CONTAINER;
  readonly logStreamPrefix = RUNNER_LOG_PREFIX;

  constructor(scope: Construct, id: string, props: MigrationRunnerProps) {
    super(scope, id);
    const cpu = props.cpu ?? RUNNER_DEFAULTS.cpu;
    const memory = props.memory ?? RUNNER_DEFAULTS.memory;
    const size = fargateSizeProblem(cpu, memory);
    if (size) throw new Error(`MigrationRunner ${this.node.path}: ${size.field}: ${size.message}`);
    const name = `${props.namePrefix}-runner`;
    const port = props.database.port;

    const logs = new CloudwatchLogGroup(this, 'logs', { name: `/ecs/${name}`, retentionInDays: props.logRetentionDays ?? RUNNER_DEFAULTS.logRetentionDays, kmsKeyId: props.kmsKeyArn });
    this.logGroupName = logs.name;

    const parameterArn = `arn:aws:ssm:${props.region}:${props.accountId}:parameter${props.sourceUrlParameter}`;
    const assume = assumeRolePolicy(this, 'ecs-tasks.amazonaws.com', { account: props.accountId, sourceArn: `arn:aws:ecs:${props.region}:${props.accountId}:*` });
    // Execution role: pull this repository's images, write this log group, read the two secrets. Nothing else.
    const executionRole = new IamRole(this, 'execution-role', { name: `${name}-execution`, assumeRolePolicy: assume, permissionsBoundary: props.permissionsBoundary });
    new IamRolePolicy(this, 'execution-policy', {
      name: 'runner-execution',
      role: executionRole.id,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          ...pullAndLogStatements(props.image.repositoryArn, logs.arn),
          { Sid: 'SourceUrl', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: parameterArn },
          { Sid: 'DatabaseSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: props.database.secretArn },
          ...(props.kmsKeyArn ? [{ Sid: 'Decrypt', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: props.kmsKeyArn }] : []),
        ],
      }),
    });
    this.executionRoleArn = executionRole.arn;
    // Task role: ECS Exec's channel (SSM Session Manager), and the record of the day (the one AWS API the scripts call).
    const taskRole = new IamRole(this, 'task-role', { name: `${name}-task`, assumeRolePolicy: assume, permissionsBoundary: props.permissionsBoundary });
    new IamRolePolicy(this, 'task-exec', {
      name: 'ecs-exec',
      role: taskRole.id,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'EcsExec', Effect: 'Allow', Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'], Resource: '*' },
          ...(props.dayRecordParameter ? [{ Sid: 'DayRecord', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:PutParameter'], Resource: `arn:aws:ssm:${props.region}:${props.accountId}:parameter${props.dayRecordParameter}` }] : []),
        ],
      }),
    });
    this.taskRoleArn = taskRole.arn;

    // Read-only root; writable volumes for /tmp and for the ECS Exec agent (it writes under
    // /managed-agents and /var/{lib,log}/amazon/ssm: aws/containers-roadmap#1359).
    const writable: [string, string][] = [
      ['tmp', '/tmp'],
      ['exec-agents', '/managed-agents'],
      ['exec-ssm-lib', '/var/lib/amazon/ssm'],
      ['exec-ssm-log', '/var/log/amazon/ssm'],
    ];
    const container = {
      name: RUNNER_CONTAINER,
      image: `${props.image.repositoryUrl}:${props.image.tag}`,
      essential: true,
      command: ['--help'],
      environment: [
        { name: 'NODE_ENV', value: 'production' },
        { name: 'PGDATABASE', value: props.database.name },
        { name: 'PGHOST', value: props.database.host },
        { name: 'PGPORT', value: String(port) },
        { name: 'PGSSLMODE', value: 'verify-full' },
        { name: 'PGSSLROOTCERT', value: RDS_CA_BUNDLE_PATH },
        ...(props.dayRecordParameter ? [{ name: 'VN_DAY_RECORD_PARAMETER', value: props.dayRecordParameter }] : []),
      ],
      secrets: [
        { name: 'PGPASSWORD', valueFrom: `${props.database.secretArn}:password::` },
        { name: 'PGUSER', valueFrom: `${props.database.secretArn}:username::` },
        { name: 'SOURCE_DATABASE_URL', valueFrom: parameterArn },
      ],
      readonlyRootFilesystem: true,
      linuxParameters: { initProcessEnabled: true },
      mountPoints: writable.map(([sourceVolume, containerPath]) => ({ sourceVolume, containerPath, readOnly: false })),
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': logs.name, 'awslogs-region': props.region, 'awslogs-stream-prefix': RUNNER_LOG_PREFIX } },
    };
    const task = new EcsTaskDefinition(this, 'task', {
      family: name,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(cpu),
      memory: String(memory),
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      volume: writable.map(([n]) => ({ name: n })),
      containerDefinitions: jsonDocument(this, [container]),
    });
    this.taskDefinitionFamily = task.family;
    this.taskDefinitionArn = task.arn;

    const sg = new SecurityGroup(this, 'sg', {
      namePrefix: `${name}-`,
      description: `${name}: migration tasks, outbound only (PostgreSQL to RDS and the source, HTTPS)`,
      vpcId: props.vpcId,
      tags: { Name: `${name}-sg` },
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = sg.id;
    new VpcSecurityGroupEgressRule(this, 'to-database', { securityGroupId: sg.id, referencedSecurityGroupId: props.database.securityGroupId, ipProtocol: 'tcp', fromPort: port, toPort: port, description: 'PostgreSQL to the RDS database' });
    const source = props.source ?? SOURCE_DATABASE_DEFAULTS;
    source.cidrs.forEach((cidr, i) => {
      new VpcSecurityGroupEgressRule(this, i === 0 ? 'to-source' : `to-source-${i}`, { securityGroupId: sg.id, cidrIpv4: cidr, ipProtocol: 'tcp', fromPort: source.port, toPort: source.port, description: 'PostgreSQL to the source database (through NAT)' });
    });
    // The runner connects to both (VN-ECS-3 checks it); it runs on demand, so its group is declared here.
    declareDatabaseReach(task, {
      securityGroupIds: [sg.id],
      endpoints: [
        { name: 'RDS', securityGroupId: props.database.securityGroupId, port },
        { name: 'the source database', cidrs: source.cidrs, port: source.port },
      ],
    });
    new VpcSecurityGroupEgressRule(this, 'https-out', { securityGroupId: sg.id, cidrIpv4: '0.0.0.0/0', ipProtocol: 'tcp', fromPort: 443, toPort: 443, description: 'HTTPS to AWS APIs (ECR, logs, SSM, Secrets Manager, ECS Exec)' });
  }
}
