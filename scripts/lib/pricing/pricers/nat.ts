/** NAT gateways (hours, assumed data processing) and Elastic IPs (public IPv4). */
import { Pricer } from './pricer';
import { instances } from './util';

export const NatPricer: Pricer = {
  family: 'NAT and Elastic IPs',
  types: ['aws_nat_gateway', 'aws_eip'],
  price({ prices, H, A, all, add }) {
    const nats = all('aws_nat_gateway').filter(([, r]) => r.connectivity_type !== 'private');
    const natCount = nats.reduce((s, [, r]) => s + instances(r).n, 0);
    if (natCount) {
      add({ type: 'aws_nat_gateway', item: `NAT gateway hours (${natCount})`, count: natCount, monthlyUsd: natCount * H * prices.natGateway.hour, basis: `${natCount} x ${H} h x $${prices.natGateway.hour}`, usageAssumption: false });
      add({ type: 'aws_nat_gateway', item: `NAT data processing (assumed ${A.natDataGbPerGateway} GB per gateway)`, count: natCount, monthlyUsd: natCount * A.natDataGbPerGateway * prices.natGateway.dataGb, basis: `${natCount} x ${A.natDataGbPerGateway} GB x $${prices.natGateway.dataGb}`, usageAssumption: true, guide: 'dataTransfer' });
    }
    const eips = all('aws_eip').reduce((s, [, r]) => s + instances(r).n, 0);
    if (eips) add({ type: 'aws_eip', item: `public IPv4 (Elastic IPs: ${eips})`, count: eips, monthlyUsd: eips * H * prices.publicIpv4Hour, basis: `${eips} x ${H} h x $${prices.publicIpv4Hour}`, usageAssumption: false });
  },
};
