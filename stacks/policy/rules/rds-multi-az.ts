import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** A production database survives the loss of an availability zone. */
export const RdsMultiAz: PolicyRule = {
  id: 'VN-RDS-4',
  level: 'error',
  outsideProduction: 'off',
  description: 'Production RDS instances are Multi-AZ.',
  fix: 'Set `multiAz: true` (config: environments.<env>.database.multiAz).',
  appliesTo: ofTypes('aws_db_instance'),
  check(r) {
    if (r.config.replicate_source_db !== undefined) return 'not-applicable';
    const v = boolOf(r.config.multi_az);
    if (v === true || v === 'unknown') return 'compliant';
    return nonCompliant(v === false ? 'multi_az is false' : 'multi_az is not set (the default is single-AZ)');
  },
};
