import { Construct } from 'constructs';
import { assumeRolePolicy, jsonDocument } from './json-document';
import { ITerraformDependable } from 'cdktf';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';

export interface ServiceDatabase {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  /** Security group of the database: the only PostgreSQL destination tasks may reach. */
  readonly securityGroupId: string;
  /** Secrets Manager secret (RDS-managed JSON with `username` and `password`). */
  readonly secretArn: string;
}

export interface ServiceProps {
  /** e.g. `venture-nudge-production`: cluster, repository, log group and family names derive from it. */
  readonly namePrefix: string;
  /** ECS service name. @default "<appName>-service" */
  readonly serviceName: string;
  readonly region: string;
  readonly vpcId: string;
  /** Private subnets for the tasks (no public IPs). */
  readonly subnetIds: string[];
  /** Security group of the load balancer, the only source allowed to reach the container port. */
  readonly loadBalancerSecurityGroupId: string;
  /** Target group the service registers in. */
  readonly targetGroupArn: string;
  /** `app/<name>/<id>/targetgroup/<name>/<id>` label for request-count scaling. */
  readonly requestCountResourceLabel?: string;
  readonly database: ServiceDatabase;
  /** SSM Parameter Store path, e.g. `/venture-nudge/production/`. */
  readonly ssmPath: string;
  /** Secret names read from `ssmPath`. @default [] */
  readonly ssmSecrets?: readonly string[];
  /** Plain environment. @default { NODE_ENV: "production" } */
  readonly environment?: Record<string, string>;
  /** Fargate CPU units. @default 2048 */
  readonly cpu?: number;
  /** Fargate memory (MiB). @default 4096 */
  readonly memory?: number;
  /** @default 2 */
  readonly minTasks?: number;
  /** @default 10 */
  readonly maxTasks?: number;
  /** @default 60 */
  readonly cpuTargetPercent?: number;
  /** 0 disables request-count scaling. @default 1000 */
  readonly requestsPerTarget?: number;
  /** @default 3000 */
  readonly containerPort?: number;
  /** @default "latest" */
  readonly imageTag?: string;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** KMS key for the log group and SSM SecureString decryption. @default AWS-managed keys */
  readonly kmsKeyArn?: string;
  /** @default true */
  readonly readonlyRootFilesystem?: boolean;
  /** Bucket the app reads and writes uploads in (env ASSETS_BUCKET). @default undefined */
  readonly assetsBucket?: { readonly name: string; readonly arn: string };
  /** Resources the service waits for (the listener that attaches the target group). @default [] */
  readonly dependsOn?: ITerraformDependable[];
}

/** ECR repository, ECS cluster, Fargate task and service with circuit breaker, autoscaling and logs. */
export class Service extends Construct {
  readonly repositoryUrl: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly securityGroupId: string;
  readonly logGroupName: string;
  readonly accountId: string;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const port = props.containerPort ?? 3000;
    const minTasks = props.minTasks ?? 2;
    const maxTasks = props.maxTasks ?? 10;

    const repo = new EcrRepository(this, 'repository', {
      name: props.namePrefix,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: props.kmsKeyArn ? 'KMS' : 'AES256', kmsKey: props.kmsKeyArn }],
    });
    new EcrLifecyclePolicy(this, 'repository-lifecycle', {
      repository: repo.name,
      policy: jsonDocument(this, {
        rules: [
          { rulePriority: 1, description: 'Expire untagged images after 7 days', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
          { rulePriority: 2, description: 'Keep the last 30 images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 }, action: { type: 'expire' } },
        ],
      }),
    });
    this.repositoryUrl = repo.repositoryUrl;
    // The registry id is the account id: no caller-identity look-up needed at plan.
    this.accountId = repo.registryId;

    const cluster = new EcsCluster(this, 'cluster', { name: props.namePrefix, setting: [{ name: 'containerInsights', value: 'enabled' }] });
    this.clusterName = cluster.name;

    const logs = new CloudwatchLogGroup(this, 'logs', { name: `/ecs/${props.namePrefix}`, retentionInDays: props.logRetentionDays ?? 30, kmsKeyId: props.kmsKeyArn });
    this.logGroupName = logs.name;

    const assume = assumeRolePolicy(this, 'ecs-tasks.amazonaws.com');
    const executionRole = new IamRole(this, 'execution-role', { name: `${props.namePrefix}-task-execution`, assumeRolePolicy: assume });
    new IamRolePolicyAttachment(this, 'execution-managed', { role: executionRole.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' });
    const ssmArnPrefix = `arn:aws:ssm:${props.region}:${this.accountId}:parameter${props.ssmPath}`;
    new IamRolePolicy(this, 'execution-secrets', {
      name: 'read-app-secrets',
      role: executionRole.id,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'SsmParameters', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: `${ssmArnPrefix}*` },
          { Sid: 'DatabaseSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: props.database.secretArn },
          ...(props.kmsKeyArn ? [{ Sid: 'Decrypt', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: props.kmsKeyArn }] : []),
        ],
      }),
    });
    const taskRole = new IamRole(this, 'task-role', { name: `${props.namePrefix}-task`, assumeRolePolicy: assume });
    if (props.assetsBucket) {
      new IamRolePolicy(this, 'task-assets', {
        name: 'assets-bucket',
        role: taskRole.id,
        policy: jsonDocument(this, {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${props.assetsBucket.arn}/*` },
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: props.assetsBucket.arn },
          ],
        }),
      });
    }

    const environment = { NODE_ENV: 'production', ...(props.environment ?? {}), ...(props.assetsBucket ? { ASSETS_BUCKET: props.assetsBucket.name } : {}), PORT: String(port), PGHOST: props.database.host, PGPORT: String(props.database.port), PGDATABASE: props.database.name, PGSSLMODE: 'require' };
    const secrets = [
      ...(props.ssmSecrets ?? []).map((name) => ({ name, valueFrom: `${ssmArnPrefix}${name}` })),
      { name: 'PGUSER', valueFrom: `${props.database.secretArn}:username::` },
      { name: 'PGPASSWORD', valueFrom: `${props.database.secretArn}:password::` },
    ];
    const readonlyRoot = props.readonlyRootFilesystem ?? true;
    const container = {
      name: 'app',
      image: `${repo.repositoryUrl}:${props.imageTag ?? 'latest'}`,
      essential: true,
      portMappings: [{ containerPort: port, protocol: 'tcp' }],
      environment: Object.entries(environment).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
      secrets,
      readonlyRootFilesystem: readonlyRoot,
      mountPoints: readonlyRoot
        ? [
            { sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false },
            { sourceVolume: 'next-cache', containerPath: '/app/.next/cache', readOnly: false },
          ]
        : [],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': logs.name, 'awslogs-region': props.region, 'awslogs-stream-prefix': 'app' } },
    };
    const task = new EcsTaskDefinition(this, 'task', {
      family: `${props.namePrefix}-task`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu ?? 2048),
      memory: String(props.memory ?? 4096),
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      volume: readonlyRoot ? [{ name: 'tmp' }, { name: 'next-cache' }] : [],
      containerDefinitions: jsonDocument(this, [container]),
    });

    const sg = new SecurityGroup(this, 'sg', {
      name: `${props.namePrefix}-service-sg`,
      description: `${props.namePrefix} tasks: container port from the ALB only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-service-sg` },
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = sg.id;
    new VpcSecurityGroupIngressRule(this, 'from-alb', { securityGroupId: sg.id, referencedSecurityGroupId: props.loadBalancerSecurityGroupId, ipProtocol: 'tcp', fromPort: port, toPort: port, description: 'App port from the ALB' });
    // Tasks call out to ECR, SSM, OpenAI etc. over HTTPS (through NAT), and to the database.
    new VpcSecurityGroupEgressRule(this, 'https-out', { securityGroupId: sg.id, cidrIpv4: '0.0.0.0/0', ipProtocol: 'tcp', fromPort: 443, toPort: 443, description: 'HTTPS to AWS APIs and integrations' });
    new VpcSecurityGroupEgressRule(this, 'postgres-out', { securityGroupId: sg.id, referencedSecurityGroupId: props.database.securityGroupId, ipProtocol: 'tcp', fromPort: props.database.port, toPort: props.database.port, description: 'PostgreSQL to the database only' });

    const service = new EcsService(this, 'service', {
      name: props.serviceName,
      cluster: cluster.arn,
      taskDefinition: task.arn,
      launchType: 'FARGATE',
      desiredCount: minTasks,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 60,
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
      networkConfiguration: { subnets: props.subnetIds, securityGroups: [sg.id], assignPublicIp: false },
      loadBalancer: [{ targetGroupArn: props.targetGroupArn, containerName: 'app', containerPort: port }],
      // The autoscaler owns the task count; a plan must never fight it.
      lifecycle: { ignoreChanges: ['desired_count'] },
      dependsOn: props.dependsOn,
    });
    this.serviceName = service.name;

    const target = new AppautoscalingTarget(this, 'scaling-target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${cluster.name}/${service.name}`,
      minCapacity: minTasks,
      maxCapacity: maxTasks,
    });
    new AppautoscalingPolicy(this, 'scale-on-cpu', {
      name: `${props.namePrefix}-cpu`,
      policyType: 'TargetTrackingScaling',
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.cpuTargetPercent ?? 60,
        predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
    const rpt = props.requestsPerTarget ?? 1000;
    if (rpt > 0 && props.requestCountResourceLabel) {
      new AppautoscalingPolicy(this, 'scale-on-requests', {
        name: `${props.namePrefix}-requests`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: rpt,
          predefinedMetricSpecification: { predefinedMetricType: 'ALBRequestCountPerTarget', resourceLabel: props.requestCountResourceLabel },
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      });
    }
  }
}
