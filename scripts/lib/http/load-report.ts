/**
 * What `npm run load` says before and after a run: the WAF caveat and the report.
 */
import type { LoadReport } from './load';

/**
 * The WAF caveat printed before every run: the web ACL's rate rule counts requests per
 * client IP, so a load test from one machine measures the WAF, not the app.
 */
export function wafCaveat(rateLimit: number, url: string): string {
  const local = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(new URL(url).hostname);
  const lines = [
    rateLimit > 0
      ? `WAF: the CloudFront web ACL blocks a client IP after ${rateLimit} requests in 5 minutes (config edge.wafRateLimit). From one machine a load test is answered 403 by the WAF within seconds, so its figures would measure the WAF, not the app.`
      : 'WAF: the rate rule is off in this config (edge.wafRateLimit = 0); the AWS managed rule groups still apply.',
    'To run a load test properly, either:',
    '  1. lift the rate rule for the test window: set edge.wafRateLimit to 0 in the config and apply, then restore it and apply again (the config has no allow-list for the generator\'s IPs: to exempt only them, add a WAF IP set with an allow rule ahead of the rate rule outside this stack, and remove both afterwards);',
    `  2. or spread the source: run this command from several machines with different public IPs, each under ${rateLimit > 0 ? rateLimit : 'the'} requests / 5 min (a distributed runner), and add up their reports.`,
    'Warn the on-call first: the alb-requests-high and cloudfront-requests-high alarms will fire.',
  ];
  if (local) lines.push(`(${new URL(url).host} is local: no WAF in the way of this run.)`);
  return lines.join('\n');
}

const n = (v: number) => v.toLocaleString('en-US');

/** Human-readable report: connections, requests/s, latency percentiles, errors, non-2xx, then the generator's own figures. */
export function formatLoadReport(r: LoadReport): string {
  const g = r.generator;
  const codes = Object.entries(r.statusCodes).map(([c, k]) => `${c}: ${n(k)}`).join(', ') || 'none';
  const errs = Object.entries(r.errorCodes).map(([c, k]) => `${c}: ${n(k)}`).join(', ');
  return [
    `load: ${r.url}, ${n(r.connections)} connections${r.rampSec ? ` (ramped over ${r.rampSec} s)` : ''}, ${r.durationSec} s at full load${r.stoppedEarly ? ' (stopped early)' : ''}`,
    `connections           ${n(r.connections)} asked, ${r.connectionsOpenPeak !== undefined ? n(r.connectionsOpenPeak) : 'unknown'} open at peak (kernel count), ${n(r.connectionsAnswered)} answered at least once`,
    `requests              ${n(r.requests)} (${n(r.requestsPerSec)}/s)`,
    `latency (ms)          p50 ${r.latencyMs.p50}  p95 ${r.latencyMs.p95}  p99 ${r.latencyMs.p99}  max ${r.latencyMs.max}  mean ${r.latencyMs.mean}`,
    `errors                ${n(r.errors)} (timeouts ${n(r.timeouts)})${errs ? ` - ${errs}` : ''}`,
    `non-2xx               ${n(r.non2xx)}   status codes: ${codes}`,
    ...(r.rampSec ? [`ramp                  ${n(r.ramp.requests)} answered, ${n(r.ramp.errors)} errors (not in the figures above)`] : []),
    '',
    `generator: open-file limit ${g.fdLimit.soft}, ephemeral ports ${g.ephemeralPorts ?? 'unknown'}, peak RSS ${g.rssMiB} MiB`,
    ...(g.fdLimit.problem ? [`generator: ${g.fdLimit.problem}`] : []),
    `generator: ${g.verdict}`,
  ].join('\n');
}
