import { Construct } from 'constructs';
import { Fn, LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { BOOTSTRAP_TAG, businessMetricsNamespace, Config, cutoverWeights, databaseOfRecord, namesFor } from './config';
import { Certificate } from './certificate';
import { Database } from './database';
import { CutoverDns } from './dns';
import { Edge } from './edge';
import { HostedZone } from './hosted-zone';
import { LoadBalancer, ORIGIN_VERIFY_HEADER } from './load-balancer';
import { Network } from './network';
import { ProviderMode, Providers } from './providers';
import { ContainerRepository } from './repository';
import { MigrationRunner } from './migration-runner';
import { GithubDeploy, PermissionsBoundary } from './github-deploy';
import { AutoscaledService, ssmParameterArnPrefix } from './service';
import { appDatabaseSettings } from './app-database';
import { CLOUDFRONT_ORIGIN_PREFIX_LISTS } from './config';
import { Encryption } from './encryption';
import { Observability } from './observability';
import { defaultMaxConnections } from './rds-sizes';
import { PrivateBucket, albLogDeliveryStatement } from './storage';
import { WebAcl } from './web-acl';
import { Delegation, ZoneRecords } from './zone-records';
import { applyPolicyPack, PolicyOptions, suppress } from './policy';
import { localStatePath } from './state-backend';
import { stackMonthlyEstimate } from './cost-estimate';

export interface EnvironmentStackProps {
  /** The validated configuration (see stacks/config.ts). */
  readonly config: Config;
  /** Key of `config.environments`, e.g. "production". */
  readonly environment: string;
  /** How the provider block is written. @default { kind: 'aws' } */
  readonly providerMode?: ProviderMode;
  /** Policy pack options; false disables it (only for tests of deliberately weakened configs). @default applied with the environment's levels */
  readonly policy?: Omit<PolicyOptions, 'environment'> | false;
}

/** Terraform variable that carries the CloudFront→ALB shared secret (never written into the JSON). */
export const ORIGIN_SECRET_VARIABLE = 'origin_verify_secret';
/** The secret being rotated out: the ALB accepts it too until CloudFront sends the new one everywhere. */
export const PREVIOUS_ORIGIN_SECRET_VARIABLE = 'origin_verify_secret_previous';

/** The secret CloudFront sends, and the values the ALB accepts (current, plus previous during a rotation). */
function originSecretVariables(scope: Construct): { current: string; accepted: string[] } {
  const current = new TerraformVariable(scope, ORIGIN_SECRET_VARIABLE, {
    type: 'string',
    sensitive: true,
    nullable: false,
    description: 'Shared secret CloudFront sends to the ALB in the X-Origin-Verify header (>= 32 characters). Set TF_VAR_origin_verify_secret.',
    validation: [{ condition: `\${length(var.${ORIGIN_SECRET_VARIABLE}) >= 32}`, errorMessage: 'origin_verify_secret must be at least 32 characters.' }],
  });
  // A list (default []): cdktf's HCL writer drops a `default = ""`, which would make the variable required there.
  const previous = new TerraformVariable(scope, PREVIOUS_ORIGIN_SECRET_VARIABLE, {
    type: 'list(string)',
    sensitive: true,
    nullable: false,
    default: [],
    description: 'During a rotation only: the secret being replaced, still accepted by the ALB until CloudFront has deployed the new one. Empty otherwise. Set TF_VAR_origin_verify_secret_previous=\'["<old secret>"]\'.',
    validation: [
      {
        condition: `\${length(var.${PREVIOUS_ORIGIN_SECRET_VARIABLE}) <= 1 && alltrue([for s in var.${PREVIOUS_ORIGIN_SECRET_VARIABLE} : length(s) >= 32])}`,
        errorMessage: 'origin_verify_secret_previous holds at most one secret of at least 32 characters.',
      },
    ],
  });
  return { current: current.stringValue, accepted: Fn.concat([[current.stringValue], previous.listValue]) };
}

/** One environment of the guide's architecture. Composes constructs; holds no resource logic. */
export class EnvironmentStack extends TerraformStack {
  /** What an operator should know about this stack (printed by main.ts at synth). */
  readonly warnings: string[] = [];

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const { config, environment } = props;
    const env = config.environments[environment];
    const names = namesFor(config, environment);

    const stateKey = env.backend.type === 's3' ? `${env.backend.keyPrefix || `${config.appName}/`}${environment}.tfstate` : undefined;
    if (env.backend.type === 's3') {
      new S3Backend(this, {
        bucket: env.backend.bucket,
        key: stateKey!,
        region: env.backend.region,
        encrypt: true,
      });
      // Terraform's own lock file next to the state (`<key>.tflock`, S3 conditional writes): no DynamoDB table.
      this.addOverride('terraform.backend.s3.use_lockfile', true);
    } else {
      // Outside the build folder, relative to the stack folder (see state-backend.ts).
      new LocalBackend(this, { path: localStatePath(id) });
    }

    const providers = new Providers(this, 'providers', {
      region: config.region,
      defaultTags: { Project: config.appName, Environment: environment, ManagedBy: 'cdktf' },
      mode: props.providerMode,
    });

    const originSecrets = env.loadBalancer.cloudfrontOnly ? originSecretVariables(this) : undefined;

    const encryption = new Encryption(this, 'encryption', { namePrefix: names.prefix, region: config.region });
    // us-east-1 resources (CloudFront alarms' topic, WAF logs) need a key in us-east-1.
    const edgeKeyArn =
      config.region === 'us-east-1'
        ? encryption.keyArn
        : new Encryption(this, 'edge-encryption', { namePrefix: `${names.prefix}-edge`, region: 'us-east-1', provider: providers.usEast1, purpose: 'CloudFront alarms topic, WAF logs (us-east-1)' }).keyArn;

    // With CI deploys, every role of the stack carries the boundary the deploy role requires.
    const gh = config.github;
    const boundary = gh.repository
      ? new PermissionsBoundary(this, 'github-boundary', { namePrefix: names.prefix, environment, region: config.region, accountId: encryption.accountId, ssmParameterPaths: [names.ssmPath, names.sourceUrlParameter] })
      : undefined;

    const network = new Network(this, 'network', {
      permissionsBoundary: boundary?.arn,
      namePrefix: names.prefix,
      cidr: env.network.cidr,
      availabilityZones: env.network.availabilityZones,
      natGatewayPerAz: env.network.natGatewayPerAz,
      flowLogRetentionDays: env.network.flowLogRetentionDays,
      kmsKeyArn: encryption.keyArn,
      region: config.region,
      accountId: encryption.accountId,
    });

    const albLogsBucketName = `${names.prefix}-alb-logs-${encryption.accountId}`;
    const albLogs = env.loadBalancer.accessLogs
      ? new PrivateBucket(this, 'alb-logs', {
          bucketName: albLogsBucketName,
          versioned: false,
          expireDays: env.network.flowLogRetentionDays,
          forceDestroy: env.forceDestroy,
          policyStatements: [albLogDeliveryStatement(config.region, `arn:aws:s3:::${albLogsBucketName}`, 'alb')],
        })
      : undefined;
    const assets = new PrivateBucket(this, 'assets', { bucketName: `${names.prefix}-assets-${encryption.accountId}`, versioned: true, intelligentTiering: true });
    const edgeLogs = env.edge.accessLogs
      ? new PrivateBucket(this, 'cdn-logs', {
          bucketName: `${names.prefix}-cdn-logs-${encryption.accountId}`,
          versioned: false,
          expireDays: env.edge.logRetentionDays,
          forceDestroy: env.forceDestroy,
          // CloudFront standard logging writes with an ACL grant it adds itself.
          objectOwnership: 'BucketOwnerPreferred',
        })
      : undefined;
    const webAcl = new WebAcl(this, 'web-acl', {
      namePrefix: names.prefix,
      provider: providers.usEast1,
      rateLimit: env.edge.wafRateLimit,
      logs: env.edge.accessLogs ? { retentionDays: env.edge.logRetentionDays, kmsKeyArn: edgeKeyArn, accountId: encryption.accountId } : undefined,
    });

    const zone = new HostedZone(this, 'zone', { domain: env.domain, existingZoneId: env.hostedZoneId });
    const edgeCertificate = new Certificate(this, 'edge-certificate', { domainName: env.domain, zoneId: zone.zoneId, provider: providers.usEast1 });
    // In us-east-1 the CloudFront certificate serves the ALB too.
    const regionalCertificate =
      config.region === 'us-east-1' ? edgeCertificate : new Certificate(this, 'regional-certificate', { domainName: env.domain, zoneId: zone.zoneId });

    const database = new Database(this, 'database', {
      permissionsBoundary: boundary?.arn,
      identifier: names.dbIdentifier,
      region: config.region,
      accountId: encryption.accountId,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      engineVersion: env.database.engineVersion,
      allowMajorVersionUpgrade: env.database.allowMajorVersionUpgrade,
      pendingUpgradeFrom: env.database.pendingUpgradeFrom,
      instanceClass: env.database.instanceClass,
      allocatedStorage: env.database.allocatedStorage,
      maxAllocatedStorage: env.database.maxAllocatedStorage,
      multiAz: env.database.multiAz,
      backupRetentionDays: env.database.backupRetentionDays,
      backupWindow: env.database.backupWindow,
      maintenanceWindow: env.database.maintenanceWindow,
      deletionProtection: env.database.deletionProtection,
      databaseName: env.database.name,
      username: env.database.username,
      performanceInsightsRetentionDays: env.database.performanceInsightsRetentionDays,
      monitoringIntervalSeconds: env.database.monitoringIntervalSeconds,
      logRetentionDays: env.database.logRetentionDays,
      logicalReplication: env.database.logicalReplication,
      appSecretName: names.appDatabaseSecret,
      logsKmsKeyArn: encryption.keyArn,
      // The app secret only: the storage key stays AWS-managed (changing it would replace the instance).
      secretsKmsKeyArn: encryption.keyArn,
    });
    if (!env.database.deletionProtection && env.database.deletionProtectionOffReason) {
      suppress(database.instance, 'VN-RDS-9', env.database.deletionProtectionOffReason);
    }

    const loadBalancer = new LoadBalancer(this, 'load-balancer', {
      namePrefix: names.prefix,
      vpcId: network.vpcId,
      vpcCidr: network.cidr,
      subnetIds: network.publicSubnetIds,
      certificateArn: regionalCertificate.certificateArn,
      targetPort: env.service.containerPort,
      healthCheckPath: env.service.healthCheckPath,
      sslPolicy: env.loadBalancer.sslPolicy,
      deletionProtection: env.loadBalancer.deletionProtection,
      cloudfrontOnly: originSecrets
        ? { prefixListId: env.edge.cloudfrontPrefixListId ?? CLOUDFRONT_ORIGIN_PREFIX_LISTS[config.region], originVerifySecrets: originSecrets.accepted }
        : undefined,
      originRecord: { zoneId: zone.zoneId, name: names.originHost },
      accessLogsBucket: albLogs?.bucketName,
    });

    const repository = new ContainerRepository(this, 'repository', {
      name: names.ecrRepository,
      kmsKeyArn: encryption.keyArn,
      forceDelete: env.forceDestroy,
      // Where the repository lived before the service construct was split in two.
      movedFrom: { repository: 'aws_ecr_repository.service_repository_EBF276BE', lifecycle: 'aws_ecr_lifecycle_policy.service_repository-lifecycle_5C61A57F' },
    });
    const service = new AutoscaledService(this, 'service', {
      permissionsBoundary: boundary?.arn,
      namePrefix: names.prefix,
      serviceName: names.service,
      region: config.region,
      accountId: repository.accountId,
      image: { repositoryUrl: repository.repositoryUrl, repositoryArn: repository.repositoryArn, tag: env.service.imageTag },
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      loadBalancerSecurityGroupId: loadBalancer.securityGroupId,
      targetGroupArn: loadBalancer.targetGroupArn,
      requestCountResourceLabel: `${loadBalancer.arnSuffix}/${loadBalancer.targetGroupArnSuffix}`,
      database: {
        port: database.port,
        securityGroupId: database.securityGroupId,
        source: env.sourceDatabase,
        // one writer: web stages use the source (SSM), rds the app role's secret (stacks/app-database.ts)
        settings: appDatabaseSettings(env.cutover.stage, { ssmArnPrefix: ssmParameterArnPrefix(config.region, repository.accountId, names.ssmPath), appSecretArn: database.appSecretArn }),
        secretArns: databaseOfRecord(env.cutover.stage) === 'rds' ? [database.appSecretArn] : [],
      },
      ssmPath: names.ssmPath,
      ssmSecrets: env.service.ssmSecrets,
      environment: { ...env.service.environment, METRICS_NAMESPACE: businessMetricsNamespace(config, environment) },
      cpu: env.service.cpu,
      memory: env.service.memory,
      minTasks: env.service.minTasks,
      maxTasks: env.service.maxTasks,
      cpuTargetPercent: env.service.cpuTargetPercent,
      requestsPerTarget: env.service.requestsPerTarget,
      containerPort: env.service.containerPort,
      logRetentionDays: env.service.logRetentionDays,
      readonlyRootFilesystem: env.service.readonlyRootFilesystem,
      kmsKeyArn: encryption.keyArn,
      assetsBucket: { name: assets.bucketName, arn: assets.bucketArn },
      dependsOn: [loadBalancer.httpsListener, ...(loadBalancer.forwardRule ? [loadBalancer.forwardRule] : [])],
    });
    database.allowConnectionsFrom('from-service', service.securityGroupId, 'PostgreSQL from the ECS service');

    // The migration runner: one-off toolkit tasks inside the VPC (npm run remote).
    const toolkit = env.runner.enabled ? new ContainerRepository(this, 'toolkit-repository', { name: names.toolkitRepository, kmsKeyArn: encryption.keyArn, forceDelete: env.forceDestroy }) : undefined;
    const runner = toolkit
      ? new MigrationRunner(this, 'runner', {
          permissionsBoundary: boundary?.arn,
          namePrefix: names.prefix,
          region: config.region,
          accountId: repository.accountId,
          vpcId: network.vpcId,
          subnetIds: network.privateSubnetIds,
          database: { host: database.endpointAddress, port: database.port, name: database.databaseName, securityGroupId: database.securityGroupId, secretArn: database.masterSecretArn },
          sourceUrlParameter: names.sourceUrlParameter,
          dayRecordParameter: names.dayRecordParameter,
          image: { repositoryUrl: toolkit.repositoryUrl, repositoryArn: toolkit.repositoryArn, tag: env.service.imageTag ?? BOOTSTRAP_TAG },
          cpu: env.runner.cpu,
          memory: env.runner.memory,
          source: { cidrs: env.runner.sourceCidrs ?? env.sourceDatabase.cidrs, port: env.sourceDatabase.port },
          logRetentionDays: env.runner.logRetentionDays,
          kmsKeyArn: encryption.keyArn,
        })
      : undefined;
    if (runner) database.allowConnectionsFrom('from-runner', runner.securityGroupId, 'PostgreSQL from the migration runner');

    // GitHub Actions through OIDC: a deploy role for one repository and one environment or branch.
    const providerStack = gh.oidcProviderEnvironment ?? ('production' in config.environments ? 'production' : Object.keys(config.environments)[0]);
    const deploy = gh.repository && boundary
      ? new GithubDeploy(this, 'github', {
          namePrefix: names.prefix,
          environment,
          region: config.region,
          accountId: encryption.accountId,
          repository: gh.repository,
          trust: gh.trust === 'environment' ? { environment } : { branch: gh.branch },
          workflowBranch: gh.branch,
          oidcProviderArn: gh.oidcProviderArn,
          createProvider: !gh.oidcProviderArn && environment === providerStack,
          boundary,
          stateBackend: env.backend.type === 's3' ? { bucket: env.backend.bucket, key: stateKey!, region: env.backend.region } : undefined,
          planRole: gh.planRole,
          // Production deploys the image staging tested (copied by digest, never rebuilt).
          promoteFrom: environment === 'production' && 'staging' in config.environments ? namesFor(config, 'staging').prefix : undefined,
        })
      : undefined;

    const edge = new Edge(this, 'edge', {
      aliases: [names.apex, names.www, names.testHost],
      certificateArn: edgeCertificate.certificateArn,
      originDomainName: names.originHost,
      originVerify: originSecrets ? { header: ORIGIN_VERIFY_HEADER, value: originSecrets.current } : undefined,
      staticPathPattern: env.edge.staticPathPattern,
      priceClass: env.edge.priceClass,
      ipv6: env.edge.ipv6,
      minimumProtocolVersion: env.edge.minimumProtocolVersion,
      webAclArn: webAcl.arn,
      logsBucketDomainName: edgeLogs?.bucketDomainName,
      comment: `${names.prefix} CDN`,
    });

    const observability = new Observability(this, 'observability', {
      namePrefix: names.prefix,
      environment,
      region: config.region,
      usEast1Provider: providers.usEast1,
      ecs: { clusterName: service.clusterName, serviceName: service.serviceName },
      alb: { arnSuffix: loadBalancer.arnSuffix, targetGroupArnSuffix: loadBalancer.targetGroupArnSuffix },
      accountId: encryption.accountId,
      rds: {
        identifier: names.dbIdentifier,
        allocatedStorageGb: env.database.allocatedStorage,
        maxAllocatedStorageGb: env.database.maxAllocatedStorage,
        // The schema guarantees one of the two (a known class or an explicit value).
        maxConnections: env.database.maxConnections ?? defaultMaxConnections(env.database.instanceClass)!,
      },
      cloudfrontDistributionId: edge.distributionId,
      minHealthyHosts: env.service.minTasks,
      alertEmails: env.budget.alertEmails,
      budgetThresholdsUsd: env.budget.thresholdsUsd,
      budgetEstimateUsd: () => stackMonthlyEstimate(this, { exclude: ['aws_budgets_budget'], serviceTasks: env.service.minTasks, region: config.region }),
      kmsKeyArn: encryption.keyArn,
      usEast1KmsKeyArn: edgeKeyArn,
      businessMetrics: { namespace: businessMetricsNamespace(config, environment) },
    });
    this.warnings.push(...observability.warnings);

    new ZoneRecords(this, 'zone-records', {
      zoneId: zone.zoneId,
      domain: env.domain,
      records: env.dns.records,
      delegations: this.delegations(config, environment),
      takeOverExisting: Boolean(env.hostedZoneId),
    });

    const weights = cutoverWeights(env.cutover);
    new CutoverDns(this, 'cutover', {
      zoneId: zone.zoneId,
      apex: names.apex,
      www: names.www,
      testHost: names.testHost,
      cloudfront: { domainName: edge.domainName, hostedZoneId: edge.hostedZoneId },
      weights,
      vercelApexIps: env.cutover.vercelApexIps,
      vercelCname: env.cutover.vercelCname,
      ttl: env.cutover.ttl,
      ipv6: env.edge.ipv6,
      takeOverExisting: Boolean(env.hostedZoneId),
    });

    const outputs: Record<string, { value: unknown; description: string; sensitive?: boolean }> = {
      alb_dns_name: { value: loadBalancer.dnsName, description: 'ALB DNS name (reachable only from CloudFront when cloudfrontOnly)' },
      cloudfront_domain_name: { value: edge.domainName, description: 'CloudFront distribution domain' },
      cloudfront_distribution_id: { value: edge.distributionId, description: 'CloudFront distribution id (for invalidations)' },
      rds_endpoint: { value: database.endpointAddress, description: 'RDS PostgreSQL host name' },
      rds_master_secret_arn: { value: database.masterSecretArn, description: 'Secrets Manager secret holding the RDS master credentials' },
      ecr_repository_url: { value: repository.repositoryUrl, description: 'ECR repository to push images to' },
      ecs_cluster_name: { value: service.clusterName, description: 'ECS cluster' },
      ecs_service_name: { value: service.serviceName, description: 'ECS service' },
      hosted_zone_id: { value: zone.zoneId, description: 'Route 53 zone id' },
      name_servers: { value: zone.nameServers, description: 'Name servers to delegate the domain to (empty for an existing zone)' },
      ssm_path: { value: names.ssmPath, description: 'SSM Parameter Store path the app secrets live under (npm run env:sync)' },
      test_url: { value: `https://${names.testHost}/`, description: 'Always-AWS host to validate before moving weight' },
      kms_key_alias: { value: encryption.aliasName, description: 'KMS key for SSM SecureString parameters (npm run env:sync -- --kms-key-id <alias>)' },
      assets_bucket: { value: assets.bucketName, description: 'Private S3 bucket for uploads (ASSETS_BUCKET in the task)' },
      alerts_topic_arn: { value: observability.topicArn, description: 'SNS topic of every alarm and budget alert' },
      dashboard_url: { value: `https://${config.region}.console.aws.amazon.com/cloudwatch/home?region=${config.region}#dashboards:name=${names.prefix}`, description: 'CloudWatch dashboard' },
      cutover_weights: { value: { stage: env.cutover.stage, aws: weights.aws, vercel: weights.vercel }, description: 'Current Route 53 weights (AWS vs Vercel)' },
      image_tag: { value: env.service.imageTag ?? BOOTSTRAP_TAG, description: `Image tag the app and the runner run ("${BOOTSTRAP_TAG}": none yet, the service runs 0 tasks)` },
      service_min_tasks: { value: env.service.minTasks, description: 'Desired count a deploy leaving bootstrap sets (the autoscaling floor)' },
    };
    if (toolkit && runner) {
      outputs.toolkit_repository_url = { value: toolkit.repositoryUrl, description: 'ECR repository of the toolkit image (Dockerfile) the runner runs' };
      outputs.migration_runner = {
        value: { cluster: service.clusterName, task_definition: runner.taskDefinitionFamily, subnets: network.privateSubnetIds, security_groups: [runner.securityGroupId], container: runner.containerName, log_group: runner.logGroupName, log_stream_prefix: runner.logStreamPrefix, region: config.region, source_url_parameter: names.sourceUrlParameter },
        description: 'Where npm run remote runs the toolkit: cluster, task definition family, private subnets, security group, log group',
      };
    }
    if (deploy) {
      outputs.github_deploy_role_arn = { value: deploy.deployRoleArn, description: 'Role the deploy workflow assumes (vars.AWS_DEPLOY_ROLE_ARN)' };
      if (deploy.planRoleArn) outputs.github_plan_role_arn = { value: deploy.planRoleArn, description: 'Read-only role the pull-request workflow assumes (vars.AWS_PLAN_ROLE_ARN)' };
    }
    for (const [name, o] of Object.entries(outputs)) new TerraformOutput(this, name, o);

    if (props.policy !== false) applyPolicyPack(this, { environment, ...props.policy });
  }

  /**
   * Other environments whose domain lies under this one's and that have their own zone
   * (e.g. `staging.` under production): delegated by NS records once their name servers
   * are in the config; until then a warning says how.
   */
  private delegations(config: Config, environment: string): Delegation[] {
    const domain = config.environments[environment].domain;
    const out: Delegation[] = [];
    for (const [name, other] of Object.entries(config.environments)) {
      if (name === environment || !other.domain.endsWith(`.${domain}`) || other.hostedZoneId) continue;
      if (other.dns.nameServers.length > 0) out.push({ domain: other.domain, nameServers: other.dns.nameServers });
      else this.warnings.push(`${other.domain} is not delegated from ${domain} yet: apply ${name}, then set environments.${name}.dns.nameServers to its name_servers output and apply ${environment} (README: "Zone and delegation")`);
    }
    return out;
  }
}
