/**
 * The rehearsal synthesizes the very stack that ships: only the provider block
 * differs, and that block points every service the stack uses at moto.
 */
import { PROTECTION_ARGUMENTS, typesWithoutEndpoint, withoutDeletionProtection } from '../../scripts/lib/rehearsal/rehearsal';
import { REHEARSAL_SERVICES } from '../../stacks/providers';
import { synthEnvironment } from '../support/synth';

const ENDPOINT = 'http://127.0.0.1:4566';

describe.each(['production', 'staging'])('rehearsal synthesis of %s', (env) => {
  const real = synthEnvironment({}, env);
  const rehearsal = synthEnvironment({}, env, { kind: 'rehearsal', endpoint: ENDPOINT });

  test('equals the real synthesized JSON except for the provider block', () => {
    const { provider: _realProvider, ...realRest } = real;
    const { provider: _rehearsalProvider, ...rehearsalRest } = rehearsal;
    expect(rehearsalRest).toEqual(realRest);
  });

  test('points every provider (default and us-east-1 alias) at the local endpoint for every service', () => {
    expect(rehearsal.provider.aws).toHaveLength(real.provider.aws.length);
    for (const p of rehearsal.provider.aws) {
      expect(Object.keys(p.endpoints[0]).sort()).toEqual([...REHEARSAL_SERVICES].sort());
      expect(new Set(Object.values(p.endpoints[0]))).toEqual(new Set([ENDPOINT]));
    }
  });

  test('keeps asking STS for the account id (moto answers 123456789012; skipping it makes ids drift)', () => {
    for (const p of rehearsal.provider.aws) expect(p.skip_requesting_account_id).toBeUndefined();
  });

  test('the teardown copy lifts deletion protection on exactly the protected resources and changes nothing else', () => {
    const protectedAddresses = Object.entries(rehearsal.resource).flatMap(([type, byName]) =>
      Object.entries(byName).filter(([, body]) => PROTECTION_ARGUMENTS.some((a) => body[a] === true)).map(([name]) => `${type}.${name}`),
    );
    const lifted = withoutDeletionProtection(rehearsal);
    expect(lifted.addresses.sort()).toEqual(protectedAddresses.sort());
    for (const address of lifted.addresses) {
      const [type, name] = address.split('.');
      const { deletion_protection: _a, enable_deletion_protection: _b, ...before } = rehearsal.resource[type][name];
      const { deletion_protection: _c, enable_deletion_protection: _d, ...after } = lifted.json.resource[type][name];
      expect(after).toEqual(before);
    }
    expect(JSON.stringify(lifted.json)).not.toMatch(/"(enable_)?deletion_protection":true/);
  });

  test('has an endpoint for the service of every resource type in the stack', () => {
    expect(typesWithoutEndpoint(rehearsal)).toEqual([]);
  });
});

test('production has deletion protection to lift before a teardown (RDS and ALB)', () => {
  const types = withoutDeletionProtection(synthEnvironment({}, 'production', { kind: 'rehearsal', endpoint: ENDPOINT })).addresses.map((a) => a.split('.')[0]);
  expect(types.sort()).toEqual(['aws_db_instance', 'aws_lb']);
});

test('a resource type whose service has no endpoint is reported', () => {
  const json = { provider: { aws: [{ endpoints: [{ ec2: ENDPOINT }] }] }, resource: { aws_vpc: {}, aws_lambda_function: {}, aws_db_instance: {} } };
  expect(typesWithoutEndpoint(json)).toEqual(['aws_lambda_function', 'aws_db_instance']);
});
