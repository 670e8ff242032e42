import { Construct } from 'constructs';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone';

export interface HostedZoneProps {
  /** Apex domain, e.g. `venturenudge.com`. */
  readonly domain: string;
  /** Use this existing zone instead of creating one. @default undefined (create the zone) */
  readonly existingZoneId?: string;
}

/** The Route 53 zone every record of the environment lives in: created, or an existing id from config (no look-up). */
export class HostedZone extends Construct {
  readonly zoneId: string;
  /** Name servers to delegate to (empty when an existing zone is used). */
  readonly nameServers: string[];

  constructor(scope: Construct, id: string, props: HostedZoneProps) {
    super(scope, id);
    if (props.existingZoneId) {
      this.zoneId = props.existingZoneId;
      this.nameServers = [];
      return;
    }
    const zone = new Route53Zone(this, 'zone', { name: props.domain, comment: `${props.domain} (managed by venture-nudge-aws)` });
    this.zoneId = zone.zoneId;
    this.nameServers = zone.nameServers;
  }
}
