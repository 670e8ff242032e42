import { Construct } from 'constructs';
import { Fn, LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { awaitingDelegation, BOOTSTRAP_TAG, businessMetricsNamespace, Config, cutoverWeights, databaseOfRecord, listenerWeights, namesFor, standbyRuns, taskRange } from './config';
import { Certificate } from './certificate';
import { DELEGATION_OUTPUT, DELEGATION_PENDING } from './delegation-output';
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
import { databaseSettings } from './app-database';
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
import { ORIGIN_SECRET_VARIABLE, PREVIOUS_ORIGIN_SECRET_VARIABLE } from './variables';

export interface EnvironmentStackProps {
  /** The validated configuration (see stacks/config/). */
  readonly config: Config;
  /** Key of `config.environments`, e.g. "production". */
  readonly environment: string;
  /** How the provider block is written. @default { kind: 'aws' } */
  readonly providerMode?: ProviderMode;
  /** Policy pack options; false disables it (only for tests of deliberately weakened configs). @default applied with the environment's levels */
  readonly policy?: Omit<PolicyOptions, 'environment'> | false;
}

export { ORIGIN_SECRET_VARIABLE, PREVIOUS_ORIGIN_SECRET_VARIABLE };

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

/** What every area of the stack reads: the config, this environment's part of it, and its names. */
interface Area {
  readonly config: Config;
  readonly env: Config['environments'][string];
  readonly environment: string;
  readonly names: ReturnType<typeof namesFor>;
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
    const area: Area = { config, env, environment, names };

    const stateKey = this.backend(area, id);

    const providers = new Providers(this, 'providers', {
      region: config.region,
      defaultTags: { Project: config.appName, Environment: environment, ManagedBy: 'cdktf' },
      mode: props.providerMode,
    });

    if (awaitingDelegation(env)) {
      this.zoneOnly(area);
      if (props.policy !== false) applyPolicyPack(this, { environment, ...props.policy });
      return;
    }

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

    const { albLogs, assets, edgeLogs } = this.buckets(area, encryption.accountId);
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

    const database = this.database(area, network.vpcId, network.privateSubnetIds, encryption, boundary?.arn);

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
      standby: standbyRuns(env.cutover.stage) ? { weights: listenerWeights(env.cutover.stage) } : undefined,
    });

    const repository = new ContainerRepository(this, 'repository', {
      name: names.ecrRepository,
      kmsKeyArn: encryption.keyArn,
      forceDelete: env.forceDestroy,
      // Where the repository lived before the service construct was split in two.
      movedFrom: { repository: 'aws_ecr_repository.service_repository_EBF276BE', lifecycle: 'aws_ecr_lifecycle_policy.service_repository-lifecycle_5C61A57F' },
    });
    const serviceDeps = { network, loadBalancer, repository, database, boundaryArn: boundary?.arn, kmsKeyArn: encryption.keyArn, assets };
    const sourceService = this.service(area, serviceDeps, 'source');
    database.allowConnectionsFrom('from-service', sourceService.securityGroupId, 'PostgreSQL from the ECS service');
    // At ready and rds the RDS-side service runs too (connected, health-checked, taking requests only at rds).
    const rdsService = standbyRuns(env.cutover.stage) ? this.service(area, serviceDeps, 'rds', sourceService) : undefined;
    if (rdsService) database.allowConnectionsFrom('from-service-rds', rdsService.securityGroupId, 'PostgreSQL from the RDS-side ECS service');
    // The service taking requests: what the alarms and the outputs watch.
    const service = rdsService && databaseOfRecord(env.cutover.stage) === 'rds' ? rdsService : sourceService;

    // The migration runner: one-off toolkit tasks inside the VPC (npm run remote).
    const { toolkit, runner } = this.runner(area, { network, database, repository, boundaryArn: boundary?.arn, kmsKeyArn: encryption.keyArn });

    // GitHub Actions through OIDC: a deploy role for one repository and one environment or branch.
    const deploy = boundary ? this.githubDeploy(area, boundary, encryption.accountId, stateKey) : undefined;

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

    const observability = this.observability(area, { service, rdsService, loadBalancer, edge, encryption, edgeKeyArn, usEast1: providers.usEast1 });

    const weights = this.zoneRecords(area, zone.zoneId, { domainName: edge.domainName, hostedZoneId: edge.hostedZoneId });

    this.outputs(area, { loadBalancer, edge, database, repository, service, sourceService, rdsService, zone, encryption, assets, observability, weights, toolkit, runner, deploy, network });

    if (props.policy !== false) applyPolicyPack(this, { environment, ...props.policy });
  }

  /**
   * The first apply of a new zone: the zone, the records carried into it and the Vercel side of the
   * cutover records (so nothing the domain serves today is missing the moment it is delegated), and
   * its name servers. The rest waits for `dns.delegated`: ACM validates through this zone and would
   * wait 75 minutes, then fail, on a zone nobody is delegated to. Same construct ids as the full
   * stack, so the second apply adds to these resources and replaces none.
   */
  private zoneOnly(a: Area): void {
    const { config, env, environment } = a;
    const zone = new HostedZone(this, 'zone', { domain: env.domain });
    this.zoneRecords(a, zone.zoneId);
    new TerraformOutput(this, 'hosted_zone_id', { value: zone.zoneId, description: 'Route 53 zone id' });
    new TerraformOutput(this, 'name_servers', { value: zone.nameServers, description: 'Name servers to delegate the domain to' });
    new TerraformOutput(this, DELEGATION_OUTPUT, { value: DELEGATION_PENDING, description: 'pending: only the zone exists; delegate the domain to name_servers, then set dns.delegated and apply again' });
    const parent = Object.entries(config.environments).find(([n, o]) => n !== environment && env.domain.endsWith(`.${o.domain}`))?.[0];
    const where = parent ? `publish them from ${parent} (set environments.${environment}.dns.nameServers, apply ${parent})` : `at the registrar, set ${env.domain}'s name servers to them and put them into environments.${environment}.dns.nameServers`;
    this.warnings.push(
      `${env.domain}: a new Route 53 zone, not delegated yet (environments.${environment}.dns.delegated is false), so this stack holds only the zone and its records. ` +
        `Apply it, read terraform output name_servers, ${where}; when npm run dns:check -- --env ${environment} --delegation says OK, set environments.${environment}.dns.delegated to true and apply again (README: "Zone and delegation")`,
    );
  }

  /**
   * The zone's records: the carried `dns.records`, the NS records of delegated sub-domains, and the
   * weighted cutover records (only their Vercel side without `cloudfront`, the zone-only first
   * apply). One place for both applies, so the second keeps the first's records as they are.
   */
  private zoneRecords(a: Area, zoneId: string, cloudfront?: { domainName: string; hostedZoneId: string }): { aws: number; vercel: number } {
    const { config, env, environment, names } = a;
    const takeOverExisting = Boolean(env.hostedZoneId);
    new ZoneRecords(this, 'zone-records', { zoneId, domain: env.domain, records: env.dns.records, delegations: this.delegations(config, environment), takeOverExisting });
    const weights = cutoverWeights(env.cutover);
    new CutoverDns(this, 'cutover', {
      zoneId,
      apex: names.apex,
      www: names.www,
      testHost: names.testHost,
      cloudfront,
      weights,
      vercelApexIps: env.cutover.vercelApexIps,
      vercelCname: env.cutover.vercelCname,
      ttl: env.cutover.ttl,
      ipv6: env.edge.ipv6,
      takeOverExisting,
    });
    return weights;
  }

  /** The state backend: S3 with Terraform's lock file (the default), or a local file. Returns the S3 key. */
  private backend(a: Area, id: string): string | undefined {
    const { config, env, environment } = a;
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
    return stateKey;
  }

  /** Private buckets: ALB access logs, the app's assets, CloudFront standard logs. */
  private buckets(a: Area, accountId: string): { albLogs?: PrivateBucket; assets: PrivateBucket; edgeLogs?: PrivateBucket } {
    const { config, env, names } = a;
    const albLogsBucketName = `${names.prefix}-alb-logs-${accountId}`;
    const albLogs = env.loadBalancer.accessLogs
      ? new PrivateBucket(this, 'alb-logs', {
          bucketName: albLogsBucketName,
          versioned: false,
          expireDays: env.network.flowLogRetentionDays,
          forceDestroy: env.forceDestroy,
          policyStatements: [albLogDeliveryStatement(config.region, `arn:aws:s3:::${albLogsBucketName}`, 'alb')],
        })
      : undefined;
    const assets = new PrivateBucket(this, 'assets', { bucketName: `${names.prefix}-assets-${accountId}`, versioned: true, intelligentTiering: true });
    const edgeLogs = env.edge.accessLogs
      ? new PrivateBucket(this, 'cdn-logs', {
          bucketName: `${names.prefix}-cdn-logs-${accountId}`,
          versioned: false,
          expireDays: env.edge.logRetentionDays,
          forceDestroy: env.forceDestroy,
          // CloudFront standard logging writes with an ACL grant it adds itself.
          objectOwnership: 'BucketOwnerPreferred',
        })
      : undefined;
    return { albLogs, assets, edgeLogs };
  }

  /** The GitHub OIDC provider (in one stack), deploy and plan roles, when `github.repository` is set. */
  private githubDeploy(a: Area, boundary: PermissionsBoundary, accountId: string, stateKey: string | undefined): GithubDeploy | undefined {
    const { config, env, environment, names } = a;
    const gh = config.github;
    const providerStack = gh.oidcProviderEnvironment ?? ('production' in config.environments ? 'production' : Object.keys(config.environments)[0]);
    const deploy = gh.repository
      ? new GithubDeploy(this, 'github', {
          namePrefix: names.prefix,
          environment,
          region: config.region,
          accountId,
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
    return deploy;
  }

  /** RDS PostgreSQL, its app secret, and the policy pack's reasoned opt-out of deletion protection. */
  private database(a: Area, vpcId: string, subnetIds: string[], encryption: Encryption, permissionsBoundary?: string): Database {
    const { config, env, names } = a;
    const database = new Database(this, 'database', {
      permissionsBoundary: permissionsBoundary,
      identifier: names.dbIdentifier,
      region: config.region,
      accountId: encryption.accountId,
      vpcId: vpcId,
      subnetIds: subnetIds,
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
    return database;
  }

  /**
   * The app on ECS Fargate behind the ALB, one service per database: `source` (the source's
   * settings, at every stage) and, at `ready` and `rds`, `rds` (the app role's RDS settings, in the
   * same cluster, behind its own target group). Which one takes requests is the listener's weights
   * (stacks/config/stages.ts listenerWeights): never both.
   */
  private service(a: Area, d: { network: Network; loadBalancer: LoadBalancer; repository: ContainerRepository; database: Database; boundaryArn?: string; kmsKeyArn: string; assets: PrivateBucket }, side: 'source' | 'rds', first?: AutoscaledService): AutoscaledService {
    const { config, env, environment, names } = a;
    const rds = side === 'rds';
    const targetGroup = rds ? { arn: d.loadBalancer.rdsTargetGroupArn!, suffix: d.loadBalancer.rdsTargetGroupArnSuffix! } : { arn: d.loadBalancer.targetGroupArn, suffix: d.loadBalancer.targetGroupArnSuffix };
    // At rds-only the idle source side keeps its service and target group, scaled to zero tasks.
    const range = taskRange(env.cutover.stage, side, env.service);
    const service = new AutoscaledService(this, rds ? 'service-rds' : 'service', {
      ...(rds ? { side: 'rds', cluster: first ? { name: first.clusterName, arn: first.clusterArn } : undefined } : {}),
      permissionsBoundary: d.boundaryArn,
      namePrefix: names.prefix,
      serviceName: rds ? names.rdsService : names.service,
      region: config.region,
      accountId: d.repository.accountId,
      image: { repositoryUrl: d.repository.repositoryUrl, repositoryArn: d.repository.repositoryArn, tag: env.service.imageTag },
      vpcId: d.network.vpcId,
      subnetIds: d.network.privateSubnetIds,
      loadBalancerSecurityGroupId: d.loadBalancer.securityGroupId,
      targetGroupArn: targetGroup.arn,
      requestCountResourceLabel: `${d.loadBalancer.arnSuffix}/${targetGroup.suffix}`,
      database: {
        port: d.database.port,
        securityGroupId: d.database.securityGroupId,
        source: env.sourceDatabase,
        // the source side reads the source (SSM), the rds side the app role's secret (stacks/app-database.ts)
        settings: databaseSettings(side, { ssmArnPrefix: ssmParameterArnPrefix(config.region, d.repository.accountId, names.ssmPath), appSecretArn: d.database.appSecretArn }),
        secretArns: rds ? [d.database.appSecretArn] : [],
      },
      ssmPath: names.ssmPath,
      ssmSecrets: env.service.ssmSecrets,
      environment: { ...env.service.environment, METRICS_NAMESPACE: businessMetricsNamespace(config, environment) },
      cpu: env.service.cpu,
      memory: env.service.memory,
      minTasks: range.min,
      maxTasks: range.max,
      cpuTargetPercent: env.service.cpuTargetPercent,
      requestsPerTarget: env.service.requestsPerTarget,
      containerPort: env.service.containerPort,
      logRetentionDays: env.service.logRetentionDays,
      readonlyRootFilesystem: env.service.readonlyRootFilesystem,
      kmsKeyArn: d.kmsKeyArn,
      assetsBucket: { name: d.assets.bucketName, arn: d.assets.bucketArn },
      dependsOn: [d.loadBalancer.httpsListener, ...(d.loadBalancer.forwardRule ? [d.loadBalancer.forwardRule] : [])],
    });
    return service;
  }

  /** The migration runner and its image repository (when `runner.enabled`). */
  private runner(a: Area, d: { network: Network; database: Database; repository: ContainerRepository; boundaryArn?: string; kmsKeyArn: string }): { toolkit?: ContainerRepository; runner?: MigrationRunner } {
    const { config, env, names } = a;
    const toolkit = env.runner.enabled ? new ContainerRepository(this, 'toolkit-repository', { name: names.toolkitRepository, kmsKeyArn: d.kmsKeyArn, forceDelete: env.forceDestroy }) : undefined;
    const runner = toolkit
      ? new MigrationRunner(this, 'runner', {
          permissionsBoundary: d.boundaryArn,
          namePrefix: names.prefix,
          region: config.region,
          accountId: d.repository.accountId,
          vpcId: d.network.vpcId,
          subnetIds: d.network.privateSubnetIds,
          database: { host: d.database.endpointAddress, port: d.database.port, name: d.database.databaseName, securityGroupId: d.database.securityGroupId, secretArn: d.database.masterSecretArn },
          sourceUrlParameter: names.sourceUrlParameter,
          dayRecordParameter: names.dayRecordParameter,
          image: { repositoryUrl: toolkit.repositoryUrl, repositoryArn: toolkit.repositoryArn, tag: env.service.imageTag ?? BOOTSTRAP_TAG },
          cpu: env.runner.cpu,
          memory: env.runner.memory,
          source: { cidrs: env.runner.sourceCidrs ?? env.sourceDatabase.cidrs, port: env.sourceDatabase.port },
          logRetentionDays: env.runner.logRetentionDays,
          kmsKeyArn: d.kmsKeyArn,
        })
      : undefined;
    if (runner) d.database.allowConnectionsFrom('from-runner', runner.securityGroupId, 'PostgreSQL from the migration runner');
    return { toolkit, runner };
  }

  /** Alarms, dashboard, alerts topic and budget (thresholds from the stack's own estimate). */
  private observability(a: Area, d: { service: AutoscaledService; rdsService?: AutoscaledService; loadBalancer: LoadBalancer; edge: Edge; encryption: Encryption; edgeKeyArn: string; usEast1: Providers['usEast1'] }): Observability {
    const { config, env, environment, names } = a;
    const observability = new Observability(this, 'observability', {
      namePrefix: names.prefix,
      environment,
      region: config.region,
      usEast1Provider: d.usEast1,
      ecs: { clusterName: d.service.clusterName, serviceName: d.service.serviceName },
      alb: { arnSuffix: d.loadBalancer.arnSuffix, targetGroupArnSuffix: d.service === d.rdsService ? d.loadBalancer.rdsTargetGroupArnSuffix! : d.loadBalancer.targetGroupArnSuffix },
      accountId: d.encryption.accountId,
      rds: {
        identifier: names.dbIdentifier,
        allocatedStorageGb: env.database.allocatedStorage,
        maxAllocatedStorageGb: env.database.maxAllocatedStorage,
        // The schema guarantees one of the two (a known class or an explicit value).
        maxConnections: env.database.maxConnections ?? defaultMaxConnections(env.database.instanceClass)!,
      },
      cloudfrontDistributionId: d.edge.distributionId,
      minHealthyHosts: env.service.minTasks,
      alertEmails: env.budget.alertEmails,
      budgetThresholdsUsd: env.budget.thresholdsUsd,
      budgetEstimateUsd: () => stackMonthlyEstimate(this, { exclude: ['aws_budgets_budget'], region: config.region }),
      kmsKeyArn: d.encryption.keyArn,
      usEast1KmsKeyArn: d.edgeKeyArn,
      businessMetrics: { namespace: businessMetricsNamespace(config, environment) },
    });
    this.warnings.push(...observability.warnings);
    return observability;
  }

  /** The stack's outputs (what the scripts and the operator read after an apply). */
  private outputs(
    a: Area,
    d: { loadBalancer: LoadBalancer; edge: Edge; database: Database; repository: ContainerRepository; service: AutoscaledService; sourceService: AutoscaledService; rdsService?: AutoscaledService; zone: HostedZone; encryption: Encryption; assets: PrivateBucket; observability: Observability; weights: { aws: number; vercel: number }; toolkit?: ContainerRepository; runner?: MigrationRunner; deploy?: GithubDeploy; network: Network },
  ): void {
    const { config, env, names } = a;
    const outputs: Record<string, { value: unknown; description: string; sensitive?: boolean }> = {
      alb_dns_name: { value: d.loadBalancer.dnsName, description: 'ALB DNS name (reachable only from CloudFront when cloudfrontOnly)' },
      cloudfront_domain_name: { value: d.edge.domainName, description: 'CloudFront distribution domain' },
      cloudfront_distribution_id: { value: d.edge.distributionId, description: 'CloudFront distribution id (for invalidations)' },
      rds_endpoint: { value: d.database.endpointAddress, description: 'RDS PostgreSQL host name' },
      rds_master_secret_arn: { value: d.database.masterSecretArn, description: 'Secrets Manager secret holding the RDS master credentials' },
      ecr_repository_url: { value: d.repository.repositoryUrl, description: 'ECR repository to push images to' },
      ecs_cluster_name: { value: d.service.clusterName, description: 'ECS cluster' },
      ecs_service_name: { value: d.service.serviceName, description: 'ECS service taking requests (the RDS-side one at stage rds)' },
      ecs_service_names: { value: [d.sourceService, ...(d.rdsService ? [d.rdsService] : [])].map((x) => x.serviceName).join(' '), description: 'Every ECS service of the app, space-separated (the source side; at ready and rds the RDS side too)' },
      hosted_zone_id: { value: d.zone.zoneId, description: 'Route 53 zone id' },
      name_servers: { value: d.zone.nameServers, description: 'Name servers to delegate the domain to (empty for an existing zone)' },
      ssm_path: { value: names.ssmPath, description: 'SSM Parameter Store path the app secrets live under (npm run env:sync)' },
      test_url: { value: `https://${names.testHost}/`, description: 'Always-AWS host to validate before moving weight' },
      kms_key_alias: { value: d.encryption.aliasName, description: 'KMS key for SSM SecureString parameters (npm run env:sync -- --kms-key-id <alias>)' },
      assets_bucket: { value: d.assets.bucketName, description: 'Private S3 bucket for uploads (ASSETS_BUCKET in the task)' },
      alerts_topic_arn: { value: d.observability.topicArn, description: 'SNS topic of every alarm and budget alert' },
      dashboard_url: { value: `https://${config.region}.console.aws.amazon.com/cloudwatch/home?region=${config.region}#dashboards:name=${names.prefix}`, description: 'CloudWatch dashboard' },
      cutover_weights: { value: { stage: env.cutover.stage, aws: d.weights.aws, vercel: d.weights.vercel }, description: 'Current Route 53 weights (AWS vs Vercel)' },
      image_tag: { value: env.service.imageTag ?? BOOTSTRAP_TAG, description: `Image tag the app and the runner run ("${BOOTSTRAP_TAG}": none yet, the service runs 0 tasks)` },
      service_min_tasks: { value: env.service.minTasks, description: 'Desired count a deploy leaving bootstrap sets (the autoscaling floor)' },
    };
    if (d.toolkit && d.runner) {
      outputs.toolkit_repository_url = { value: d.toolkit.repositoryUrl, description: 'ECR repository of the toolkit image (Dockerfile) the runner runs' };
      outputs.migration_runner = {
        value: { cluster: d.service.clusterName, task_definition: d.runner.taskDefinitionFamily, subnets: d.network.privateSubnetIds, security_groups: [d.runner.securityGroupId], container: d.runner.containerName, log_group: d.runner.logGroupName, log_stream_prefix: d.runner.logStreamPrefix, region: config.region, source_url_parameter: names.sourceUrlParameter },
        description: 'Where npm run remote runs the toolkit: cluster, task definition family, private subnets, security group, log group',
      };
    }
    if (d.deploy) {
      outputs.github_deploy_role_arn = { value: d.deploy.deployRoleArn, description: 'Role the deploy workflow assumes (vars.AWS_DEPLOY_ROLE_ARN)' };
      if (d.deploy.planRoleArn) outputs.github_plan_role_arn = { value: d.deploy.planRoleArn, description: 'Read-only role the pull-request workflow assumes (vars.AWS_PLAN_ROLE_ARN)' };
    }
    for (const [name, o] of Object.entries(outputs)) new TerraformOutput(this, name, o);
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
