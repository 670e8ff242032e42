import { Construct } from 'constructs';
import { jsonDocument } from './json-document';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';

/** GitHub Actions' OIDC issuer (host part of the provider ARN and of the claim keys). */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/**
 * Certificate thumbprints GitHub published for its issuer (github.blog changelog, 2023-06-27).
 * AWS validates this issuer against its own CA library and ignores them; some tools still require a value.
 */
export const GITHUB_OIDC_THUMBPRINTS = ['6938fd4d98bab03faadb97b34396831e3780aea1', '1c58a3a8518e8759bf075b76b750d4f2df264fcd'];

/** Who may assume the deploy role: workflows of one repository, from one GitHub environment or one branch. */
export type DeployTrust = { readonly environment: string } | { readonly branch: string };

export interface GithubDeployProps {
  /** e.g. `venture-nudge-production`: role names derive from it, and the IAM/ECR permissions are scoped to it. */
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  /** `owner/name` of the one repository whose workflows may deploy. */
  readonly repository: string;
  /** GitHub environment (recommended: protection rules apply) or branch the deploy job runs from. */
  readonly trust: DeployTrust;
  /** ARN of an existing GitHub OIDC provider; unset with `createProvider`: created here. */
  readonly oidcProviderArn?: string;
  /** Create the account's GitHub OIDC provider in this stack (one stack per account does). @default false */
  readonly createProvider?: boolean;
  /** ECR repositories CI pushes to (the app's and the toolkit's). */
  readonly ecrRepositoryArns: string[];
  /** ECS service CI waits on (steady state). */
  readonly ecs: { readonly clusterName: string; readonly serviceName: string };
  /** S3 backend of this stack's state, when configured; the roles get that key and the lock table only. */
  readonly stateBackend?: { readonly bucket: string; readonly key: string; readonly dynamodbTable: string; readonly region: string };
  /** A read-only role for pull-request plans (trust: `repo:<repository>:pull_request`). @default true */
  readonly planRole?: boolean;
}

/** Services whose resources the stacks create: Terraform needs to manage them (regional + us-east-1 for CloudFront's certificate and WAF). */
const STACK_SERVICES = [
  'acm', 'application-autoscaling', 'budgets', 'cloudfront', 'cloudwatch', 'ec2', 'ecs', 'elasticloadbalancing',
  'kms', 'logs', 'rds', 'route53', 'sns', 'wafv2',
];

/**
 * GitHub Actions → AWS without long-lived keys: the OIDC provider (or an existing one), a
 * deploy role that only one repository's workflow, from one environment or branch, can
 * assume, and a read-only plan role for pull requests. The deploy role may manage what the
 * stack creates (services of the stack in its regions; IAM roles, S3 buckets and ECR
 * repositories named with the stack prefix; the state key) and nothing else, and may not
 * change its own role or the OIDC provider: those changes need an administrator's apply.
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
    const deployRoleName = `${props.namePrefix}-github-deploy`;
    const deploy = new IamRole(this, 'deploy-role', {
      name: deployRoleName,
      description: `GitHub Actions deploy of ${props.namePrefix}: ${subject}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: this.trustPolicy(subject),
    });
    new IamRolePolicy(this, 'deploy-policy', { name: 'deploy', role: deploy.id, policy: this.deployPolicy(props, deployRoleName) });
    this.deployRoleArn = deploy.arn;

    if (props.planRole ?? true) {
      const plan = new IamRole(this, 'plan-role', {
        name: `${props.namePrefix}-github-plan`,
        description: `GitHub Actions pull-request plans of ${props.namePrefix} (read-only)`,
        maxSessionDuration: 3600,
        assumeRolePolicy: this.trustPolicy(`repo:${props.repository}:pull_request`),
      });
      new IamRolePolicyAttachment(this, 'plan-read-only', { role: plan.name, policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
      new IamRolePolicy(this, 'plan-policy', { name: 'plan', role: plan.id, policy: this.planPolicy(props) });
      this.planRoleArn = plan.arn;
    }
  }

  /** Web-identity trust for exactly one `sub` claim (no wildcards) and the STS audience. */
  private trustPolicy(subject: string): string {
    return jsonDocument(this, {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: this.providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC_HOST}:sub`]: subject } },
        },
      ],
    });
  }

  private stateStatements(props: GithubDeployProps, write: boolean): object[] {
    const b = props.stateBackend;
    if (!b) return [];
    return [
      { Sid: 'StateList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${b.bucket}`, Condition: { StringLike: { 's3:prefix': [b.key] } } },
      { Sid: 'StateObject', Effect: 'Allow', Action: write ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'], Resource: `arn:aws:s3:::${b.bucket}/${b.key}` },
      { Sid: 'StateLock', Effect: 'Allow', Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: `arn:aws:dynamodb:${b.region}:${props.accountId}:table/${b.dynamodbTable}` },
    ];
  }

  private deployPolicy(props: GithubDeployProps, deployRoleName: string): string {
    const acct = props.accountId;
    const prefix = props.namePrefix;
    const regions = [...new Set([props.region, 'us-east-1'])];
    return jsonDocument(this, {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'StackServices', Effect: 'Allow', Action: STACK_SERVICES.map((s) => `${s}:*`), Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': regions } } },
        { Sid: 'ReadAnywhere', Effect: 'Allow', Action: ['sts:GetCallerIdentity', 'iam:Get*', 'iam:List*', 's3:ListAllMyBuckets', 'ecr:GetAuthorizationToken', 'ssm:DescribeParameters'], Resource: '*' },
        { Sid: 'StackRoles', Effect: 'Allow', Action: ['iam:*Role', 'iam:*RolePolicy', 'iam:*RolePolicies', 'iam:TagRole', 'iam:UntagRole', 'iam:PassRole', 'iam:UpdateAssumeRolePolicy'], Resource: `arn:aws:iam::${acct}:role/${prefix}-*` },
        { Sid: 'ServiceLinkedRoles', Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole'], Resource: `arn:aws:iam::${acct}:role/aws-service-role/*` },
        { Sid: 'StackBuckets', Effect: 'Allow', Action: ['s3:*'], Resource: [`arn:aws:s3:::${prefix}-*`, `arn:aws:s3:::${prefix}-*/*`] },
        { Sid: 'StackRepositories', Effect: 'Allow', Action: ['ecr:*'], Resource: props.ecrRepositoryArns },
        // RDS creates the master-password secret as the caller (manage_master_user_password).
        { Sid: 'RdsManagedSecret', Effect: 'Allow', Action: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:DescribeSecret'], Resource: `arn:aws:secretsmanager:${props.region}:${acct}:secret:rds!*` },
        ...this.stateStatements(props, true),
        {
          Sid: 'NotItself',
          Effect: 'Deny',
          Action: ['iam:Update*', 'iam:Put*', 'iam:Attach*', 'iam:Detach*', 'iam:Delete*', 'iam:Tag*', 'iam:Untag*', 'iam:CreateOpenIDConnectProvider', 'iam:AddClientIDToOpenIDConnectProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider'],
          Resource: [`arn:aws:iam::${acct}:role/${deployRoleName}`, `arn:aws:iam::${acct}:role/${prefix}-github-plan`, `arn:aws:iam::${acct}:oidc-provider/${GITHUB_OIDC_HOST}`],
        },
      ],
    });
  }

  private planPolicy(props: GithubDeployProps): string {
    return jsonDocument(this, {
      Version: '2012-10-17',
      Statement: [
        ...this.stateStatements(props, false),
        // ReadOnlyAccess reads objects and parameters; a pull request's plan needs neither app data nor secrets.
        props.stateBackend
          ? { Sid: 'NoAppData', Effect: 'Deny', Action: ['s3:GetObject', 's3:GetObjectVersion'], NotResource: `arn:aws:s3:::${props.stateBackend.bucket}/${props.stateBackend.key}` }
          : { Sid: 'NoAppData', Effect: 'Deny', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: '*' },
        { Sid: 'NoSecrets', Effect: 'Deny', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'secretsmanager:GetSecretValue', 'kms:Decrypt'], Resource: '*' },
      ],
    });
  }
}
