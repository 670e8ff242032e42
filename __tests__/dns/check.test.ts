import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConfigInput, resolveConfig } from '../../stacks/config';
import { UsageError } from '../../scripts/lib/cli/args';
import { checkDns } from '../../scripts/lib/dns/check';
import { checkDelegation } from '../../scripts/lib/dns/delegation';
import { authoritativeServers, DnsQueryError, query } from '../../scripts/lib/dns/query';
import { plannedZone } from '../../scripts/lib/dns/records';
import { main } from '../../scripts/dns-check';
import { FakeDnsServer, FakeRecord, startDnsServer } from './server';

const DKIM = `v=DKIM1; k=rsa; p=${'M'.repeat(300)}`;
/** What the domain's current DNS host (Vercel, say) answers today. */
const TODAY: FakeRecord[] = [
  { name: 'venturenudge.com', type: 'NS', value: 'ns1.dns-host.test' },
  { name: 'ns1.dns-host.test', type: 'A', value: '127.0.0.1' },
  { name: 'venturenudge.com', type: 'A', value: '76.76.21.21' },
  { name: 'www.venturenudge.com', type: 'CNAME', value: 'cname.vercel-dns.com' },
  { name: 'venturenudge.com', type: 'MX', priority: 1, exchange: 'smtp.google.com' },
  { name: 'venturenudge.com', type: 'TXT', chunks: ['v=spf1 include:_spf.google.com ~all'] },
  { name: 'venturenudge.com', type: 'TXT', chunks: ['google-site-verification=abc123'] },
  { name: 'venturenudge.com', type: 'CAA', flags: 0, tag: 'issue', value: 'amazon.com' },
  { name: 'google._domainkey.venturenudge.com', type: 'TXT', chunks: [DKIM.slice(0, 255), DKIM.slice(255)] },
  { name: '_dmarc.venturenudge.com', type: 'TXT', chunks: ['v=DMARC1; p=none'] },
  { name: 'ipv6.venturenudge.com', type: 'AAAA', value: '2001:db8::1' },
  { name: '_sip._tcp.venturenudge.com', type: 'SRV', priority: 10, weight: 5, port: 5060, target: 'sip.example.net' },
];

/** dns.records that carry every record above into the zone. */
const CARRIED = [
  { name: '@', type: 'MX', values: ['1 smtp.google.com.'] },
  { name: '@', type: 'TXT', values: ['v=spf1 include:_spf.google.com ~all', 'google-site-verification=abc123'] },
  { name: '@', type: 'CAA', values: ['0 issue "amazon.com"'] },
  { name: 'google._domainkey', type: 'TXT', values: [DKIM] },
  { name: '_dmarc', type: 'TXT', values: ['v=DMARC1; p=none'] },
];

const zoneFor = (production: Record<string, unknown>) => plannedZone(resolveConfig({ environments: { production } } as unknown as ConfigInput), 'production');

let server: FakeDnsServer;
beforeAll(async () => {
  server = await startDnsServer(TODAY);
});
afterAll(async () => {
  await server.stop();
});

describe('query (node:dns against a DNS server)', () => {
  test('reads every record type in the normalised form the config uses', async () => {
    const ask = (name: string, type: Parameters<typeof query>[2]) => query([server.address], name, type).then((r) => r.values);
    expect(await ask('venturenudge.com', 'A')).toEqual(['76.76.21.21']);
    expect(await ask('ipv6.venturenudge.com', 'AAAA')).toEqual(['2001:db8::1']);
    expect(await ask('www.venturenudge.com', 'CNAME')).toEqual(['cname.vercel-dns.com']);
    expect(await ask('venturenudge.com', 'MX')).toEqual(['1 smtp.google.com']);
    expect(await ask('venturenudge.com', 'CAA')).toEqual(['0 issue "amazon.com"']);
    expect(await ask('_sip._tcp.venturenudge.com', 'SRV')).toEqual(['10 5 5060 sip.example.net']);
  });

  test('joins the strings of a long TXT record into one value', async () => {
    expect((await query([server.address], 'google._domainkey.venturenudge.com', 'TXT')).values).toEqual([DKIM]);
  });

  test('answers an empty set for a name that does not exist and for a type the name lacks', async () => {
    expect((await query([server.address], 'nothing.venturenudge.com', 'A')).values).toEqual([]);
    expect((await query([server.address], 'venturenudge.com', 'AAAA')).values).toEqual([]);
  });

  test('fails naming the server, name and type when no server answers', async () => {
    const silent = await startDnsServer([]);
    const address = silent.address;
    await silent.stop();
    await expect(query([address], 'venturenudge.com', 'MX', { timeoutMs: 200, tries: 1 })).rejects.toThrow(new RegExp(`${address.replace(/\./g, '\\.')} did not answer MX venturenudge\\.com`));
    await expect(query([address], 'venturenudge.com', 'MX', { timeoutMs: 200, tries: 1 })).rejects.toBeInstanceOf(DnsQueryError);
  });

  test('finds the servers the domain is delegated to today from its NS records', async () => {
    expect(await authoritativeServers('venturenudge.com', [server.address], server.port)).toEqual({ hosts: ['ns1.dns-host.test'], servers: [`127.0.0.1:${server.port}`] });
  });
});

describe('checkDns compares today\'s answers with the planned zone', () => {
  test('without dns.records, mail, SPF, DKIM, DMARC and CAA would vanish at delegation', async () => {
    const report = await checkDns(zoneFor({}), [server.address]);
    const missing = report.findings.filter((f) => f.status === 'missing').map((f) => `${f.name} ${f.type}`);
    expect(missing.sort()).toEqual(['_dmarc.venturenudge.com TXT', 'google._domainkey.venturenudge.com TXT', 'venturenudge.com CAA', 'venturenudge.com MX', 'venturenudge.com TXT'].sort());
    expect(report.ok).toBe(false);
  });

  test('with those records carried in dns.records, nothing vanishes or changes', async () => {
    const report = await checkDns(zoneFor({ dns: { records: CARRIED } }), [server.address]);
    expect(report.findings.filter((f) => f.status !== 'same' && f.status !== 'cutover')).toEqual([]);
    expect(report.ok).toBe(true);
  });

  test('the apex A and www CNAME served today are the cutover\'s Vercel side', async () => {
    const report = await checkDns(zoneFor({ dns: { records: CARRIED } }), [server.address]);
    const cutover = report.findings.filter((f) => f.status === 'cutover').map((f) => `${f.name} ${f.type}`);
    expect(cutover).toEqual(['venturenudge.com A', 'www.venturenudge.com CNAME']);
  });

  test('a carried value that differs from today\'s is reported with both values', async () => {
    const records = CARRIED.map((r) => (r.type === 'MX' ? { ...r, values: ['5 mx.other.example.'] } : r));
    const report = await checkDns(zoneFor({ dns: { records } }), [server.address]);
    expect(report.findings.find((f) => f.type === 'MX')).toMatchObject({ status: 'differs', current: ['1 smtp.google.com'], planned: ['5 mx.other.example'] });
    expect(report.ok).toBe(false);
  });

  test('an apex that Vercel\'s configured addresses do not match is reported', async () => {
    const report = await checkDns(zoneFor({ dns: { records: CARRIED }, cutover: { vercelApexIps: ['192.0.2.10'] } }), [server.address]);
    expect(report.findings.find((f) => f.name === 'venturenudge.com' && f.type === 'A')).toMatchObject({ status: 'differs', planned: ['192.0.2.10'] });
  });

  test('in an existing zone, records not listed are kept rather than lost', async () => {
    const report = await checkDns(zoneFor({ hostedZoneId: 'Z0123456789ABC' }), [server.address]);
    expect(report.findings.filter((f) => f.status === 'missing')).toEqual([]);
    expect(report.findings.filter((f) => f.status === 'kept').length).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
  });

  test('asks about extra names given, e.g. another DKIM selector', async () => {
    await checkDns(zoneFor({ dns: { records: CARRIED } }), [server.address], { extraNames: ['s9._domainkey'] });
    expect(server.questions).toContain('s9._domainkey.venturenudge.com TXT');
  });
});

describe('npm run dns:check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vn-dns-check-'));
  let out = '';
  const run = async (config: unknown, argv: string[]) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config));
    const before = process.env.VN_CONFIG;
    process.env.VN_CONFIG = file;
    out = '';
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      return await main(argv);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      if (before === undefined) delete process.env.VN_CONFIG;
      else process.env.VN_CONFIG = before;
    }
  };

  test('exits 1 and lists what would vanish', async () => {
    expect(await run({}, ['--server', server.address])).toBe(1);
    expect(out).toMatch(/venturenudge\.com\s+MX\s+MISSING\s+1 smtp\.google\.com/);
    expect(out).toMatch(/NOT READY/);
  });

  test('exits 0 when the config carries every record, finding the servers through the NS look-up', async () => {
    expect(await run({ environments: { production: { dns: { records: CARRIED } } } }, ['--resolver', server.address, '--port', String(server.port)])).toBe(0);
    expect(out).toMatch(/OK: nothing vanishes or changes at delegation/);
  });

  test('the report ends with the dns.records entries that keep what would vanish', async () => {
    await run({}, ['--server', server.address]);
    expect(out).toMatch(/add these to environments\.<env>\.dns\.records/);
    expect(out).toMatch(/"name": "@",\n\s+"type": "MX"/);
  });

  test('--snippet prints entries that, pasted into dns.records, leave nothing missing', async () => {
    await run({}, ['--server', server.address, '--snippet']);
    const records = JSON.parse(out);
    expect(records.length).toBeGreaterThan(0);
    expect(await run({ environments: { production: { dns: { records } } } }, ['--server', server.address])).toBe(0);
  });

  test('prints the report as JSON with --json', async () => {
    await run({}, ['--server', server.address, '--json']);
    expect(JSON.parse(out)).toMatchObject({ domain: 'venturenudge.com', ok: false });
  });

  describe('--delegation', () => {
    const AWS_NS = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk'];
    const withNs = (nameServers: string[], extra: Record<string, unknown> = {}) => ({ environments: { production: { dns: { nameServers }, ...extra } } });

    test('exits 1 while the domain is still served by other name servers, naming both sides', async () => {
      expect(await run(withNs(AWS_NS), ['--delegation', '--resolver', server.address])).toBe(1);
      expect(out).toMatch(/venturenudge\.com is served by ns1\.dns-host\.test, not yet by ns-1\.awsdns-01\.org, ns-2\.awsdns-02\.co\.uk/);
      expect(out).toMatch(/NOT YET/);
    });

    test("exits 0 once the domain's NS are the zone's name servers, saying to set dns.delegated", async () => {
      expect(await run(withNs(['ns1.dns-host.test']), ['--delegation', '--resolver', server.address])).toBe(0);
      expect(out).toMatch(/OK: set environments\.production\.dns\.delegated to true and apply again/);
    });

    test('compares names without case or the final dot', async () => {
      expect(await checkDelegation('venturenudge.com', ['NS1.dns-host.test.'], [server.address])).toMatchObject({ live: true, expected: ['ns1.dns-host.test'] });
    });

    test('a partial match is not live (one of two name servers answered)', async () => {
      expect(await run(withNs(['ns1.dns-host.test', ...AWS_NS]), ['--delegation', '--resolver', server.address])).toBe(1);
    });

    test('prints the report as JSON with --json', async () => {
      await run(withNs(AWS_NS), ['--delegation', '--resolver', server.address, '--json']);
      expect(JSON.parse(out)).toMatchObject({ domain: 'venturenudge.com', live: false, served: ['ns1.dns-host.test'], expected: AWS_NS });
    });

    test('without dns.nameServers it is a usage error naming the field and where the values come from', async () => {
      await expect(run({}, ['--delegation', '--resolver', server.address])).rejects.toThrow(/environments\.production\.dns\.nameServers, which is empty: set it to the zone's `terraform output name_servers`/);
    });

    test('with an existing zone (hostedZoneId) it is a usage error: nothing to wait for', async () => {
      await expect(run(withNs(AWS_NS, { hostedZoneId: 'Z0123456789ABC' }), ['--delegation'])).rejects.toThrow(/existing zone Z0123456789ABC.*nothing to wait for/);
    });
  });

  test('rejects a bad flag and an unknown environment as usage errors (exit 2)', async () => {
    await expect(run({}, ['--bogus'])).rejects.toBeInstanceOf(UsageError);
    await expect(run({}, ['--env', 'prodution', '--server', server.address])).rejects.toThrow(/--env prodution: unknown environment/);
  });
});
