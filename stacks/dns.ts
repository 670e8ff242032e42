import { Construct } from 'constructs';
import { Route53Record, Route53RecordConfig } from '@cdktf/provider-aws/lib/route53-record';

export interface CutoverWeights {
  /** Route 53 weight of the AWS records (0..255). */
  readonly aws: number;
  /** Route 53 weight of the Vercel records (0..255). */
  readonly vercel: number;
}

export interface CutoverDnsProps {
  readonly zoneId: string;
  /** Apex, e.g. `venturenudge.com`. */
  readonly apex: string;
  /** e.g. `www.venturenudge.com`. */
  readonly www: string;
  /** Always-AWS host for validation before any weight moves, e.g. `aws.venturenudge.com`. */
  readonly testHost: string;
  /**
   * CloudFront domain name and hosted zone id (alias target). Undefined while a new zone awaits
   * delegation: only the Vercel side is published (when its weight is above 0), the same records
   * the full stack keeps, so what the domain serves today is there the moment it is delegated.
   */
  readonly cloudfront?: { readonly domainName: string; readonly hostedZoneId: string };
  readonly weights: CutoverWeights;
  /** Vercel's apex addresses, e.g. ["76.76.21.21"]. */
  readonly vercelApexIps: string[];
  /** Vercel's CNAME target for www, e.g. "cname.vercel-dns.com". */
  readonly vercelCname: string;
  /** TTL of non-alias records. */
  readonly ttl: number;
  /**
   * Publish AAAA aliases to CloudFront. At a weighted name AAAA has no Vercel
   * counterpart, so IPv6 clients would bypass the weights: the weighted AAAA is
   * published only once Vercel's weight is 0. The test host always gets it.
   */
  readonly ipv6: boolean;
  /**
   * The zone existed before (config `hostedZoneId`): take over records of the same name,
   * type and set identifier (UPSERT), e.g. the weighted Vercel records an operator created
   * when converting the zone's simple apex A / www CNAME (README, "Existing zone"). @default false
   */
  readonly takeOverExisting?: boolean;
}

/**
 * Weighted record sets for the staged cutover between Vercel and AWS. Each name
 * keeps one record type on both sides (Route 53 rejects mixed types in a
 * weighted set): the apex as A records (never a CNAME at the apex), `www` as
 * CNAMEs.
 */
export class CutoverDns extends Construct {
  constructor(scope: Construct, id: string, props: CutoverDnsProps) {
    super(scope, id);
    const ttl = props.ttl;
    const ipv6 = props.ipv6;
    const overwrite = props.takeOverExisting ? { allowOverwrite: true } : {};
    const record = (rid: string, cfg: Omit<Route53RecordConfig, 'zoneId'>) => new Route53Record(this, rid, { zoneId: props.zoneId, ...overwrite, ...cfg });
    const weighted = (setIdentifier: string, weight: number) => ({ setIdentifier, weightedRoutingPolicy: { weight } });
    if (!props.cloudfront) {
      if (props.weights.vercel === 0) return;
      record('apex-vercel-a', { name: props.apex, type: 'A', ttl, records: props.vercelApexIps, ...weighted('vercel', props.weights.vercel) });
      record('www-vercel', { name: props.www, type: 'CNAME', ttl, records: [props.vercelCname], ...weighted('vercel', props.weights.vercel) });
      return;
    }
    const alias = { name: props.cloudfront.domainName, zoneId: props.cloudfront.hostedZoneId, evaluateTargetHealth: false };

    record('apex-aws-a', { name: props.apex, type: 'A', alias, ...weighted('aws', props.weights.aws) });
    record('apex-vercel-a', { name: props.apex, type: 'A', ttl, records: props.vercelApexIps, ...weighted('vercel', props.weights.vercel) });
    if (ipv6 && props.weights.vercel === 0) {
      record('apex-aws-aaaa', { name: props.apex, type: 'AAAA', alias, ...weighted('aws', props.weights.aws) });
    }
    record('www-aws', { name: props.www, type: 'CNAME', ttl, records: [props.cloudfront.domainName], ...weighted('aws', props.weights.aws) });
    record('www-vercel', { name: props.www, type: 'CNAME', ttl, records: [props.vercelCname], ...weighted('vercel', props.weights.vercel) });

    record('test-host-a', { name: props.testHost, type: 'A', alias });
    if (ipv6) record('test-host-aaaa', { name: props.testHost, type: 'AAAA', alias });
  }
}
