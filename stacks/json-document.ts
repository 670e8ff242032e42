import { IConstruct } from 'constructs';
import { App, Fn } from 'cdktf';

/**
 * A JSON document attribute (IAM/KMS/S3 policies, container definitions, dashboard body).
 *
 * In JSON output it is a JSON string with `${...}` references inside, readable in
 * the synthesized JSON and in plans. cdktf's HCL writer does not escape quotes in
 * such strings, so for HCL output (`VN_HCL=1`) Terraform encodes the document
 * instead (`jsonencode`). Both evaluate to the same document.
 */
export function jsonDocument(scope: IConstruct, value: unknown): string {
  return App.of(scope).hclOutput ? Fn.jsonencode(value) : JSON.stringify(value);
}

/** Who may make the service assume the role: this account, and resources matching `sourceArn` (confused-deputy protection). */
export interface TrustSource {
  /** The account whose resources the service acts for. */
  readonly account: string;
  /** ARN pattern of those resources, e.g. `arn:aws:ecs:us-east-1:123456789012:*`. */
  readonly sourceArn: string;
}

/**
 * Trust policy letting one AWS service assume a role (e.g. `ecs-tasks.amazonaws.com`), only on
 * behalf of this account's resources: `aws:SourceAccount` and `aws:SourceArn` (AWS IAM guide,
 * "The confused deputy problem").
 */
export function assumeRolePolicy(scope: IConstruct, service: string, source: TrustSource): string {
  return jsonDocument(scope, {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': source.account }, ArnLike: { 'aws:SourceArn': source.sourceArn } },
      },
    ],
  });
}

/**
 * The statements an ECS execution role needs to start a task: pull from one repository and
 * write to one log group (instead of AmazonECSTaskExecutionRolePolicy, which allows every
 * repository and log group). `ecr:GetAuthorizationToken` is account-wide: it has no resource.
 */
export function pullAndLogStatements(repositoryArn: string, logGroupArn: string): object[] {
  return [
    { Sid: 'EcrToken', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    { Sid: 'EcrPull', Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: repositoryArn },
    { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroupArn}:log-stream:*` },
  ];
}
