/**
 * npm run load -- --url <url> --users N --duration S [--ramp S] [--json]
 *
 * The guide's "stress test: simulate 10K concurrent users" on autocannon: N keep-alive
 * connections for S seconds, then connections, requests/s, latency p50 / p95 / p99,
 * errors, non-2xx, and what the generator itself sustained. See docs/validation.md.
 */
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger, isInteractive } from './lib/cli/log';
import { ensureFdLimit, ephemeralPorts } from './lib/http/generator';
import { formatLoadReport, wafCaveat } from './lib/http/load-report';

const spec = {
  name: 'npm run load --',
  summary: `Opens N concurrent keep-alive connections (the guide's "users") to one URL with
autocannon, each sending its next GET as soon as the last is answered, for S seconds
after an optional ramp. Reports connections, requests/s, latency p50/p95/p99, errors,
non-2xx, and the generator's own CPU, event-loop delay and open-file limit.`,
  options: {
    url: { type: 'string', valueName: 'url', description: 'URL to load, e.g. https://aws.venturenudge.com/ (required)' },
    users: { type: 'string', short: 'c', valueName: 'N', description: 'concurrent connections', default: '100' },
    duration: { type: 'string', short: 'd', valueName: 'S', description: 'seconds at full load (after the ramp)', default: '30' },
    ramp: { type: 'string', valueName: 'S', description: 'seconds over which connections are opened, in 4 steps', default: '0' },
    timeout: { type: 'string', valueName: 'S', description: 'per-request timeout in seconds', default: '10' },
    'max-error-pct': { type: 'string', valueName: 'pct', description: 'exit 1 when errors + non-2xx exceed this % of requests', default: '1' },
    env: { type: 'string', valueName: 'name', description: 'config environment whose WAF rate limit is quoted', default: 'production' },
  },
  epilog: `Before starting it prints the WAF caveat: the web ACL blocks one IP after
edge.wafRateLimit (2000) requests in 5 minutes, and how to run a test properly.
10,000 connections from one machine need 10,064 open files (Node raises its soft limit
to the hard limit; a lower hard limit is reported) and fit the default ephemeral port range.
Exit codes: 0 done, 1 error rate above --max-error-pct or failure, 2 bad command line.`,
} as const;

function num(flag: string, v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${flag} "${v}": must be a number`);
  return x;
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  if (!args.url) throw new UsageError('--url <url> is required, e.g. --url https://aws.venturenudge.com/');
  const opts = { url: args.url, connections: num('users', args.users), durationSec: num('duration', args.duration), rampSec: num('ramp', args.ramp), timeoutSec: num('timeout', args.timeout) };
  const maxErrorPct = num('max-error-pct', args['max-error-pct']);
  // autocannon and the config's schema load once the command line is read: --help loads neither.
  const [{ LoadOptionsError, runLoad, validateLoadOptions }, { loadConfig }] = await Promise.all([import('./lib/http/load'), import('../stacks/config')]);
  try {
    validateLoadOptions(opts);
  } catch (e) {
    if (e instanceof LoadOptionsError) throw new UsageError(e.message);
    throw e;
  }
  const log = createLogger({ prefix: 'load:' });
  const config = loadConfig();
  const env = config.environments[args.env];
  if (!env) throw new UsageError(`--env ${args.env}: unknown environment; known: ${Object.keys(config.environments).join(', ')}`);
  process.stderr.write(`${wafCaveat(env.edge.wafRateLimit, opts.url)}\n\n`);

  const fd = ensureFdLimit(opts.connections);
  if (fd.problem) log.warn(fd.problem);
  else log.info(`open-file limit ${fd.soft} for ${opts.connections} connections`);
  const ports = ephemeralPorts();
  if (ports !== undefined && opts.connections > ports) log.warn(`${opts.connections} connections exceed the ${ports} ephemeral ports of one source IP to one destination; expect EADDRNOTAVAIL`);

  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const live = isInteractive();
  const report = await runLoad({
    ...opts,
    signal: abort.signal,
    onTick: (answered, sec) => {
      const line = `${sec} s: ${answered} answered/s`;
      if (live) process.stderr.write(`\r${line}   `);
      else if (sec % 5 === 0) log.info(line);
    },
  });
  if (live) process.stderr.write('\n');
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatLoadReport(report)}\n`);
  const bad = report.errors + report.non2xx;
  const pct = (bad / Math.max(1, report.requests + report.errors)) * 100;
  if (pct > maxErrorPct) {
    log.error(`${bad} of ${report.requests + report.errors} requests failed or answered non-2xx (${pct.toFixed(2)}% > ${maxErrorPct}%)`);
    return 1;
  }
  return 0;
}

if (require.main === module) runCli(main);
