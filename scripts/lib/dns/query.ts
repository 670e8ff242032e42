/**
 * Asks DNS servers over node:dns (c-ares): no shell, no dig. "No such name" and "no
 * record of this type" are empty answers; anything else (timeout, refusal, SERVFAIL) is
 * an error naming the server, the name and the type.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { normalizeName, recordSet, RecordSet, RecordType } from './records';

export class DnsQueryError extends Error {
  override readonly name = 'DnsQueryError';
}

export interface QueryOptions {
  /** Milliseconds per try. @default 3000 */
  readonly timeoutMs?: number;
  /** @default 2 */
  readonly tries?: number;
}

const EMPTY = new Set(['ENODATA', 'ENOTFOUND']);

function resolverFor(servers: readonly string[], o: QueryOptions): Resolver {
  const r = new Resolver({ timeout: o.timeoutMs ?? 3000, tries: o.tries ?? 2 });
  if (servers.length > 0) r.setServers([...servers]);
  return r;
}

async function raw(r: Resolver, name: string, type: RecordType): Promise<string[]> {
  switch (type) {
    case 'A':
      return r.resolve4(name);
    case 'AAAA':
      return r.resolve6(name);
    case 'CNAME':
      return r.resolveCname(name);
    case 'NS':
      return r.resolveNs(name);
    case 'MX':
      return (await r.resolveMx(name)).map((m) => `${m.priority} ${m.exchange}`);
    case 'TXT':
      return (await r.resolveTxt(name)).map((chunks) => chunks.join(''));
    case 'SRV':
      return (await r.resolveSrv(name)).map((s) => `${s.priority} ${s.weight} ${s.port} ${s.name}`);
    case 'CAA':
      return (await r.resolveCaa(name)).map((c) => {
        const { critical, ...rest } = c as unknown as Record<string, string | number>;
        const [tag, value] = Object.entries(rest)[0] ?? ['', ''];
        return `${critical} ${tag} "${value}"`;
      });
  }
}

/** The record set `servers` answer for `name`/`type` (empty values when there is none). */
export async function query(servers: readonly string[], name: string, type: RecordType, o: QueryOptions = {}): Promise<RecordSet> {
  try {
    return recordSet(name, type, await raw(resolverFor(servers, o), name, type));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (EMPTY.has(code)) return recordSet(name, type, []);
    throw new DnsQueryError(`${servers.join(', ') || 'system resolver'} did not answer ${type} ${name}: ${code || (e as Error).message}`);
  }
}

/** `host:port`, bracketing IPv6 addresses. */
function withPort(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * The servers the domain is delegated to today: its NS records (asked of `resolvers`, or
 * the system resolver), each name server's IPv4 addresses, at `port`.
 */
export async function authoritativeServers(domain: string, resolvers: readonly string[] = [], port = 53, o: QueryOptions = {}): Promise<{ hosts: string[]; servers: string[] }> {
  const ns = await query(resolvers, domain, 'NS', o);
  if (ns.values.length === 0) throw new DnsQueryError(`${normalizeName(domain)} has no NS records: is the domain registered, and spelled as in the config?`);
  const servers: string[] = [];
  for (const host of ns.values) {
    const a = await query(resolvers, host, 'A', o);
    servers.push(...a.values.map((ip) => withPort(ip, port)));
  }
  if (servers.length === 0) throw new DnsQueryError(`none of ${ns.values.join(', ')} has an IPv4 address`);
  return { hosts: ns.values, servers };
}
