/**
 * What a stage change does, shown before it is applied: the Route 53 weight of each weighted
 * record, before and after; the ECS services that run and the ALB listener's weight on each
 * one's target group; each service's task range (its autoscaling minimum..maximum); for a change of the database of record the database settings of the
 * service taking requests, before and after (from stacks/app-database.ts, the same function the
 * service construct deploys).
 */
import { appDatabaseSettings, type AppDatabaseSettings } from '../../../stacks/app-database';
import { cutoverWeights, listenerWeights, namesFor, standbyRuns, taskRange, type Config, type CutoverStage } from '../../../stacks/config';

export interface RecordWeight {
  /** e.g. `venturenudge.com A (aws)`. */
  readonly record: string;
  readonly before: number | null;
  readonly after: number | null;
}

export interface StageChange {
  readonly weights: RecordWeight[];
  /** The ALB listener's weight on each service's target group (absent: the service does not run). */
  readonly listener: RecordWeight[];
  /** Each service's task range, `min..max` (absent: the service does not run; 0..0: scaled to zero at rds-only). */
  readonly tasks: { readonly service: string; readonly before: string | null; readonly after: string | null }[];
  /** The change is the listener's weights alone (the database switch): applied first as a targeted change. */
  readonly switchOnly: boolean;
  readonly database: { readonly before: AppDatabaseSettings; readonly after: AppDatabaseSettings } | null;
}

function records(config: Config, envName: string): Map<string, number> {
  const env = config.environments[envName];
  const names = namesFor(config, envName);
  const w = cutoverWeights(env.cutover);
  const out = new Map<string, number>([
    [`${names.apex} A (aws)`, w.aws],
    [`${names.apex} A (vercel)`, w.vercel],
    [`${names.www} CNAME (aws)`, w.aws],
    [`${names.www} CNAME (vercel)`, w.vercel],
  ]);
  // AAAA at a weighted name has no Vercel counterpart: published only with Vercel at 0 (stacks/dns.ts)
  if (env.edge.ipv6 && w.vercel === 0) out.set(`${names.apex} AAAA (aws)`, w.aws);
  return out;
}

function settings(config: Config, envName: string): AppDatabaseSettings {
  const names = namesFor(config, envName);
  return appDatabaseSettings(config.environments[envName].cutover.stage, {
    ssmArnPrefix: `ssm:${names.ssmPath}`,
    appSecretArn: `secretsmanager:${names.prefix}/app-database`,
  });
}

/** The services that run at a stage and the listener's weight on each one's target group. */
function listener(config: Config, envName: string): Map<string, number> {
  const names = namesFor(config, envName);
  const stage: CutoverStage = config.environments[envName].cutover.stage;
  const w = listenerWeights(stage);
  const out = new Map<string, number>([[`${names.service} (source side)`, w.source]]);
  if (standbyRuns(stage)) out.set(`${names.rdsService} (RDS side)`, w.rds);
  return out;
}

/** The services that run at a stage and each one's task range, as the stack deploys it (taskRange). */
function taskRanges(config: Config, envName: string): Map<string, string> {
  const names = namesFor(config, envName);
  const env = config.environments[envName];
  const stage: CutoverStage = env.cutover.stage;
  const range = (side: 'source' | 'rds') => {
    const r = taskRange(stage, side, env.service);
    return `${r.min}..${r.max}`;
  };
  const out = new Map<string, string>([[`${names.service} (source side)`, range('source')]]);
  if (standbyRuns(stage)) out.set(`${names.rdsService} (RDS side)`, range('rds'));
  return out;
}

function diff(a: Map<string, number>, b: Map<string, number>): RecordWeight[] {
  return [...new Set([...a.keys(), ...b.keys()])].map((record) => ({ record, before: a.get(record) ?? null, after: b.get(record) ?? null }));
}

/** The change between two configs for one environment. */
export function stageChange(before: Config, after: Config, envName: string): StageChange {
  const weights = diff(records(before, envName), records(after, envName));
  const listenerWeights = diff(listener(before, envName), listener(after, envName));
  const sa = settings(before, envName);
  const sb = settings(after, envName);
  const moved = (x: RecordWeight[]) => x.some((r) => r.before !== r.after);
  // Both services run before and after, only the weights move: the switch between ready and rds.
  const ta = taskRanges(before, envName);
  const tb = taskRanges(after, envName);
  const tasks = [...new Set([...ta.keys(), ...tb.keys()])].map((service) => ({ service, before: ta.get(service) ?? null, after: tb.get(service) ?? null }));
  const switchOnly = !moved(weights) && moved(listenerWeights) && listenerWeights.every((r) => r.before !== null && r.after !== null) && tasks.every((t) => t.before === t.after);
  return { weights, listener: listenerWeights, tasks, switchOnly, database: sa.databaseOfRecord === sb.databaseOfRecord ? null : { before: sa, after: sb } };
}

/** Text lines for the operator. */
export function renderChange(c: StageChange): string[] {
  const lines = ['Route 53 weighted records (weight before -> after):'];
  const w = Math.max(...c.weights.map((x) => x.record.length));
  const fmt = (n: number | null) => (n === null ? 'absent' : String(n));
  for (const r of c.weights) lines.push(`  ${r.record.padEnd(w)}  ${fmt(r.before).padStart(6)} -> ${fmt(r.after)}${r.before === r.after ? '' : '   *'}`);
  lines.push('', 'ECS services and the ALB listener\'s weight on each one\'s target group (before -> after; absent: not running):');
  const l = Math.max(w, ...c.listener.map((x) => x.record.length));
  for (const r of c.listener) lines.push(`  ${r.record.padEnd(l)}  ${fmt(r.before).padStart(6)} -> ${fmt(r.after)}${r.before === r.after ? '' : '   *'}`);
  if (c.tasks.some((t) => t.before !== t.after)) {
    lines.push('', 'ECS services\' task range, autoscaling minimum..maximum (before -> after):');
    const fmtRange = (r: string | null) => r ?? 'absent';
    for (const t of c.tasks) lines.push(`  ${t.service.padEnd(l)}  ${fmtRange(t.before).padStart(6)} -> ${fmtRange(t.after)}${t.before === t.after ? '' : '   *'}`);
  }
  if (c.switchOnly) lines.push('  the switch: applied first as a targeted change of the listener alone, then the rest of the plan');
  if (c.database) {
    lines.push('', `database settings of the service taking requests (database of record ${c.database.before.databaseOfRecord} -> ${c.database.after.databaseOfRecord}):`);
    const show = (s: AppDatabaseSettings) => [
      ...Object.entries(s.environment).map(([k, v]) => `${k}=${v}`),
      ...s.secrets.map((x) => `${x.name} <- ${x.valueFrom}`),
    ];
    lines.push('  before:', ...show(c.database.before).map((l) => `    ${l}`), '  after:', ...show(c.database.after).map((l) => `    ${l}`));
  } else lines.push('', 'database of record unchanged: no data moves');
  return lines;
}
