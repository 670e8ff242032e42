/**
 * What a stage change does, shown before it is applied: for web stages the Route 53 weight of
 * each weighted record, before and after; for a change of the database of record the task
 * definition's database settings, before and after (from stacks/app-database.ts, the same
 * function the service construct deploys).
 */
import { appDatabaseSettings, type AppDatabaseSettings } from '../../../stacks/app-database';
import { cutoverWeights, namesFor, type Config } from '../../../stacks/config';

export interface RecordWeight {
  /** e.g. `venturenudge.com A (aws)`. */
  readonly record: string;
  readonly before: number | null;
  readonly after: number | null;
}

export interface StageChange {
  readonly weights: RecordWeight[];
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

/** The change between two configs for one environment. */
export function stageChange(before: Config, after: Config, envName: string): StageChange {
  const a = records(before, envName);
  const b = records(after, envName);
  const weights = [...new Set([...a.keys(), ...b.keys()])].map((record) => ({ record, before: a.get(record) ?? null, after: b.get(record) ?? null }));
  const sa = settings(before, envName);
  const sb = settings(after, envName);
  return { weights, database: sa.databaseOfRecord === sb.databaseOfRecord ? null : { before: sa, after: sb } };
}

/** Text lines for the operator. */
export function renderChange(c: StageChange): string[] {
  const lines = ['Route 53 weighted records (weight before -> after):'];
  const w = Math.max(...c.weights.map((x) => x.record.length));
  const fmt = (n: number | null) => (n === null ? 'absent' : String(n));
  for (const r of c.weights) lines.push(`  ${r.record.padEnd(w)}  ${fmt(r.before).padStart(6)} -> ${fmt(r.after)}${r.before === r.after ? '' : '   *'}`);
  if (c.database) {
    lines.push('', `task definition database settings (database of record ${c.database.before.databaseOfRecord} -> ${c.database.after.databaseOfRecord}):`);
    const show = (s: AppDatabaseSettings) => [
      ...Object.entries(s.environment).map(([k, v]) => `${k}=${v}`),
      ...s.secrets.map((x) => `${x.name} <- ${x.valueFrom}`),
    ];
    lines.push('  before:', ...show(c.database.before).map((l) => `    ${l}`), '  after:', ...show(c.database.after).map((l) => `    ${l}`));
  } else lines.push('', 'database of record unchanged: no data moves');
  return lines;
}
