import { TerraformStack } from 'cdktf';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretKmsEncrypted } from '../../stacks/policy/rules/secret-kms-encrypted';
import { details, flagged } from './support';

const secret = (kmsKeyId?: (s: TerraformStack) => string) => (stack: TerraformStack) => new SecretsmanagerSecret(stack, 'secret', { name: 'app', kmsKeyId: kmsKeyId?.(stack) });

describe("VN-SM-1 secrets encrypted with the stack's KMS key", () => {
  test("a secret under the stack's key passes", () => expect(flagged(SecretKmsEncrypted, secret((s) => new KmsKey(s, 'key', {}).arn))).toEqual([]));
  test('a secret without kms_key_id (AWS-managed key) is reported', () => expect(details(SecretKmsEncrypted, secret())).toEqual(['kms_key_id is not set (the AWS-managed aws/secretsmanager key is used)']));
  test('a secret under alias/aws/secretsmanager is reported', () => expect(flagged(SecretKmsEncrypted, secret(() => 'alias/aws/secretsmanager'))).toEqual(['aws_secretsmanager_secret.secret']));
  test('a secret under a literal key from outside the stack is reported', () => expect(flagged(SecretKmsEncrypted, secret(() => 'arn:aws:kms:eu-west-1:111122223333:key/abc'))).toEqual(['aws_secretsmanager_secret.secret']));
});
