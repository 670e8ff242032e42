/**
 * dns:check --delegation: is the domain delegated to this environment's zone yet? The domain's NS
 * records, as a resolver answers them, against the zone's name servers (`dns.nameServers`, copied
 * from `terraform output name_servers`). Only an exact match is live: a partial one is a
 * registrar change still propagating, or the name servers of another zone.
 */
import { query, QueryOptions } from './query';
import { normalizeName } from './records';

export interface DelegationReport {
  readonly domain: string;
  /** The zone's name servers (normalised, sorted). */
  readonly expected: string[];
  /** What the resolver answers as the domain's NS today (normalised, sorted). */
  readonly served: string[];
  readonly live: boolean;
  readonly detail: string;
}

const sorted = (names: readonly string[]) => [...new Set(names.map(normalizeName))].sort();

/** Compares the domain's NS (asked of `resolvers`, or the system resolver) with `nameServers`. */
export async function checkDelegation(domain: string, nameServers: readonly string[], resolvers: readonly string[] = [], o: QueryOptions = {}): Promise<DelegationReport> {
  const expected = sorted(nameServers);
  const served = sorted((await query(resolvers, domain, 'NS', o)).values);
  const live = served.length === expected.length && served.every((n, i) => n === expected[i]);
  const missing = expected.filter((n) => !served.includes(n));
  const detail = live
    ? `${domain} is delegated to the zone (${served.join(', ')})`
    : served.length === 0
      ? `${domain} has no NS records yet: set its name servers at the registrar (or apply the parent zone's NS records)`
      : `${domain} is served by ${served.join(', ')}${missing.length ? `, not yet by ${missing.join(', ')}` : ''}: the delegation has not reached the resolver (a registrar change can take up to 48 h), or points at another zone`;
  return { domain, expected, served, live, detail };
}

/** The one-paragraph report, with the next step. */
export function formatDelegation(r: DelegationReport, envName: string): string {
  const next = r.live ? `OK: set environments.${envName}.dns.delegated to true and apply again (README: "Zone and delegation")` : 'NOT YET: run this again later';
  return `dns:check --delegation ${r.domain}\n  zone's name servers: ${r.expected.join(', ')}\n  served today:        ${r.served.join(', ') || '(none)'}\n${r.detail}\n\n${next}\n`;
}
