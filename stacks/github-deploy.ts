import { Construct } from 'constructs';
import { jsonDocument } from './json-document';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';

/** GitHub Actions' OIDC issuer (host part of the provider ARN and of the claim keys). */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/**
 * Certificate thumbprints GitHub published for its issuer (github.blog changelog, 2023-06-27).
 * AWS validates this issuer against its own CA library and ignores them; some tools still require a value.
 */
export const GITHUB_OIDC_THUMBPRINTS = ['6938fd4d98bab03faadb97b34396831e3780aea1', '1c58a3a8518e8759bf075b76b750d4f2df264fcd'];

/** The reusable workflow that deploys one stack (the deploy role trusts only jobs of this file). */
export const DEPLOY_WORKFLOW = '.github/workflows/deploy-environment.yml';
/** The workflow whose pull-request jobs may assume the plan role. */
export const PLAN_WORKFLOW = '.github/workflows/pull-request.yml';

/** Who may assume the deploy role: workflows of one repository, from one GitHub environment or one branch. */
export type DeployTrust = { readonly environment: string } | { readonly branch: string };

/** The tag every resource of a stack carries (provider default_tags): the deploy role's scope where names cannot be. */
export const ENVIRONMENT_TAG = 'Environment';

/** Services the AWS service roles of the stack are for (iam:PassRole is limited to them). */
export const PASSED_TO_SERVICES = ['ecs-tasks.amazonaws.com', 'monitoring.rds.amazonaws.com', 'vpc-flow-logs.amazonaws.com'];

/** Service-linked roles the stack's services create on first use. */
export const SERVICE_LINKED_ROLES = ['ecs.amazonaws.com', 'rds.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'ecs.application-autoscaling.amazonaws.com'];

export interface PermissionsBoundaryProps {
  /** e.g. `venture-nudge-production`: the policy is `<namePrefix>-boundary` and bounds what the stack's service roles can reach. */
  readonly namePrefix: string;
  /** Environment (value of the `Environment` tag), e.g. `production`. */
  readonly environment: string;
  readonly region: string;
  readonly accountId: string;
  /** SSM path the app reads (`/<app>/<env>/`) and the runner's source-URL parameter. */
  readonly ssmParameterPaths: string[];
}

/**
 * The permissions boundary every role the deploy role creates must carry: the most any service
 * role of one environment may do (pull its images, write logs, read its parameters and secrets,
 * decrypt with its key, use its buckets, ECS Exec). No IAM, STS or account-wide action, so a
 * role created with `*:*` inside the boundary is still only this. Created by an administrator's
 * first apply; the deploy role cannot change or delete it.
 */
export class PermissionsBoundary extends Construct {
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryProps) {
    super(scope, id);
    const { accountId: a, region: r, namePrefix: p } = props;
    this.name = `${p}-boundary`;
    const policy = new IamPolicy(this, 'policy', {
      name: this.name,
      description: `Permissions boundary of every role ${p} creates (required by the GitHub deploy role)`,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'EcrToken', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
          { Sid: 'EcrPull', Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: [`arn:aws:ecr:${r}:${a}:repository/${p}`, `arn:aws:ecr:${r}:${a}:repository/${p}-*`] },
          {
            Sid: 'Logs',
            Effect: 'Allow',
            Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:PutRetentionPolicy', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
            Resource: `arn:aws:logs:${r}:${a}:log-group:*`,
          },
          { Sid: 'Parameters', Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:GetParameter'], Resource: props.ssmParameterPaths.map((path) => `arn:aws:ssm:${r}:${a}:parameter${path}${path.endsWith('/') ? '*' : ''}`) },
          { Sid: 'Secrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [`arn:aws:secretsmanager:${r}:${a}:secret:${p}/*`, `arn:aws:secretsmanager:${r}:${a}:secret:rds!*`] },
          { Sid: 'Decrypt', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: `arn:aws:kms:${r}:${a}:key/*`, Condition: { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: props.environment } } },
          { Sid: 'Buckets', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::${p}-*`, `arn:aws:s3:::${p}-*/*`] },
          { Sid: 'EcsExec', Effect: 'Allow', Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'], Resource: '*' },
        ],
      }),
    });
    this.arn = policy.arn;
  }
}

export interface GithubDeployProps {
  /** e.g. `venture-nudge-production`: role names derive from it, and the IAM/S3/ECR/Secrets Manager permissions are scoped to it. */
  readonly namePrefix: string;
  /** Environment (value of the `Environment` tag every resource carries), e.g. `production`. */
  readonly environment: string;
  readonly region: string;
  readonly accountId: string;
  /** `owner/name` of the one repository whose workflows may deploy. */
  readonly repository: string;
  /** GitHub environment (recommended: protection rules apply) or branch the deploy job runs from. */
  readonly trust: DeployTrust;
  /** Branch whose deploy workflow may assume the deploy role (the `job_workflow_ref` claim). @default "main" */
  readonly workflowBranch?: string;
  /** ARN of an existing GitHub OIDC provider; unset with `createProvider`: created here. */
  readonly oidcProviderArn?: string;
  /** Create the account's GitHub OIDC provider in this stack (one stack per account does). @default false */
  readonly createProvider?: boolean;
  /** The permissions boundary every role the deploy role creates or changes must carry. */
  readonly boundary: PermissionsBoundary;
  /** S3 backend of this stack's state, when configured; the roles get that key and its lock file only. */
  readonly stateBackend?: { readonly bucket: string; readonly key: string; readonly region: string };
  /** A read-only role for pull-request plans (trust: `repo:<repository>:pull_request`). @default true */
  readonly planRole?: boolean;
  /**
   * Name prefix of the environment whose images this one promotes (production: staging's): the deploy
   * role may pull from its repositories (read only) to copy the tested image by digest. @default none
   */
  readonly promoteFrom?: string;
}

/** What copying an image out of another environment's repository needs (read only). */
const PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability', 'ecr:DescribeImages'];

/** Regional services whose resources carry the Environment tag: the deploy role writes them only with this environment's tag. */
const TAGGED_SERVICES = ['acm', 'application-autoscaling', 'cloudfront', 'cloudwatch', 'ec2', 'ecs', 'elasticloadbalancing', 'kms', 'logs', 'rds', 'route53', 'sns', 'wafv2'];

/**
 * What `terraform plan` refreshes, for every resource type the stacks create: metadata reads.
 * Not object data, parameter values, secret values, log events or image layers.
 */
export const REFRESH_ACTIONS = [
  'sts:GetCallerIdentity',
  'acm:DescribeCertificate', 'acm:ListCertificates', 'acm:ListTagsForCertificate',
  'application-autoscaling:Describe*', 'application-autoscaling:ListTagsForResource',
  'budgets:ViewBudget', 'budgets:ListTagsForResource',
  'cloudfront:Get*', 'cloudfront:List*',
  'cloudwatch:Describe*', 'cloudwatch:GetDashboard', 'cloudwatch:ListDashboards', 'cloudwatch:ListTagsForResource',
  'ec2:Describe*',
  'ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:GetLifecyclePolicy', 'ecr:GetRepositoryPolicy', 'ecr:ListTagsForResource',
  'ecs:Describe*', 'ecs:List*',
  'elasticloadbalancing:Describe*',
  'iam:GetRole', 'iam:GetRolePolicy', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:GetOpenIDConnectProvider', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags', 'iam:ListPolicyVersions', 'iam:ListInstanceProfilesForRole',
  'kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListAliases', 'kms:ListResourceTags',
  'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:ListTagsForResource', 'logs:ListTagsLogGroup',
  'rds:Describe*', 'rds:ListTagsForResource',
  'route53:GetHostedZone', 'route53:GetChange', 'route53:ListHostedZones', 'route53:ListResourceRecordSets', 'route53:ListTagsForResource',
  'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy',
  'sns:GetTopicAttributes', 'sns:GetSubscriptionAttributes', 'sns:ListSubscriptionsByTopic', 'sns:ListTagsForResource',
  'wafv2:Get*', 'wafv2:List*',
];

/** Verbs the deploy role may use on tagged services (no `<service>:*`); every call is limited to this environment's tag and the stack's regions. */
const WRITE_VERBS = ['Create*', 'Delete*', 'Put*', 'Update*', 'Modify*', 'Tag*', 'Untag*', 'Add*', 'Remove*', 'Attach*', 'Detach*', 'Associate*', 'Disassociate*', 'Authorize*', 'Revoke*', 'Register*', 'Deregister*', 'Set*', 'Enable*', 'Disable*', 'Change*', 'Request*', 'Allocate*', 'Release*', 'Replace*', 'Reboot*', 'Schedule*', 'Cancel*', 'Resend*', 'Subscribe', 'Unsubscribe', 'Apply*'];

/** Role mutations that must keep the boundary (iam:PermissionsBoundary is the role's boundary, before and after). */
const ROLE_WRITES = ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy'];

/**
 * GitHub Actions → AWS without long-lived keys: the OIDC provider (or an existing one), a
 * deploy role that only one repository's deploy workflow, from one environment or branch, can
 * assume, and a plan role for pull requests that reads the state and what a plan refreshes.
 *
 * The deploy role cannot reach admin: every role it creates or changes must carry the
 * environment's permissions boundary (no IAM, no STS inside it), it cannot remove a boundary,
 * touch the boundary policy, its own roles or the OIDC provider, and passes roles only to the
 * stack's services. Everything else is scoped to the environment: names with its prefix (IAM,
 * S3, ECR, Secrets Manager, budgets, dashboards) or its `Environment` tag, with an explicit deny
 * on anything tagged for another environment, so staging's role cannot touch production.
 */
export class GithubDeploy extends Construct {
  readonly deployRoleArn: string;
  readonly planRoleArn?: string;
  readonly providerArn: string;

  constructor(scope: Construct, id: string, props: GithubDeployProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository)) {
      throw new Error(`GithubDeploy: repository "${props.repository}" must be "owner/name" (config github.repository)`);
    }
    const account = props.accountId;
    this.providerArn =
      props.oidcProviderArn ??
      (props.createProvider
        ? new IamOpenidConnectProvider(this, 'oidc-provider', { url: `https://${GITHUB_OIDC_HOST}`, clientIdList: ['sts.amazonaws.com'], thumbprintList: GITHUB_OIDC_THUMBPRINTS }).arn
        : `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`);

    const subject = 'environment' in props.trust ? `repo:${props.repository}:environment:${props.trust.environment}` : `repo:${props.repository}:ref:refs/heads/${props.trust.branch}`;
    const branch = 'branch' in props.trust ? props.trust.branch : (props.workflowBranch ?? 'main');
    const deployRoleName = `${props.namePrefix}-github-deploy`;
    const deploy = new IamRole(this, 'deploy-role', {
      name: deployRoleName,
      description: `GitHub Actions deploy of ${props.namePrefix}: ${subject}, ${DEPLOY_WORKFLOW}@refs/heads/${branch}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: this.trustPolicy({ StringEquals: { sub: subject, job_workflow_ref: `${props.repository}/${DEPLOY_WORKFLOW}@refs/heads/${branch}` } }),
    });
    new IamRolePolicy(this, 'deploy-policy', { name: 'deploy', role: deploy.id, policy: this.deployPolicy(props, deployRoleName) });
    this.deployRoleArn = deploy.arn;

    if (props.planRole ?? true) {
      const plan = new IamRole(this, 'plan-role', {
        name: `${props.namePrefix}-github-plan`,
        description: `GitHub Actions pull-request plans of ${props.namePrefix} (reads state and what a plan refreshes)`,
        maxSessionDuration: 3600,
        assumeRolePolicy: this.trustPolicy({ StringEquals: { sub: `repo:${props.repository}:pull_request` }, StringLike: { job_workflow_ref: `${props.repository}/${PLAN_WORKFLOW}@refs/pull/*/merge` } }),
      });
      new IamRolePolicy(this, 'plan-policy', { name: 'plan', role: plan.id, policy: this.planPolicy(props) });
      this.planRoleArn = plan.arn;
    }
  }

  /** Web-identity trust: the STS audience and the given claims (keys without the issuer host). */
  private trustPolicy(claims: Record<string, Record<string, string>>): string {
    const condition: Record<string, Record<string, string>> = { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com' } };
    for (const [op, byClaim] of Object.entries(claims)) {
      for (const [claim, value] of Object.entries(byClaim)) condition[op] = { ...condition[op], [`${GITHUB_OIDC_HOST}:${claim}`]: value };
    }
    return jsonDocument(this, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: this.providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
    });
  }

  /** The state object and its lock file (`use_lockfile`: `<key>.tflock`). */
  private stateStatements(props: GithubDeployProps, write: boolean): object[] {
    const b = props.stateBackend;
    if (!b) return [];
    const objects = [`arn:aws:s3:::${b.bucket}/${b.key}`, `arn:aws:s3:::${b.bucket}/${b.key}.tflock`];
    return [
      { Sid: 'StateList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${b.bucket}`, Condition: { StringLike: { 's3:prefix': [b.key, `${b.key}.tflock`] } } },
      write
        ? { Sid: 'StateObject', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: objects }
        : { Sid: 'StateObject', Effect: 'Allow', Action: ['s3:GetObject'], Resource: objects[0] },
    ];
  }

  private deployPolicy(props: GithubDeployProps, deployRoleName: string): string {
    const { accountId: a, region: r, namePrefix: p, environment: e } = props;
    const regions = [...new Set([r, 'us-east-1'])];
    const roles = `arn:aws:iam::${a}:role/${p}-*`;
    const own = [`arn:aws:iam::${a}:role/${deployRoleName}`, `arn:aws:iam::${a}:role/${p}-github-plan`];
    return jsonDocument(this, {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Refresh', Effect: 'Allow', Action: [...REFRESH_ACTIONS, 'ecr:GetAuthorizationToken'], Resource: '*' },
        {
          Sid: 'TaggedServices',
          Effect: 'Allow',
          Action: TAGGED_SERVICES.flatMap((s) => WRITE_VERBS.map((v) => `${s}:${v}`)),
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': regions }, StringEqualsIfExists: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: e, [`aws:RequestTag/${ENVIRONMENT_TAG}`]: e } },
        },
        // ECS task definitions and KMS data keys for the resources RDS, Logs and SSM encrypt on the caller's behalf.
        { Sid: 'TaskDefinitions', Effect: 'Allow', Action: ['ecs:RegisterTaskDefinition', 'ecs:DeregisterTaskDefinition', 'ecs:TagResource'], Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': regions } } },
        { Sid: 'KeyUse', Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'], Resource: `arn:aws:kms:*:${a}:key/*`, Condition: { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: e } } },
        { Sid: 'Budgets', Effect: 'Allow', Action: ['budgets:ModifyBudget', 'budgets:TagResource', 'budgets:UntagResource'], Resource: `arn:aws:budgets::${a}:budget/${p}-*` },
        { Sid: 'Dashboards', Effect: 'Allow', Action: ['cloudwatch:PutDashboard', 'cloudwatch:DeleteDashboards'], Resource: `arn:aws:cloudwatch::${a}:dashboard/${p}` },
        { Sid: 'StackRolesBounded', Effect: 'Allow', Action: ROLE_WRITES, Resource: roles, Condition: { StringEquals: { 'iam:PermissionsBoundary': props.boundary.arn } } },
        { Sid: 'PassStackRoles', Effect: 'Allow', Action: ['iam:PassRole'], Resource: roles, Condition: { StringEquals: { 'iam:PassedToService': PASSED_TO_SERVICES } } },
        { Sid: 'ServiceLinkedRoles', Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole'], Resource: `arn:aws:iam::${a}:role/aws-service-role/*`, Condition: { StringEquals: { 'iam:AWSServiceName': SERVICE_LINKED_ROLES } } },
        { Sid: 'StackBuckets', Effect: 'Allow', Action: ['s3:CreateBucket', 's3:DeleteBucket', 's3:ListBucket', 's3:ListBucketVersions', 's3:GetBucket*', 's3:PutBucket*', 's3:DeleteBucket*', 's3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration', 's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration', 's3:GetAccelerateConfiguration', 's3:GetReplicationConfiguration', 's3:GetIntelligentTieringConfiguration', 's3:PutIntelligentTieringConfiguration', 's3:GetAnalyticsConfiguration', 's3:GetInventoryConfiguration', 's3:GetMetricsConfiguration', 's3:PutMetricsConfiguration', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject', 's3:DeleteObjectVersion'], Resource: [`arn:aws:s3:::${p}-*`, `arn:aws:s3:::${p}-*/*`] },
        { Sid: 'StackRepositories', Effect: 'Allow', Action: ['ecr:CreateRepository', 'ecr:DeleteRepository', 'ecr:PutLifecyclePolicy', 'ecr:DeleteLifecyclePolicy', 'ecr:PutImageScanningConfiguration', 'ecr:PutImageTagMutability', 'ecr:TagResource', 'ecr:UntagResource', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:BatchDeleteImage'], Resource: [`arn:aws:ecr:${r}:${a}:repository/${p}`, `arn:aws:ecr:${r}:${a}:repository/${p}-*`] },
        // The app's database secret (refreshed on every plan), and the RDS-managed master secret RDS creates as the caller.
        { Sid: 'AppSecret', Effect: 'Allow', Action: ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:UpdateSecret', 'secretsmanager:TagResource', 'secretsmanager:UntagResource', 'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy', 'secretsmanager:ListSecretVersionIds'], Resource: `arn:aws:secretsmanager:${r}:${a}:secret:${p}/*` },
        { Sid: 'RdsManagedSecret', Effect: 'Allow', Action: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:DeleteSecret', 'secretsmanager:RotateSecret'], Resource: `arn:aws:secretsmanager:${r}:${a}:secret:rds!*` },
        ...(props.promoteFrom ? [{ Sid: 'PromotionSource', Effect: 'Allow', Action: PULL_ACTIONS, Resource: [`arn:aws:ecr:${r}:${a}:repository/${props.promoteFrom}`, `arn:aws:ecr:${r}:${a}:repository/${props.promoteFrom}-*`] }] : []),
        ...this.stateStatements(props, true),
        {
          Sid: 'NoOtherEnvironment',
          Effect: 'Deny',
          NotAction: props.promoteFrom ? [...REFRESH_ACTIONS, ...PULL_ACTIONS] : REFRESH_ACTIONS,
          Resource: '*',
          Condition: { StringNotEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: e }, Null: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: 'false' } },
        },
        { Sid: 'NoOtherEnvironmentTag', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { [`aws:RequestTag/${ENVIRONMENT_TAG}`]: e }, Null: { [`aws:RequestTag/${ENVIRONMENT_TAG}`]: 'false' } } },
        { Sid: 'KeepBoundaries', Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary', 'iam:CreateUser', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy'], Resource: '*' },
        {
          Sid: 'NotItself',
          Effect: 'Deny',
          Action: ['iam:Update*', 'iam:Put*', 'iam:Attach*', 'iam:Detach*', 'iam:Delete*', 'iam:Tag*', 'iam:Untag*', 'iam:PassRole', 'iam:CreateOpenIDConnectProvider', 'iam:AddClientIDToOpenIDConnectProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint'],
          Resource: [...own, `arn:aws:iam::${a}:oidc-provider/${GITHUB_OIDC_HOST}`, `arn:aws:iam::${a}:policy/${props.boundary.name}`],
        },
      ],
    });
  }

  private planPolicy(props: GithubDeployProps): string {
    return jsonDocument(this, {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Refresh', Effect: 'Allow', Action: REFRESH_ACTIONS, Resource: '*' },
        { Sid: 'StackBuckets', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucket*', 's3:GetLifecycleConfiguration', 's3:GetEncryptionConfiguration', 's3:GetAccelerateConfiguration', 's3:GetReplicationConfiguration', 's3:GetIntelligentTieringConfiguration', 's3:GetAnalyticsConfiguration', 's3:GetInventoryConfiguration', 's3:GetMetricsConfiguration'], Resource: `arn:aws:s3:::${props.namePrefix}-*` },
        ...this.stateStatements(props, false),
      ],
    });
  }
}
