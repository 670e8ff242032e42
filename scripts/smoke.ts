/**
 * npm run smoke -- --target <url> [--baseline <url>] [--paths /,/api/health] [--requests N] [--json]
 *
 * The guide's post-migration validation: /api/health on both sites, then TTFB and
 * page / API time over N requests per path, p50 / p95 / max side by side, judged
 * against the budgets. See docs/validation.md.
 */
import { readFileSync } from 'fs';
import { parseCli, runCli, UsageError } from './lib/cli/args';
import { createLogger, isInteractive } from './lib/cli/log';
import { Budgets } from './lib/http/budgets';
import { DEFAULT_REQUESTS, formatSmokeReport, runSmoke, SmokeOptionsError } from './lib/http/smoke';

const spec = {
  name: 'npm run smoke --',
  summary: `Checks /api/health on the target (and baseline): status "healthy", database
"connected". Then times N GETs per path on each (fresh connection each, redirects
followed) and reports TTFB and page / API time as p50 / p95 / max side by side,
judged against the guide's budgets. Exit 1 on any failed budget or unhealthy check.`,
  options: {
    target: { type: 'string', valueName: 'url', description: 'site under test, e.g. https://aws.venturenudge.com (required)' },
    baseline: { type: 'string', valueName: 'url', description: 'site to compare with, e.g. https://venturenudge.com (Vercel)' },
    paths: { type: 'string', multiple: true, valueName: '/a,/b', description: 'paths measured; /api/... are judged as API (default: /,/api/health)' },
    requests: { type: 'string', short: 'n', valueName: 'N', description: 'requests per path and site', default: String(DEFAULT_REQUESTS) },
    ttfb: { type: 'string', valueName: 'ms', description: 'TTFB budget', default: '800' },
    page: { type: 'string', valueName: 'ms', description: 'full page time budget (HTML document)', default: '2000' },
    api: { type: 'string', valueName: 'ms', description: 'API response time budget', default: '500' },
    stat: { type: 'string', valueName: 'p50|p95|max', description: 'statistic judged against the budgets', default: 'p95' },
    'max-regression': { type: 'string', valueName: 'pct', description: 'fail when the target is more than pct % slower than the baseline' },
    'regression-floor': { type: 'string', valueName: 'ms', description: 'differences under this never count as a regression', default: '50' },
    'health-path': { type: 'string', valueName: 'path', description: 'health endpoint', default: '/api/health' },
    timeout: { type: 'string', valueName: 'ms', description: 'per request, redirects included', default: '10000' },
    ca: { type: 'string', valueName: 'file', description: 'extra CA certificate(s) to trust (PEM), e.g. a private staging CA' },
  },
  epilog: `Only GETs are sent; nothing is written. Full page time is the HTML document
(redirects included), not its images or scripts.
Exit codes: 0 every check passed, 1 a failed budget, an unhealthy site or a failed
request (each on stderr and in the output), 2 bad command line.`,
} as const;

function ms(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} "${value}": must be a number of milliseconds`);
  return n;
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  if (!args.target) throw new UsageError('--target <url> is required, e.g. --target https://aws.venturenudge.com');
  const requests = Number(args.requests);
  if (!Number.isInteger(requests)) throw new UsageError(`--requests "${args.requests}": must be a whole number`);
  const pct = args['max-regression'];
  if (pct !== undefined && !(Number.isFinite(Number(pct)) && Number(pct) >= 0)) throw new UsageError(`--max-regression "${pct}": must be a percentage >= 0`);
  const budgets: Partial<Budgets> = {
    ttfbMs: ms('ttfb', args.ttfb),
    pageMs: ms('page', args.page),
    apiMs: ms('api', args.api),
    regressionFloorMs: ms('regression-floor', args['regression-floor']),
    stat: args.stat as Budgets['stat'],
    maxRegressionPct: pct === undefined ? undefined : Number(pct),
  };
  let ca: string | undefined;
  if (args.ca) {
    try {
      ca = readFileSync(args.ca, 'utf8');
    } catch (e) {
      throw new UsageError(`--ca ${args.ca}: cannot read (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  const log = createLogger({ prefix: 'smoke:' });
  const live = isInteractive();
  let report;
  try {
    report = await runSmoke({
      target: args.target,
      baseline: args.baseline,
      paths: args.paths?.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean),
      requests,
      budgets,
      healthPath: args['health-path'],
      timeoutMs: ms('timeout', args.timeout),
      ca,
      onSample: (done, total) => {
        if (live) process.stderr.write(`\r${done}/${total} requests`);
        else if (done === total || done % 50 === 0) log.info(`${done}/${total} requests`);
      },
    });
  } catch (e) {
    if (e instanceof SmokeOptionsError) throw new UsageError(e.message);
    throw e;
  }
  if (live) process.stderr.write('\n');
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatSmokeReport(report)}\n`);
  for (const f of report.failures) log.error(f.message);
  return report.ok ? 0 : 1;
}

if (require.main === module) runCli(main, { errorPrefix: 'smoke: ' });
