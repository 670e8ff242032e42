import { ConfigInput } from '../../stacks/config';
import { delegated, onlyResource, resourcesOf, synthEnvironment } from '../support/synth';

const atStage = (cutover: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  synthEnvironment({ environments: { production: { cutover, ...extra } } } as ConfigInput);

function records(json: ReturnType<typeof synthEnvironment>) {
  return Object.values(resourcesOf(json, 'aws_route53_record')).filter((r) => r.weighted_routing_policy || ['aws.venturenudge.com'].includes(r.name));
}
const weighted = (json: ReturnType<typeof synthEnvironment>, name: string, type: string) =>
  Object.fromEntries(records(json).filter((r) => r.name === name && r.type === type && r.weighted_routing_policy).map((r) => [r.set_identifier, r]));

describe('CutoverDns', () => {
  const canary = atStage({ stage: 'canary' });

  test('creates the hosted zone for the domain when no zone id is configured', () => {
    expect(onlyResource(canary, 'aws_route53_zone').name).toBe('venturenudge.com');
  });

  test('uses an existing zone id without creating or looking up a zone', () => {
    const json = atStage({ stage: 'canary' }, { hostedZoneId: 'Z0123456789ABC' });
    expect(resourcesOf(json, 'aws_route53_zone')).toEqual({});
    expect(records(json).every((r) => r.zone_id === 'Z0123456789ABC')).toBe(true);
  });

  test('weights the apex A records 10/90 at the canary stage: alias to CloudFront vs Vercel 76.76.21.21', () => {
    const apex = weighted(canary, 'venturenudge.com', 'A');
    expect(apex.aws.weighted_routing_policy.weight).toBe(10);
    expect(apex.aws.alias.name).toMatch(/aws_cloudfront_distribution\..*domain_name/);
    expect(apex.vercel).toMatchObject({ records: ['76.76.21.21'], ttl: 300, weighted_routing_policy: { weight: 90 } });
  });

  test('never puts a CNAME at the apex', () => {
    for (const stage of ['vercel', 'canary', '25', '50', 'aws', 'rollback']) {
      const json = atStage({ stage });
      expect(records(json).filter((r) => r.name === 'venturenudge.com' && r.type === 'CNAME')).toEqual([]);
    }
  });

  test('weights www as CNAMEs on both sides (one type per weighted name)', () => {
    const www = weighted(canary, 'www.venturenudge.com', 'CNAME');
    expect(www.aws.records[0]).toMatch(/aws_cloudfront_distribution\..*domain_name/);
    expect(www.vercel.records).toEqual(['cname.vercel-dns.com']);
    expect([www.aws.weighted_routing_policy.weight, www.vercel.weighted_routing_policy.weight]).toEqual([10, 90]);
    const types = new Set(records(canary).filter((r) => r.name === 'www.venturenudge.com').map((r) => r.type));
    expect([...types]).toEqual(['CNAME']);
  });

  test.each([
    ['vercel', 0, 100],
    ['25', 25, 75],
    ['50', 50, 50],
    ['aws', 100, 0],
    ['rollback', 0, 100],
  ])('stage %s sets AWS %i / Vercel %i on apex and www', (stage, aws, vercel) => {
    const json = atStage({ stage });
    for (const [name, type] of [['venturenudge.com', 'A'], ['www.venturenudge.com', 'CNAME']]) {
      const set = weighted(json, name, type);
      expect([set.aws.weighted_routing_policy.weight, set.vercel.weighted_routing_policy.weight]).toEqual([aws, vercel]);
    }
  });

  test('publishes the weighted apex AAAA only once Vercel has no weight, so IPv6 clients cannot bypass the split', () => {
    expect(Object.keys(weighted(canary, 'venturenudge.com', 'AAAA'))).toEqual([]);
    const aws = atStage({ stage: 'aws' });
    expect(Object.keys(weighted(aws, 'venturenudge.com', 'AAAA'))).toEqual(['aws']);
  });

  test('keeps the aws. test host a plain A and AAAA alias to CloudFront at every stage', () => {
    const test = records(canary).filter((r) => r.name === 'aws.venturenudge.com');
    expect(test.map((r) => r.type).sort()).toEqual(['A', 'AAAA']);
    expect(test.every((r) => !r.weighted_routing_policy && /aws_cloudfront_distribution/.test(r.alias.name))).toBe(true);
  });

  test('uses the configured TTL and Vercel targets', () => {
    const json = atStage({ stage: '50', ttl: 60, vercelApexIps: ['76.76.21.22'], vercelCname: 'custom.vercel-dns.com' });
    expect(weighted(json, 'venturenudge.com', 'A').vercel).toMatchObject({ ttl: 60, records: ['76.76.21.22'] });
    expect(weighted(json, 'www.venturenudge.com', 'CNAME').vercel).toMatchObject({ ttl: 60, records: ['custom.vercel-dns.com'] });
  });

  test('reports the current weights as an output', () => {
    expect(canary.output.cutover_weights.value).toEqual({ stage: 'canary', aws: 10, vercel: 90 });
  });
});

describe('Zone: existing records, existing zone, delegation', () => {
  const byName = (json: ReturnType<typeof synthEnvironment>, name: string, type: string) =>
    Object.values(resourcesOf(json, 'aws_route53_record')).filter((r) => r.name === name && r.type === type);
  const mail = [
    { name: '@', type: 'MX', values: ['1 smtp.google.com.'] },
    { name: '@', type: 'TXT', values: ['v=spf1 include:_spf.google.com ~all', 'google-site-verification=abc'] },
    { name: 'google._domainkey', type: 'TXT', values: [`v=DKIM1; k=rsa; p=${'A'.repeat(300)}`] },
  ];
  const json = synthEnvironment({ environments: { production: { dns: { records: mail } } } } as unknown as ConfigInput);

  test('carries the domain\'s mail, SPF, DKIM and verification records into the zone', () => {
    expect(byName(json, 'venturenudge.com', 'MX')).toEqual([expect.objectContaining({ records: ['1 smtp.google.com.'], ttl: 300 })]);
    expect(byName(json, 'venturenudge.com', 'TXT')[0].records).toEqual(['v=spf1 include:_spf.google.com ~all', 'google-site-verification=abc']);
  });

  test('splits a TXT value over 255 characters into strings Route 53 accepts', () => {
    const [dkim] = byName(json, 'google._domainkey.venturenudge.com', 'TXT')[0].records;
    const parts = dkim.split('""');
    expect(parts.length).toBe(2);
    expect(parts.every((p: string) => p.length <= 255)).toBe(true);
    expect(parts.join('')).toBe(mail[2].values[0]);
  });

  test('in an existing zone takes records over instead of failing on "already exists", and creates no zone', () => {
    const existing = synthEnvironment({ environments: { production: { hostedZoneId: 'Z0123456789ABC', dns: { records: mail } } } } as unknown as ConfigInput);
    expect(resourcesOf(existing, 'aws_route53_zone')).toEqual({});
    expect(byName(existing, 'venturenudge.com', 'MX')[0]).toMatchObject({ zone_id: 'Z0123456789ABC', allow_overwrite: true });
    expect(existing.output.name_servers.value).toEqual([]);
    // The weighted Vercel records an operator created from the zone's simple ones are taken over, not duplicated.
    const vercel = Object.values(resourcesOf(existing, 'aws_route53_record')).filter((r) => r.set_identifier === 'vercel');
    expect(vercel.length).toBe(2);
    expect(vercel.every((r) => r.allow_overwrite === true)).toBe(true);
  });

  test('production delegates staging. by NS records once staging\'s name servers are configured', () => {
    const ns = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk', 'ns-3.awsdns-03.com', 'ns-4.awsdns-04.net'];
    const published = synthEnvironment({ environments: { staging: { dns: { nameServers: ns } } } } as unknown as ConfigInput);
    expect(byName(published, 'staging.venturenudge.com', 'NS')).toEqual([expect.objectContaining({ records: ns, zone_id: expect.stringMatching(/aws_route53_zone/) })]);
    expect(byName(synthEnvironment({ environments: { staging: { dns: { nameServers: ns } } } } as ConfigInput, 'staging'), 'staging.venturenudge.com', 'NS')).toEqual([]);
  });

  test('until then production warns how to delegate staging', () => {
    const { Testing } = require('cdktf') as typeof import('cdktf');
    const { EnvironmentStack } = require('../../stacks/environment-stack') as typeof import('../../stacks/environment-stack');
    const { resolveConfig } = require('../../stacks/config') as typeof import('../../stacks/config');
    const stack = new EnvironmentStack(Testing.app(), 'production', { config: resolveConfig(delegated({ environments: { production: { budget: { alertEmails: ['ops@venturenudge.com'] } } } })), environment: 'production' });
    expect(stack.warnings).toEqual([expect.stringMatching(/staging\.venturenudge\.com is not delegated from venturenudge\.com yet: apply staging, then set environments\.staging\.dns\.nameServers to its name_servers output and apply production \(README: "Zone and delegation"\)/)]);
  });
});
