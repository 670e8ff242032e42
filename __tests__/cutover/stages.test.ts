/**
 * The stage machine: one writer at every stage, web forward one step at a time, back in one
 * step, rds only from aws, rds -> aws only (after the reverse data move).
 */
import { planTransition } from '../../scripts/lib/cutover/stages';
import { stageChange } from '../../scripts/lib/cutover/change';
import { resolveConfig, type ConfigInput, type CutoverStage } from '../../stacks/config';

const at = (stage: CutoverStage) => resolveConfig({ environments: { production: { cutover: { stage } } } } as ConfigInput);

test.each([
  ['vercel', 'canary'],
  ['canary', '25'],
  ['25', '50'],
  ['50', 'aws'],
] as const)('web forward %s -> %s is allowed and needs health and alarms', (from, to) => {
  expect(planTransition(from, to)).toMatchObject({ allowed: true, preconditions: ['health', 'alarms'], databaseBefore: 'source', databaseAfter: 'source' });
});

test('web forward skipping a stage is refused, naming the next stage', () => {
  expect(planTransition('canary', 'aws')).toMatchObject({ allowed: false, reason: expect.stringContaining('go to 25 first') });
});

test.each([
  ['aws', 'vercel'],
  ['50', 'canary'],
  ['aws', 'rollback'],
  ['canary', 'rollback'],
] as const)('web back %s -> %s is one step with no preconditions and no data move', (from, to) => {
  const t = planTransition(from, to);
  expect(t).toMatchObject({ allowed: true, preconditions: [], databaseBefore: 'source', databaseAfter: 'source' });
  expect(t.reason).toMatch(/no data moves/);
});

test('aws -> rds moves the database of record and needs the last db:sync finish', () => {
  expect(planTransition('aws', 'rds')).toMatchObject({ allowed: true, preconditions: ['health', 'alarms', 'forward-sync'], databaseBefore: 'source', databaseAfter: 'rds' });
});

test.each(['vercel', 'canary', '25', '50'] as const)('%s -> rds is refused: web must be 100 %% on AWS first', (from) => {
  expect(planTransition(from, 'rds')).toMatchObject({ allowed: false, reason: expect.stringContaining('go to stage aws first') });
});

test('rds -> aws needs the reverse data move; rds -> any other stage is refused', () => {
  expect(planTransition('rds', 'aws')).toMatchObject({ allowed: true, preconditions: ['reverse-sync'], databaseAfter: 'source' });
  for (const to of ['vercel', 'canary', '50', 'rollback'] as const) expect(planTransition('rds', to)).toMatchObject({ allowed: false });
});

test('a web stage change shows each weighted record before and after', () => {
  const c = stageChange(at('canary'), at('25'), 'production');
  expect(c.database).toBeNull();
  expect(c.weights).toEqual([
    { record: 'venturenudge.com A (aws)', before: 10, after: 25 },
    { record: 'venturenudge.com A (vercel)', before: 90, after: 75 },
    { record: 'www.venturenudge.com CNAME (aws)', before: 10, after: 25 },
    { record: 'www.venturenudge.com CNAME (vercel)', before: 90, after: 75 },
  ]);
});

test('canary and 25 show different changes (the plan review can tell them apart)', () => {
  expect(stageChange(at('vercel'), at('canary'), 'production')).not.toEqual(stageChange(at('vercel'), at('25'), 'production'));
});

test('aws -> rds shows the task definition database settings moving from SSM to the app secret', () => {
  const c = stageChange(at('aws'), at('rds'), 'production');
  expect(c.weights.every((w) => w.before === w.after)).toBe(true);
  expect(c.database!.before.secrets.find((s) => s.name === 'DATABASE_URL')!.valueFrom).toBe('ssm:/venture-nudge/production/SOURCE_DATABASE_URL');
  expect(c.database!.after.secrets.find((s) => s.name === 'DATABASE_URL')!.valueFrom).toBe('secretsmanager:venture-nudge-production/app-database:url::');
  expect(c.database!.after.environment).toMatchObject({ PGSSLMODE: 'verify-full', NODE_EXTRA_CA_CERTS: expect.stringMatching(/rds.*\.pem$/) });
});

test('config rejects stage rds with Vercel still taking traffic, and says why', () => {
  expect(() => resolveConfig({ environments: { production: { cutover: { stage: 'rds', weights: { aws: 90, vercel: 10 } } } } } as ConfigInput)).toThrow(
    /cutover\.weights: stage rds .* two databases would take writes/,
  );
});
