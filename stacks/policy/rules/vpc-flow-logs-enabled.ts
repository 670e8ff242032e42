import { nonCompliant, ofTypes, PolicyRule, references } from '../rule';

/** Accepted and rejected traffic in the VPC can be investigated afterwards. */
export const VpcFlowLogsEnabled: PolicyRule = {
  id: 'VN-VPC-1',
  level: 'error',
  description: 'Every VPC has a flow log (aws_flow_log with vpc_id referencing it).',
  fix: 'Add a `FlowLog` with `vpcId: vpc.id`, `trafficType: "ALL"` delivering to a CloudWatch log group (with an IAM role) or an S3 bucket.',
  appliesTo: ofTypes('aws_vpc'),
  check(vpc, context) {
    const logged = context.ofType('aws_flow_log').some((f) => references(f.config.vpc_id, vpc));
    return logged ? 'compliant' : nonCompliant('no aws_flow_log references this VPC');
  },
};
