import { isUnknown, nonCompliant, ofTypes, PolicyRule, references } from '../rule';

/**
 * A secret under the AWS-managed key (`aws/secretsmanager`) can be read by anyone in the
 * account with `secretsmanager:GetSecretValue`; under the stack's key, reading it also needs
 * `kms:Decrypt` on that key, which its key policy and the roles' policies control.
 */
export const SecretKmsEncrypted: PolicyRule = {
  id: 'VN-SM-1',
  level: 'error',
  description: "Secrets Manager secrets are encrypted with the stack's customer-managed KMS key, not the AWS-managed aws/secretsmanager key.",
  fix: "Set `kmsKeyId` on the `SecretsmanagerSecret` to the stack's key (Encryption `keyArn`; Database prop `secretsKmsKeyArn`) and grant `kms:Decrypt` on it to the roles that read the secret.",
  appliesTo: ofTypes('aws_secretsmanager_secret'),
  check(r, context) {
    const key = r.config.kms_key_id;
    if (key === undefined || key === null || key === '') return nonCompliant('kms_key_id is not set (the AWS-managed aws/secretsmanager key is used)');
    if (context.ofType('aws_kms_key').some((k) => references(key, k))) return 'compliant';
    if (typeof key === 'string' && /alias\/aws\//.test(key)) return nonCompliant(`kms_key_id is the AWS-managed ${key.replace(/^.*(alias\/aws\/)/, '$1')}`);
    if (isUnknown(key)) return 'compliant';
    return nonCompliant(`kms_key_id is the literal ${key}, not a key of this stack`);
  },
};
