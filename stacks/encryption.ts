import { Construct } from 'constructs';
import { jsonDocument } from './json-document';
import { Fn, TerraformProvider } from 'cdktf';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy';

export interface EncryptionProps {
  /** e.g. `venture-nudge-production`; the alias is `alias/<namePrefix>`. */
  readonly namePrefix: string;
  readonly region: string;
  /** Days before a deleted key is destroyed. @default 30 */
  readonly deletionWindowDays?: number;
  /** Provider of the key's region (must match `region`), e.g. the us-east-1 alias for the edge. @default the stack's default provider */
  readonly provider?: TerraformProvider;
  /** What the key is for, in its description. @default "logs, SSM parameters, alarm topic" */
  readonly purpose?: string;
}

/**
 * The environment's customer-managed KMS key (rotated yearly) for CloudWatch
 * Logs, SSM SecureString parameters and the alarm topic. The key policy is a
 * separate resource so it can name the account (taken from the key's own ARN:
 * no caller-identity look-up at plan).
 */
export class Encryption extends Construct {
  /** Key ARN; referencing it also waits for the key policy (services need it before first use). */
  readonly keyArn: string;
  readonly aliasName: string;
  /** The account id, read from the key's ARN. */
  readonly accountId: string;

  constructor(scope: Construct, id: string, props: EncryptionProps) {
    super(scope, id);
    const provider = props.provider;
    const key = new KmsKey(this, 'key', {
      provider,
      description: `${props.namePrefix}: ${props.purpose ?? 'logs, SSM parameters, alarm topic'}`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
    });
    const account = Fn.element(Fn.split(':', key.arn), 4);
    this.accountId = account;
    const policy = new KmsKeyPolicy(this, 'policy', {
      provider,
      keyId: key.keyId,
      policy: jsonDocument(this, {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'AccountAdmin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
          {
            Sid: 'CloudWatchLogs',
            Effect: 'Allow',
            Principal: { Service: `logs.${props.region}.amazonaws.com` },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            Resource: '*',
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${props.region}:${account}:*` } },
          },
          // Service principals act for this account's alarms and budgets only (confused-deputy protection);
          // CloudWatch Logs is bound to this account's log groups by the encryption context above.
          {
            Sid: 'AlarmNotifications',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${props.region}:${account}:alarm:*` } },
          },
          {
            Sid: 'BudgetNotifications',
            Effect: 'Allow',
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:aws:budgets::${account}:*` } },
          },
        ],
      }),
    });
    new KmsAlias(this, 'alias', { provider, name: `alias/${props.namePrefix}`, targetKeyId: key.keyId });
    this.aliasName = `alias/${props.namePrefix}`;
    // element([arn, policy id], 0) is the ARN, with an implicit dependency on the policy.
    this.keyArn = Fn.element(Fn.tolist([key.arn, policy.id]), 0);
  }
}
