/**
 * Record sets as dns:check compares them: fully qualified lower-case names without the
 * trailing dot, values normalised so that what a DNS server answers and what the config
 * says compare equal when they mean the same.
 */
import { Config, cutoverWeights, DnsRecordType, namesFor } from '../../../stacks/config';

export type RecordType = DnsRecordType;

/** What one name holds for one type. */
export interface RecordSet {
  readonly name: string;
  readonly type: RecordType;
  /** Normalised and sorted. */
  readonly values: string[];
}

/** A record set the stack manages for the cutover (weighted apex A, www CNAME), or an alias the stack publishes. */
export interface ManagedName {
  readonly name: string;
  readonly types: RecordType[];
  /** What the zone answers for the Vercel side (the domain's answer today), when that side has weight. */
  readonly vercel?: RecordSet;
  readonly role: string;
}

/** What the Route 53 zone will hold after an apply: carried records, delegations, and the names the stack manages. */
export interface PlannedZone {
  readonly domain: string;
  /** True when the zone already exists (`hostedZoneId`): records the config does not list are kept. */
  readonly existingZone: boolean;
  readonly records: RecordSet[];
  readonly managed: ManagedName[];
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** A value as dns:check compares it (host names lower-cased without the final dot, MX/SRV/CAA in one spacing). */
export function normalizeValue(type: RecordType, value: string): string {
  const v = value.trim();
  switch (type) {
    case 'CNAME':
    case 'NS':
      return normalizeName(v);
    case 'AAAA':
      return v.toLowerCase();
    case 'MX': {
      const [priority, host] = v.split(/\s+/);
      return `${Number(priority)} ${normalizeName(host ?? '')}`;
    }
    case 'SRV': {
      const [priority, weight, port, host] = v.split(/\s+/);
      return `${Number(priority)} ${Number(weight)} ${Number(port)} ${normalizeName(host ?? '')}`;
    }
    case 'CAA': {
      const m = /^(\d+)\s+([a-z0-9]+)\s+"?(.*?)"?$/i.exec(v);
      return m ? `${Number(m[1])} ${m[2].toLowerCase()} "${m[3]}"` : v;
    }
    default:
      return v;
  }
}

export function recordSet(name: string, type: RecordType, values: readonly string[]): RecordSet {
  return { name: normalizeName(name), type, values: [...new Set(values.map((v) => normalizeValue(type, v)))].sort() };
}

/** The zone the stack of `envName` will hold, from the configuration alone (no AWS call). */
export function plannedZone(config: Config, envName: string): PlannedZone {
  const env = config.environments[envName];
  const names = namesFor(config, envName);
  const domain = normalizeName(env.domain);
  const records = env.dns.records.map((r) => recordSet(r.name === '@' ? domain : `${r.name}.${domain}`, r.type, r.values));
  for (const [other, o] of Object.entries(config.environments)) {
    if (other !== envName && o.domain.endsWith(`.${domain}`) && !o.hostedZoneId && o.dns.nameServers.length > 0) records.push(recordSet(o.domain, 'NS', o.dns.nameServers));
  }
  const vercelWeight = cutoverWeights(env.cutover).vercel > 0;
  const managed: ManagedName[] = [
    { name: domain, types: ['A', 'AAAA'], role: 'apex (weighted cutover A records)', vercel: vercelWeight ? recordSet(domain, 'A', env.cutover.vercelApexIps) : undefined },
    { name: normalizeName(names.www), types: ['CNAME', 'A', 'AAAA'], role: 'www (weighted cutover CNAMEs)', vercel: vercelWeight ? recordSet(names.www, 'CNAME', [env.cutover.vercelCname]) : undefined },
    { name: normalizeName(names.testHost), types: ['A', 'AAAA', 'CNAME'], role: 'test host (alias to CloudFront)' },
    { name: normalizeName(names.originHost), types: ['A', 'AAAA', 'CNAME'], role: 'CloudFront origin (alias to the ALB)' },
  ];
  return { domain, existingZone: Boolean(env.hostedZoneId), records, managed };
}

/** Labels commonly holding mail and verification records, asked for in addition to the configured names. */
export const WELL_KNOWN_LABELS = [
  '_dmarc', 'mail', 'autodiscover', 'default._domainkey', 'google._domainkey', 'selector1._domainkey', 'selector2._domainkey',
  'k1._domainkey', 's1._domainkey', 's2._domainkey', 'resend._domainkey', 'mta-sts', '_mta-sts', '_smtp._tls',
] as const;
