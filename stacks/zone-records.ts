import { Construct } from 'constructs';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';

/** A record the domain already has, carried into the zone (see config `dns.records`). */
export interface CarriedRecord {
  /** Relative to the domain; "@" for the apex. */
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly values: readonly string[];
}

/** A sub-domain served by its own zone (e.g. `staging.venturenudge.com`), delegated by NS records. */
export interface Delegation {
  /** Fully qualified, e.g. `staging.venturenudge.com`. */
  readonly domain: string;
  readonly nameServers: readonly string[];
}

export interface ZoneRecordsProps {
  readonly zoneId: string;
  /** The zone's domain, e.g. `venturenudge.com`. */
  readonly domain: string;
  readonly records: readonly CarriedRecord[];
  /** @default [] */
  readonly delegations?: readonly Delegation[];
  /**
   * The zone already exists and may hold these records: take them over (UPSERT) instead of
   * failing with "already exists". @default false
   */
  readonly takeOverExisting?: boolean;
}

/** Route 53 takes TXT strings of at most 255 characters; longer values are split, as the provider documents (`"..."` + `""` + `"..."`). */
export function route53TxtValue(value: string): string {
  const chunks = value.match(/[\s\S]{1,255}/g) ?? [''];
  return chunks.join('""');
}

/** Fully qualified name of a record relative to `domain` ("@" is the apex). */
export function fqdn(name: string, domain: string): string {
  return name === '@' ? domain : `${name}.${domain}`;
}

/**
 * The records a zone must hold besides the cutover's: what the domain already has
 * (mail, SPF, DKIM, verification TXT, ...) and NS records delegating sub-domains to
 * their own zones.
 */
export class ZoneRecords extends Construct {
  constructor(scope: Construct, id: string, props: ZoneRecordsProps) {
    super(scope, id);
    for (const r of props.records) {
      const label = `${r.name === '@' ? 'apex' : r.name.replace(/[^a-z0-9-]/g, '-')}-${r.type.toLowerCase()}`;
      new Route53Record(this, label, {
        zoneId: props.zoneId,
        name: fqdn(r.name, props.domain),
        type: r.type,
        ttl: r.ttl,
        records: r.values.map((v) => (r.type === 'TXT' ? route53TxtValue(v) : v)),
        allowOverwrite: props.takeOverExisting ? true : undefined,
      });
    }
    for (const d of props.delegations ?? []) {
      new Route53Record(this, `delegate-${d.domain.replace(/\./g, '-')}`, { zoneId: props.zoneId, name: d.domain, type: 'NS', ttl: 172800, records: [...d.nameServers] });
    }
  }
}
