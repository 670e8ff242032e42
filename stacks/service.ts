import { Construct } from 'constructs';
import { assumeRolePolicy, jsonDocument, pullAndLogStatements } from './json-document';
import { App, ITerraformDependable } from 'cdktf';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { AppDatabaseSettings } from './app-database';
import { fargateSizeProblem } from './fargate';
import { BOOTSTRAP_TAG } from './config';
import { declareDatabaseReach } from './policy/reach';

export interface ServiceDatabase {
  /** PostgreSQL port of RDS (the egress rule at stage `rds`). */
  readonly port: number;
  /** Security group of RDS: the only PostgreSQL destination at stage `rds`. */
  readonly securityGroupId: string;
  /** Where the source database is (the only PostgreSQL destination at the web stages, through NAT). */
  readonly source: DatabaseNetwork;
  /** The app's database settings at the current stage (stacks/app-database.ts). */
  readonly settings: AppDatabaseSettings;
  /** Secrets Manager secrets those settings read (none at web stages). */
  readonly secretArns: readonly string[];
}

/** Where an external database is: IPv4 CIDRs and a port. */
export interface DatabaseNetwork {
  readonly cidrs: readonly string[];
  readonly port: number;
}

/** `arn:aws:ssm:<region>:<account>:parameter<path>`: prefix of the parameters under an SSM path. */
export function ssmParameterArnPrefix(region: string, accountId: string, ssmPath: string): string {
  return `arn:aws:ssm:${region}:${accountId}:parameter${ssmPath}`;
}

/** The image the task runs: a repository (see ContainerRepository) and a tag. */
export interface ServiceImage {
  readonly repositoryUrl: string;
  /** The execution role may pull from this repository only. */
  readonly repositoryArn: string;
  /**
   * Unset: bootstrap (the repository may still be empty). The task definition names the
   * never-pulled `bootstrap` tag and the service starts with 0 tasks; a plan against a
   * service that already runs tasks fails instead of replacing its image.
   */
  readonly tag?: string;
}

/** Writable mounts of a read-only root filesystem: volume name -> path in the container. */
const WRITABLE_PATHS: Readonly<Record<string, string>> = { tmp: '/tmp', 'next-cache': '/app/.next/cache' };
/** Name of the short-lived container that hands the writable volumes to the app user. */
export const VOLUME_INIT_CONTAINER = 'volume-permissions';

/**
 * Props of the service. Everything the config always supplies is required here
 * (its default lives beside its schema in stacks/config/service.ts, the one home of each default).
 */
export interface AutoscaledServiceProps {
  /** Permissions boundary of every IAM role this construct creates (the GitHub deploy role requires it). @default none */
  readonly permissionsBoundary?: string;
  /** e.g. `venture-nudge-production`: cluster, log group, role and family names derive from it. */
  readonly namePrefix: string;
  /** ECS service name, e.g. `venture-nudge-service`. */
  readonly serviceName: string;
  readonly region: string;
  /** Account id (for the SSM parameter ARNs), e.g. the repository's registry id. */
  readonly accountId: string;
  readonly image: ServiceImage;
  readonly vpcId: string;
  /** Private subnets for the tasks (no public IPs). */
  readonly subnetIds: string[];
  /** Security group of the load balancer, the only source allowed to reach the container port. */
  readonly loadBalancerSecurityGroupId: string;
  /** Target group the service registers in. */
  readonly targetGroupArn: string;
  /** `app/<name>/<id>/targetgroup/<name>/<id>` label for request-count scaling. @default undefined (no request-count scaling) */
  readonly requestCountResourceLabel?: string;
  readonly database: ServiceDatabase;
  /** SSM Parameter Store path, e.g. `/venture-nudge/production/`. */
  readonly ssmPath: string;
  /** Secret names read from `ssmPath`. */
  readonly ssmSecrets: readonly string[];
  /** Plain environment (NODE_ENV etc.); PORT and the PG* variables are added by the construct. */
  readonly environment: Readonly<Record<string, string>>;
  /** Fargate CPU units; the pair with `memory` must be valid (stacks/fargate.ts). */
  readonly cpu: number;
  /** Fargate memory (MiB). */
  readonly memory: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly cpuTargetPercent: number;
  /** ALB requests per task; 0 disables request-count scaling. */
  readonly requestsPerTarget: number;
  readonly containerPort: number;
  readonly logRetentionDays: number;
  readonly readonlyRootFilesystem: boolean;
  /**
   * uid the app runs as; the writable volumes are handed to it before the app starts (the
   * guide's Dockerfile runs Next.js as `nextjs`, uid 1001). @default 1001
   */
  readonly appUid?: number;
  /** KMS key for the log group and SSM SecureString decryption. @default AWS-managed keys */
  readonly kmsKeyArn?: string;
  /** Bucket the app reads and writes uploads in (env ASSETS_BUCKET). @default undefined */
  readonly assetsBucket?: { readonly name: string; readonly arn: string };
  /** Resources the service waits for (the listener that attaches the target group). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** The cluster to run in (the second service of a cutover shares the first one's). @default a new cluster named `namePrefix` */
  readonly cluster?: { readonly name: string; readonly arn: string };
  /**
   * Side name of a second service (e.g. `rds`): its log group, roles, task family, security group
   * and scaling policies are named `<namePrefix>-<side>-...` beside the first service's.
   * @default undefined (names from `namePrefix` alone)
   */
  readonly side?: string;
}

/** ECS cluster, Fargate task (roles, log group), security group, service with circuit breaker, and its autoscaling. */
export class AutoscaledService extends Construct {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly securityGroupId: string;
  readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: AutoscaledServiceProps) {
    super(scope, id);
    const size = fargateSizeProblem(props.cpu, props.memory);
    if (size) throw new Error(`AutoscaledService ${this.node.path}: ${size.field}: ${size.message}`);
    if (props.minTasks > props.maxTasks) throw new Error(`AutoscaledService ${this.node.path}: minTasks (${props.minTasks}) must not exceed maxTasks (${props.maxTasks})`);

    const cluster = props.cluster ?? new EcsCluster(this, 'cluster', { name: props.namePrefix, setting: [{ name: 'containerInsights', value: 'enabled' }] });
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    const base = sideName(props);
    const logs = new CloudwatchLogGroup(this, 'logs', { name: `/ecs/${base}`, retentionInDays: props.logRetentionDays, kmsKeyId: props.kmsKeyArn });
    this.logGroupName = logs.name;

    const bootstrap = props.image.tag === undefined;
    const task = this.taskDefinition(props, logs);
    const sg = this.securityGroup(props);
    this.securityGroupId = sg.id;
    // What the task connects to at this stage, for the reachability rule (VN-ECS-3).
    declareDatabaseReach(task, {
      securityGroupIds: [sg.id],
      endpoints: [
        props.database.settings.databaseOfRecord === 'rds'
          ? { name: 'RDS (stage rds)', securityGroupId: props.database.securityGroupId, port: props.database.port }
          : { name: 'the source database (web stages)', cidrs: props.database.source.cidrs, port: props.database.source.port },
      ],
    });

    const service = new EcsService(this, 'service', {
      name: props.serviceName,
      cluster: cluster.arn,
      taskDefinition: task.arn,
      launchType: 'FARGATE',
      desiredCount: bootstrap ? 0 : props.minTasks,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 60,
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
      // Bootstrap runs 0 tasks and registers no scalable target; these tags carry the steady-state
      // range so the cost estimate (npm run cost) prices what the first apply with a tag will run.
      ...(bootstrap ? { tags: { SteadyStateMinTasks: String(props.minTasks), SteadyStateMaxTasks: String(props.maxTasks) } } : {}),
      networkConfiguration: { subnets: props.subnetIds, securityGroups: [sg.id], assignPublicIp: false },
      loadBalancer: [{ targetGroupArn: props.targetGroupArn, containerName: 'app', containerPort: props.containerPort }],
      // The autoscaler owns the task count; a plan must never fight it.
      lifecycle: {
        ignoreChanges: ['desired_count'],
        // Bootstrap is for the first apply only: against a running service it would deploy a missing image.
        // cdktf's HCL renderer writes `postcondition` as an argument, which Terraform rejects; the
        // JSON output (the deployed artifact) carries the guard, HCL output for reading does not.
        ...(bootstrap && !App.of(this).hclOutput
          ? { postcondition: [{ condition: '${self.desired_count == 0}', errorMessage: `No image tag for ${props.namePrefix}, but the service already runs tasks: set IMAGE_TAG_<ENV> (or IMAGE_TAG) to the tag it runs (terraform output image_tag) or to the new one CI pushed.` }] }
          : {}),
      },
      dependsOn: props.dependsOn,
    });
    this.serviceName = service.name;
    // Registering a scalable target raises desired_count to its minimum at once: in bootstrap there is
    // none, so the service stays at 0 tasks; the first apply with a tag registers it (min = minTasks).
    if (!bootstrap) this.autoscaling(props, `service/${cluster.name}/${service.name}`);
  }

  private ssmArnPrefix(props: AutoscaledServiceProps): string {
    return ssmParameterArnPrefix(props.region, props.accountId, props.ssmPath);
  }

  /** Execution role (pulls the image, reads the secrets) and task role (what the app may call). */
  private roles(props: AutoscaledServiceProps, logGroupArn: string): { executionRole: IamRole; taskRole: IamRole } {
    const assume = assumeRolePolicy(this, 'ecs-tasks.amazonaws.com', { account: props.accountId, sourceArn: `arn:aws:ecs:${props.region}:${props.accountId}:*` });
    const executionRole = new IamRole(this, 'execution-role', { name: `${sideName(props)}-task-execution`, assumeRolePolicy: assume, permissionsBoundary: props.permissionsBoundary });
    // Instead of AmazonECSTaskExecutionRolePolicy (ECR and logs on *): this repository and this log group only.
    new IamRolePolicy(this, 'execution-pull-and-log', {
      name: 'pull-image-write-logs',
      role: executionRole.id,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          ...pullAndLogStatements(props.image.repositoryArn, logGroupArn),
        ],
      }),
    });
    new IamRolePolicy(this, 'execution-secrets', {
      name: 'read-app-secrets',
      role: executionRole.id,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'SsmParameters', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: `${this.ssmArnPrefix(props)}*` },
          ...(props.database.secretArns.length ? [{ Sid: 'DatabaseSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [...props.database.secretArns] }] : []),
          ...(props.kmsKeyArn ? [{ Sid: 'Decrypt', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: props.kmsKeyArn }] : []),
        ],
      }),
    });
    const taskRole = new IamRole(this, 'task-role', { name: `${sideName(props)}-task`, assumeRolePolicy: assume, permissionsBoundary: props.permissionsBoundary });
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
    return { executionRole, taskRole };
  }

  /** The `app` container: plain environment, secrets by reference, logs to the group. */
  private appContainer(props: AutoscaledServiceProps, logGroupName: string) {
    const environment = {
      ...props.environment,
      ...(props.assetsBucket ? { ASSETS_BUCKET: props.assetsBucket.name } : {}),
      PORT: String(props.containerPort),
      ...props.database.settings.environment,
    };
    const secrets = [...props.ssmSecrets.map((name) => ({ name, valueFrom: `${this.ssmArnPrefix(props)}${name}` })), ...props.database.settings.secrets];
    const readonlyRoot = props.readonlyRootFilesystem;
    return {
      name: 'app',
      image: `${props.image.repositoryUrl}:${props.image.tag ?? BOOTSTRAP_TAG}`,
      essential: true,
      user: String(props.appUid ?? 1001),
      portMappings: [{ containerPort: props.containerPort, protocol: 'tcp' }],
      environment: Object.entries(environment).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value })),
      secrets,
      readonlyRootFilesystem: readonlyRoot,
      mountPoints: readonlyRoot ? writableMounts() : [],
      dependsOn: readonlyRoot ? [{ containerName: VOLUME_INIT_CONTAINER, condition: 'SUCCESS' }] : undefined,
      logConfiguration: logConfiguration(logGroupName, props.region, 'app'),
    };
  }

  /**
   * Fargate creates the writable volumes owned by root; the app runs as a non-root uid.
   * This container (same image, as root, read-only root too) hands them over and exits
   * before the app starts.
   */
  private volumeInitContainer(props: AutoscaledServiceProps, logGroupName: string) {
    const uid = props.appUid ?? 1001;
    const paths = Object.values(WRITABLE_PATHS);
    return {
      name: VOLUME_INIT_CONTAINER,
      image: `${props.image.repositoryUrl}:${props.image.tag ?? BOOTSTRAP_TAG}`,
      essential: false,
      user: '0',
      entryPoint: ['sh', '-c'],
      command: [`chown ${uid}:${uid} ${paths.join(' ')} && chmod 0700 ${paths.join(' ')}`],
      readonlyRootFilesystem: true,
      mountPoints: writableMounts(),
      logConfiguration: logConfiguration(logGroupName, props.region, 'init'),
    };
  }

  private taskDefinition(props: AutoscaledServiceProps, logs: CloudwatchLogGroup): EcsTaskDefinition {
    const { executionRole, taskRole } = this.roles(props, logs.arn);
    const containers = [this.appContainer(props, logs.name), ...(props.readonlyRootFilesystem ? [this.volumeInitContainer(props, logs.name)] : [])];
    return new EcsTaskDefinition(this, 'task', {
      family: `${sideName(props)}-task`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu),
      memory: String(props.memory),
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      volume: props.readonlyRootFilesystem ? Object.keys(WRITABLE_PATHS).map((name) => ({ name })) : [],
      containerDefinitions: jsonDocument(this, containers),
    });
  }

  /**
   * Tasks accept the container port from the ALB only; they reach HTTPS and exactly the database of
   * record of the stage: the source's CIDRs and port at the web stages (through NAT), RDS's group at `rds`.
   */
  private securityGroup(props: AutoscaledServiceProps): SecurityGroup {
    const sg = new SecurityGroup(this, 'sg', {
      // name_prefix: a replacement is created under a new name first (no InvalidGroup.Duplicate).
      namePrefix: `${sideName(props)}-service-`,
      description: `${sideName(props)} tasks: container port from the ALB only`,
      vpcId: props.vpcId,
      tags: { Name: `${sideName(props)}-service-sg` },
      lifecycle: { createBeforeDestroy: true },
    });
    const port = props.containerPort;
    new VpcSecurityGroupIngressRule(this, 'from-alb', { securityGroupId: sg.id, referencedSecurityGroupId: props.loadBalancerSecurityGroupId, ipProtocol: 'tcp', fromPort: port, toPort: port, description: 'App port from the ALB' });
    // Tasks call out to ECR, SSM, OpenAI etc. over HTTPS (through NAT), and to the database.
    new VpcSecurityGroupEgressRule(this, 'https-out', { securityGroupId: sg.id, cidrIpv4: '0.0.0.0/0', ipProtocol: 'tcp', fromPort: 443, toPort: 443, description: 'HTTPS to AWS APIs and integrations' });
    const db = props.database;
    if (db.settings.databaseOfRecord === 'rds') {
      new VpcSecurityGroupEgressRule(this, 'postgres-out', { securityGroupId: sg.id, referencedSecurityGroupId: db.securityGroupId, ipProtocol: 'tcp', fromPort: db.port, toPort: db.port, description: 'PostgreSQL to RDS only (stage rds)' });
    } else {
      db.source.cidrs.forEach((cidr, i) => {
        new VpcSecurityGroupEgressRule(this, i === 0 ? 'source-out' : `source-out-${i}`, { securityGroupId: sg.id, cidrIpv4: cidr, ipProtocol: 'tcp', fromPort: db.source.port, toPort: db.source.port, description: 'PostgreSQL to the source database through NAT (web stages)' });
      });
    }
    return sg;
  }

  /** Target tracking on CPU, and on ALB requests per task when a label is given. */
  private autoscaling(props: AutoscaledServiceProps, resourceId: string): void {
    const target = new AppautoscalingTarget(this, 'scaling-target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId,
      minCapacity: props.minTasks,
      maxCapacity: props.maxTasks,
    });
    const track = (id: string, name: string, targetValue: number, predefinedMetricSpecification: { predefinedMetricType: string; resourceLabel?: string }) =>
      new AppautoscalingPolicy(this, id, {
        name: `${sideName(props)}-${name}`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: { targetValue, predefinedMetricSpecification, scaleInCooldown: 300, scaleOutCooldown: 60 },
      });
    track('scale-on-cpu', 'cpu', props.cpuTargetPercent, { predefinedMetricType: 'ECSServiceAverageCPUUtilization' });
    if (props.requestsPerTarget > 0 && props.requestCountResourceLabel) {
      track('scale-on-requests', 'requests', props.requestsPerTarget, { predefinedMetricType: 'ALBRequestCountPerTarget', resourceLabel: props.requestCountResourceLabel });
    }
  }
}

/** `namePrefix`, or `namePrefix-side` for a second service. */
function sideName(props: AutoscaledServiceProps): string {
  return props.side ? `${props.namePrefix}-${props.side}` : props.namePrefix;
}

function writableMounts() {
  return Object.entries(WRITABLE_PATHS).map(([sourceVolume, containerPath]) => ({ sourceVolume, containerPath, readOnly: false }));
}

function logConfiguration(group: string, region: string, prefix: string) {
  return { logDriver: 'awslogs', options: { 'awslogs-group': group, 'awslogs-region': region, 'awslogs-stream-prefix': prefix } };
}
