import { isUnknown, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Parameters this stack writes hold app configuration that is mostly secret. */
export const SsmParameterSecureString: PolicyRule = {
  id: 'VN-SSM-1',
  level: 'error',
  description: 'SSM parameters are SecureString (encrypted with KMS).',
  fix: 'Set `type: "SecureString"` (optionally `keyId`). A parameter that is genuinely not secret may be suppressed with a reason.',
  appliesTo: ofTypes('aws_ssm_parameter'),
  check(r) {
    const type = r.config.type;
    if (type === 'SecureString' || isUnknown(type)) return 'compliant';
    return nonCompliant(`type is ${type === undefined ? 'not set' : `"${type}"`}`);
  },
};
