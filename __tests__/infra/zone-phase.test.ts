/**
 * A new zone's first apply (dns.delegated false, the default): only the zone, its carried records
 * and the Vercel side of the cutover records, so the apply never waits on certificates nobody can
 * validate; the second apply (dns.delegated true) adds the rest and replaces nothing.
 */
import { Testing } from 'cdktf';
import { ConfigInput, resolveConfig } from '../../stacks/config';
import { EnvironmentStack } from '../../stacks/environment-stack';
import { evaluatePolicy } from '../../stacks/policy';
import { synthEnvironment, TfJson } from '../support/synth';

const awaiting = (environments: Record<string, unknown> = {}): ConfigInput => ({ environments: { production: { dns: { delegated: false } }, staging: { dns: { delegated: false } }, ...environments } } as ConfigInput);
const types = (json: TfJson) => Object.keys(json.resource).sort();
const addresses = (json: TfJson) => Object.entries(json.resource).flatMap(([t, byId]) => Object.keys(byId).map((id) => `${t}.${id}`));
const records = (json: TfJson) => Object.values(json.resource.aws_route53_record ?? {});
const MX = { name: '@', type: 'MX', values: ['10 mx.example.net.'] };

describe('a new zone before delegation (the default)', () => {
  test('the defaults await delegation', () => {
    const c = resolveConfig();
    expect(c.environments.production.dns.delegated).toBe(false);
    expect(c.environments.staging.dns.delegated).toBe(false);
  });

  test('synthesizes only the Route 53 zone and records: no certificate, CloudFront, database or service', () => {
    expect(types(synthEnvironment(awaiting()))).toEqual(['aws_route53_record', 'aws_route53_zone']);
  });

  test('outputs the zone id, the name servers to delegate to, and delegation "pending"', () => {
    const json = synthEnvironment(awaiting());
    expect(Object.keys(json.output).sort()).toEqual(['delegation', 'hosted_zone_id', 'name_servers']);
    expect(json.output.delegation.value).toBe('pending');
    expect(JSON.stringify(json.output.name_servers.value)).toMatch(/aws_route53_zone\..*\.name_servers/);
  });

  test('carries the configured records, so nothing vanishes the moment the domain is delegated', () => {
    const json = synthEnvironment(awaiting({ production: { dns: { delegated: false, records: [MX] } } }));
    expect(records(json)).toContainEqual(expect.objectContaining({ name: 'venturenudge.com', type: 'MX', records: MX.values }));
  });

  test('publishes the Vercel side of the apex and www records at stage vercel, and no AWS side', () => {
    const json = synthEnvironment(awaiting());
    const weighted = records(json).filter((r) => r.set_identifier);
    expect(weighted.map((r) => `${r.name} ${r.type} ${r.set_identifier} ${r.weighted_routing_policy.weight}`).sort()).toEqual(['venturenudge.com A vercel 100', 'www.venturenudge.com CNAME vercel 100']);
    expect(records(json).some((r) => r.alias)).toBe(false);
  });

  test('staging at its default stage aws (no Vercel weight) publishes no apex or www record yet', () => {
    const json = synthEnvironment(awaiting(), 'staging');
    expect(records(json).filter((r) => r.set_identifier)).toEqual([]);
  });

  test('every resource of the first apply is in the full stack with the same address and body: the second apply adds and replaces nothing', () => {
    const first = synthEnvironment(awaiting({ production: { dns: { delegated: false, records: [MX] } } }));
    const full = synthEnvironment({ environments: { production: { dns: { records: [MX] } } } } as unknown as ConfigInput);
    for (const a of addresses(first)) {
      const [type, id] = a.split('.');
      expect({ a, body: full.resource[type]?.[id] }).toEqual({ a, body: first.resource[type][id] });
    }
    expect(addresses(full).length).toBeGreaterThan(addresses(first).length + 100);
  });

  test('warns with the steps: apply, delegate to name_servers, dns:check --delegation, set dns.delegated', () => {
    const config = resolveConfig();
    const stack = new EnvironmentStack(Testing.app(), 'production', { config, environment: 'production' });
    expect(stack.warnings.join('\n')).toMatch(/environments\.production\.dns\.delegated is false.*terraform output name_servers.*registrar.*dns:check -- --env production --delegation.*set environments\.production\.dns\.delegated to true and apply again \(README: "Zone and delegation"\)/);
  });

  test("staging's warning says production publishes its name servers", () => {
    const config = resolveConfig();
    const stack = new EnvironmentStack(Testing.app(), 'staging', { config, environment: 'staging' });
    expect(stack.warnings.join('\n')).toMatch(/publish them from production \(set environments\.staging\.dns\.nameServers, apply production\)/);
  });

  test('passes the policy pack with no error', () => {
    const config = resolveConfig();
    const report = evaluatePolicy(new EnvironmentStack(Testing.app(), 'production', { config, environment: 'production', policy: false }), { environment: 'production' });
    expect(report.errors).toEqual([]);
  });

  test('an existing zone (hostedZoneId) is one apply: the full stack whatever dns.delegated says', () => {
    const json = synthEnvironment(awaiting({ production: { hostedZoneId: 'Z0123456789ABC', dns: { delegated: false } } }));
    expect(types(json)).toEqual(expect.arrayContaining(['aws_acm_certificate', 'aws_cloudfront_distribution', 'aws_db_instance', 'aws_ecs_service']));
    expect(json.resource.aws_route53_zone).toBeUndefined();
  });
});
