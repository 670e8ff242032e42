import { INGRESS_RESOURCE_TYPES, openIngress } from '../ingress';
import { nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Nothing but the load balancer's web ports is reachable from the whole internet. */
export const NoOpenIngress: PolicyRule = {
  id: 'VN-EC2-1',
  level: 'error',
  description: 'Security groups admit no ingress from 0.0.0.0/0 or ::/0, except tcp 80/443 on an application load balancer.',
  fix: 'Allow a specific source instead: another security group (`referencedSecurityGroupId`), a prefix list (`prefixListId`) or the VPC CIDR.',
  appliesTo: ofTypes(...INGRESS_RESOURCE_TYPES),
  check(r, context) {
    const open = openIngress(r, context).filter((o) => !o.albWebPort);
    return open.length === 0 ? 'compliant' : nonCompliant(`admits ${open.map((o) => o.summary).join('; ')}`);
  },
};
