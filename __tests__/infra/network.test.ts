import { onlyResource, refsIn, resourcesOf, synthEnvironment } from '../support/synth';

describe('Network', () => {
  const json = synthEnvironment();
  const subnets = Object.values(resourcesOf(json, 'aws_subnet'));
  const tier = (t: string) => subnets.filter((s) => s.tags.Tier === t);

  test('creates the VPC with the configured CIDR and DNS support', () => {
    expect(onlyResource(json, 'aws_vpc')).toMatchObject({ cidr_block: '10.0.0.0/16', enable_dns_hostnames: true, enable_dns_support: true });
  });

  test('puts one public and one private subnet in each configured AZ, named without any AWS look-up', () => {
    expect(tier('public').map((s) => s.availability_zone)).toEqual(['us-east-1a', 'us-east-1b']);
    expect(tier('private').map((s) => s.availability_zone)).toEqual(['us-east-1a', 'us-east-1b']);
    expect(json.data ?? {}).toEqual({});
  });

  test('does not give public IPs to instances in public subnets', () => {
    expect(tier('public').every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  test('carves non-overlapping subnet CIDRs from the VPC block', () => {
    const cidrs = subnets.map((s) => s.cidr_block);
    expect(new Set(cidrs).size).toBe(4);
    expect(cidrs.every((c) => /cidrsubnet\("10\.0\.0\.0\/16", 4, \d+\)/.test(c))).toBe(true);
  });

  test('routes the public subnets to the internet gateway', () => {
    const routes = Object.values(resourcesOf(json, 'aws_route'));
    expect(routes.filter((r) => r.gateway_id?.includes('aws_internet_gateway'))).toHaveLength(1);
  });

  test('gives each private subnet its own NAT gateway in production', () => {
    expect(Object.keys(resourcesOf(json, 'aws_nat_gateway'))).toHaveLength(2);
    const natRoutes = Object.values(resourcesOf(json, 'aws_route')).filter((r) => r.nat_gateway_id);
    expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(2);
  });

  test('shares a single NAT gateway in staging', () => {
    const staging = synthEnvironment({}, 'staging');
    expect(Object.keys(resourcesOf(staging, 'aws_nat_gateway'))).toHaveLength(1);
  });

  test('closes the default security group', () => {
    expect(onlyResource(json, 'aws_default_security_group')).toMatchObject({ ingress: [], egress: [] });
  });

  test('sends all VPC flow logs to an encrypted log group with the configured retention', () => {
    const flow = onlyResource(json, 'aws_flow_log');
    expect(flow).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    const group = Object.values(resourcesOf(json, 'aws_cloudwatch_log_group')).find((g) => g.name.includes('flow-logs'));
    expect(group.retention_in_days).toBe(30);
    expect(refsIn(group.kms_key_id).join()).toContain('aws_kms_key');
  });
});
