/**
 * `npm run rehearse -- --migration-day [--scale N] [--rate R] [--json]`: runs ./walk.ts and
 * prints the verdict (stderr) and the report (`--json`, stdout). Exit 0 only with no lost write,
 * no write on the wrong database, every step passed and the independent comparisons equal.
 */
import { createLogger } from '../../cli/log';
import { formatBytes } from '../../text/units';
import type { DayReport } from './report';
import { migrationDay } from './walk';

/** What the rehearsal does not prove, printed with every verdict. */
export const NOT_REHEARSED_DAY: readonly string[] = [
  'ECS tasks never run: the "AWS" app processes are started by the rehearsal with the settings the synthesized task definition gives (secrets resolved from moto); image pull, health-check grace, deregistration delay and the rolling deployment\'s own timing are not rehearsed',
  'security groups, NAT gateways and the path from a task to Vercel Postgres or RDS: every process talks to 127.0.0.1',
  'DNS: Route 53 weights are read from the synthesized stack and applied by the load driver; no resolver caches a record for its TTL (300 s), so real traffic moves slower and less exactly',
  'provider TLS: a self-signed certificate per cluster stands in for the Neon and RDS CAs (the app still verifies it: verify-full, NODE_EXTRA_CA_CERTS)',
  'CREATE SUBSCRIPTION runs as a superuser (PostgreSQL 15 reserves it; RDS and Neon let rds_superuser / neon_superuser run it): granted for that step only',
];

const s = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} s`);

function verdict(r: DayReport): string {
  const out = ['', 'Steps (as typed):'];
  for (const st of r.steps) out.push(`  ${st.ok ? 'ok  ' : 'FAIL'} ${st.seconds.toFixed(1).padStart(6)} s  ${st.id.padEnd(18)} ${st.command}`);
  if (r.failedStep?.error) out.push('', `first failed step: ${r.failedStep.id}: ${r.failedStep.command}`, ...r.failedStep.error.split('\n').map((l) => `  | ${l}`));
  out.push('', `database: pgbench scale ${r.scale} + the app's tables, ${formatBytes(r.databaseBytes)}; ${r.requests} requests`);
  out.push(`acknowledged writes ${r.acknowledgedWrites}, refused ${r.refusedWrites}; lost ${r.lostWrites}; on the wrong database ${r.writesOnWrongDatabase}; database of record now: ${r.databaseOfRecord}`);
  for (const w of r.windows) out.push(`read-only window ${w.from} -> ${w.to}: ${w.seconds.toFixed(1)} s (last ack on ${w.from} to first ack on ${w.to}, ${w.refused} writes refused in it; ${w.judgeSeconds.toFixed(1)} s of it the rehearsal's own comparison, so ${w.besideJudgeSeconds.toFixed(1)} s beside it)`);
  for (const f of r.freezes) out.push(`${f.step}: freeze ${s(f.freezeSeconds)}, verify ${s(f.verifySeconds)}${f.toVerifiedSeconds === null ? "" : `, start -> verified ${s(f.toVerifiedSeconds)}`}`);
  out.push(`refused writes per stage: ${Object.entries(r.errorsPerStage).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const c of r.comparisons) out.push(`independent comparison after ${c.after}: ${c.same ? 'identical' : 'DIFFERENT (see report.json)'}`);
  out.push('Superuser:', ...r.superuserSteps.map((x) => `  - ${x}`));
  out.push('Not rehearsed:', ...NOT_REHEARSED_DAY.map((x) => `  - ${x}`));
  out.push('', `logs: ${r.logDir} (steps.log, app-*.log, ledger.jsonl, report.json)`);
  out.push(r.ok ? `VERDICT: PASS - the runbook ran as written; ${r.acknowledgedWrites} acknowledged writes, none lost, none on the wrong database (${r.seconds.toFixed(0)} s)` : `VERDICT: FAIL - ${r.problems.join('; ')} (${r.seconds.toFixed(0)} s)`);
  return out.join('\n');
}

export async function runMigrationDay(o: { scale: number; rate: number; workDir: string; stepTimeoutSeconds: number; json: boolean }): Promise<number> {
  const log = createLogger();
  const report = await migrationDay({ scale: o.scale, rate: o.rate, workDir: o.workDir, stepTimeoutSeconds: o.stepTimeoutSeconds, log: (l) => log.info(l) });
  log.info(verdict(report));
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}
