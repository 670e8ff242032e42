/** Route 53 hosted zones (+ assumed queries) and health checks. */
import { Pricer } from './pricer';

export const Route53Pricer: Pricer = {
  family: 'Route 53',
  types: ['aws_route53_zone', 'aws_route53_health_check'],
  price({ prices, A, all, add }) {
    const zones = all('aws_route53_zone').length;
    if (zones) {
      add({ type: 'aws_route53_zone', item: 'hosted zones', count: zones, monthlyUsd: zones * prices.route53.hostedZoneMonth, basis: `${zones} x $${prices.route53.hostedZoneMonth}`, usageAssumption: false });
      add({ type: 'aws_route53_zone', item: `queries (assumed ${A.route53QueriesMillions} M non-alias per zone)`, count: zones, monthlyUsd: zones * A.route53QueriesMillions * prices.route53.standardQueriesPerMillion, basis: `${zones} x ${A.route53QueriesMillions} M x $${prices.route53.standardQueriesPerMillion}`, usageAssumption: true });
    }
    const checks = all('aws_route53_health_check').length;
    if (checks) add({ type: 'aws_route53_health_check', item: 'health checks (AWS endpoints, basic)', count: checks, monthlyUsd: checks * prices.route53.healthCheckMonth, basis: `${checks} x $${prices.route53.healthCheckMonth}`, usageAssumption: false });
  },
};
