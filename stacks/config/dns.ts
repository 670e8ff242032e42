/** The environment's Route 53 zone: records it must carry over, its name servers, whether the domain is delegated to it. */
import { z } from 'zod';
import { HOSTNAME } from './fields';

/** Record types `dns.records` may carry into the zone. */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'CAA', 'SRV', 'NS'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

export const DnsRecordSchema = z
  .object({
    /** Name relative to the domain: "@" for the apex, e.g. "mail", "_dmarc", "selector1._domainkey". */
    name: z.string().regex(/^(@|(\*\.)?([a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63})$/, 'must be "@" (the apex) or a name relative to the domain such as "_dmarc" or "selector1._domainkey"'),
    type: z.enum(DNS_RECORD_TYPES, { error: `must be one of ${DNS_RECORD_TYPES.join(', ')}` }),
    /** @default 300 */
    ttl: z.number().int().min(0).max(172800).default(300),
    /** Values as Route 53 takes them: `10 mx.example.com.` for MX, the text (unquoted) for TXT. */
    values: z.array(z.string().min(1)).min(1, 'needs at least one value'),
  })
  .strict();

export const DnsSchema = z
  .object({
    /**
     * Records the domain already has (MX, SPF, DKIM, verification TXT, ...) that the
     * Route 53 zone must also hold, or they vanish when the domain is delegated to it.
     * `npm run dns:check` compares them with what the domain's servers answer today. @default []
     */
    records: z.array(DnsRecordSchema).default([]),
    /**
     * Name servers of this environment's own zone, once it exists (`terraform output name_servers`).
     * An environment whose domain contains this one (production for `staging.`) publishes them as NS records. @default []
     */
    nameServers: z.array(z.string().regex(HOSTNAME, 'must be a name server host name')).max(8).default([]),
    /**
     * The domain is delegated to this environment's new zone (the registrar, or the parent zone,
     * names its name servers; `npm run dns:check -- --delegation` says when). Until then a stack
     * that creates its zone (no `hostedZoneId`) synthesizes only the zone and its records: the first
     * apply never waits on certificates nobody can validate yet. Set it, and apply again, for the rest.
     * Ignored with `hostedZoneId` (one apply). @default false
     */
    delegated: z.boolean().default(false),
  })
  .strict()
  .superRefine((d, ctx) => {
    d.records.forEach((r, i) => {
      if (r.type === 'CNAME' && r.name === '@') ctx.addIssue({ code: 'custom', path: ['records', i, 'name'], message: 'a CNAME at the apex is invalid DNS; use A/AAAA records' });
      if (r.type === 'CNAME' && d.records.some((o, j) => j !== i && o.name === r.name)) ctx.addIssue({ code: 'custom', path: ['records', i], message: `${r.name} has a CNAME and other records; a CNAME must be alone at its name` });
      if (d.records.some((o, j) => j < i && o.name === r.name && o.type === r.type)) ctx.addIssue({ code: 'custom', path: ['records', i], message: `${r.name} ${r.type} is listed twice; put every value in one entry` });
    });
  });

export type DnsConfig = z.infer<typeof DnsSchema>;

/** The schema's defaults: a new zone with no records of its own and no delegation yet (README "Zone and delegation"). */
export const DNS_DEFAULTS: Readonly<DnsConfig> = DnsSchema.parse({});
