/**
 * dns:check — before delegating the domain to the Route 53 zone, compare what the domain's
 * current authoritative servers answer with what the zone will hold (config: dns.records,
 * the cutover records, delegations). Shell-free: node:dns only. See README "Zone and delegation".
 */
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger } from './lib/cli/log';
import type { Config } from '../stacks/config';

const spec = {
  name: 'npm run dns:check --',
  summary: "Compare what the domain's current DNS servers answer with what the Route 53 zone will hold, before delegation.",
  options: {
    env: { type: 'string', valueName: 'name', description: 'environment whose domain to check', default: 'production' },
    server: { type: 'string', multiple: true, valueName: 'ip[:port]', description: "ask these servers instead of the domain's NS (repeatable)" },
    resolver: { type: 'string', multiple: true, valueName: 'ip[:port]', description: "resolver that looks up the domain's NS (default: the system resolver)" },
    port: { type: 'string', valueName: 'n', description: "port of the domain's name servers", default: '53' },
    name: { type: 'string', multiple: true, valueName: 'label', description: 'another name to compare, e.g. a DKIM selector "s1._domainkey" (repeatable)' },
    delegation: { type: 'boolean', description: "only tell whether the domain is delegated to the zone yet: its NS, as the resolver answers, against environments.<env>.dns.nameServers" },
    snippet: { type: 'boolean', description: 'print only the dns.records entries (JSON) that keep the records that would vanish, to paste into the config' },
    'timeout-ms': { type: 'string', valueName: 'ms', description: 'per query try', default: '3000' },
  },
  epilog: 'Exit codes: 0 nothing vanishes or changes (with --delegation: delegated), 1 records would vanish or change (listed), not delegated yet, or a server did not answer, 2 bad command line.',
} as const;

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${flag} must be a positive whole number, got "${v}"`);
  return Number(v);
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const args = parseCli(argv, spec);
  if (!args) return 0;
  const port = positiveInt('port', args.port);
  const timeoutMs = positiveInt('timeout-ms', args['timeout-ms']);
  // The config's schema and the DNS code load once the command line is read: --help loads neither.
  const [{ loadConfig }, { checkDns, formatDnsReport, recordsSnippet }, { authoritativeServers }, { plannedZone }] = await Promise.all([
    import('../stacks/config'),
    import('./lib/dns/check'),
    import('./lib/dns/query'),
    import('./lib/dns/records'),
  ]);
  const config = loadConfig();
  if (!config.environments[args.env]) throw new UsageError(`--env ${args.env}: unknown environment; known: ${Object.keys(config.environments).join(', ')}`);
  const log = createLogger();
  if (args.delegation) return delegation(args.env, config.environments[args.env], args.resolver ?? [], args.json === true, timeoutMs);
  const zone = plannedZone(config, args.env);
  let servers = args.server ?? [];
  if (servers.length === 0) {
    const found = await authoritativeServers(zone.domain, args.resolver ?? [], port, { timeoutMs });
    log.info(`${zone.domain} is served today by ${found.hosts.join(', ')}`);
    servers = found.servers;
  }
  const report = await checkDns(zone, servers, { extraNames: args.name ?? [], query: { timeoutMs } });
  if (args.snippet) {
    process.stdout.write(`${JSON.stringify(recordsSnippet(report), null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  process.stdout.write(args.json ? JSON.stringify(report, null, 2) + '\n' : formatDnsReport(report, zone.existingZone));
  for (const f of report.findings.filter((x) => x.status === 'missing' || x.status === 'differs')) log.error(`${f.status}: ${f.name} ${f.type}${f.note ? ` (${f.note})` : ''}`);
  return report.ok ? 0 : 1;
}

/** --delegation: exit 0 once the domain's NS are exactly the zone's name servers. */
async function delegation(envName: string, env: Config['environments'][string], resolvers: string[], json: boolean, timeoutMs: number): Promise<number> {
  if (env.hostedZoneId) throw new UsageError(`--delegation: environments.${envName} uses the existing zone ${env.hostedZoneId}, which is delegated already; there is nothing to wait for`);
  if (env.dns.nameServers.length === 0) throw new UsageError(`--delegation compares with environments.${envName}.dns.nameServers, which is empty: set it to the zone's \`terraform output name_servers\` (README: "Zone and delegation")`);
  const { checkDelegation, formatDelegation } = await import('./lib/dns/delegation');
  const report = await checkDelegation(env.domain, env.dns.nameServers, resolvers, { timeoutMs });
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatDelegation(report, envName));
  return report.live ? 0 : 1;
}

if (require.main === module) runCli(() => main(), { fullMessage: true });
