/** Application load balancers: hours, assumed LCUs, public IPv4 per subnet. */
import { Pricer } from './pricer';
import { asList } from './util';

export const LoadBalancerPricer: Pricer = {
  family: 'load balancers',
  types: ['aws_lb'],
  price({ prices, H, A, all, add, skip }) {
    for (const [id, lb] of all('aws_lb')) {
      const type = String(lb.load_balancer_type ?? 'application');
      if (type !== 'application') {
        skip('aws_lb', 1, `${id}: ${type} load balancers are not in the price table`);
        continue;
      }
      add({ type: 'aws_lb', item: 'ALB hours', count: 1, monthlyUsd: H * prices.alb.hour, basis: `${H} h x $${prices.alb.hour}`, usageAssumption: false, guide: 'loadBalancer' });
      add({ type: 'aws_lb', item: `ALB LCUs (assumed ${A.albAverageLcu} on average)`, count: 1, monthlyUsd: A.albAverageLcu * H * prices.alb.lcuHour, basis: `${A.albAverageLcu} LCU x ${H} h x $${prices.alb.lcuHour}`, usageAssumption: true, guide: 'loadBalancer' });
      if (lb.internal !== true) {
        const ips = Math.max(asList(lb.subnets).length || asList(lb.subnet_mapping).length, 1);
        add({ type: 'aws_lb', item: `public IPv4 addresses (one per subnet: ${ips})`, count: 1, monthlyUsd: ips * H * prices.publicIpv4Hour, basis: `${ips} x ${H} h x $${prices.publicIpv4Hour}`, usageAssumption: false, guide: 'loadBalancer' });
      }
    }
  },
};
