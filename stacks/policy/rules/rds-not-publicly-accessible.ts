import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** The database has no public endpoint. */
export const RdsNotPubliclyAccessible: PolicyRule = {
  id: 'VN-RDS-2',
  level: 'error',
  description: 'RDS instances are not publicly accessible.',
  fix: 'Set `publiclyAccessible: false` (or leave it unset) and place the instance in private subnets; reach it through the VPC (ECS tasks, a bastion or SSM port forwarding).',
  appliesTo: ofTypes('aws_db_instance', 'aws_rds_cluster_instance'),
  check(r) {
    return boolOf(r.config.publicly_accessible) === true ? nonCompliant('publicly_accessible is true') : 'compliant';
  },
};
