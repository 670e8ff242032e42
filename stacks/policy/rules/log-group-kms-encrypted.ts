import { nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Logs can hold request data and stack traces: encrypt them with a key the account controls. */
export const LogGroupKmsEncrypted: PolicyRule = {
  id: 'VN-LOG-1',
  level: 'warning',
  description: 'CloudWatch log groups are encrypted with a customer-managed KMS key.',
  fix: 'Set `kmsKeyId` to a KMS key ARN whose key policy allows `logs.<region>.amazonaws.com` to use it (e.g. Service `kmsKeyArn`).',
  appliesTo: ofTypes('aws_cloudwatch_log_group'),
  check(r) {
    const key = r.config.kms_key_id;
    return key === undefined || key === null || key === '' ? nonCompliant('kms_key_id is not set (CloudWatch default encryption only)') : 'compliant';
  },
};
