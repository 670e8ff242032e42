/**
 * The stage machine: one writer at every stage, web forward one step at a time, back in one
 * step, ready only from aws, rds only from ready, rds -> ready only (after the reverse data move),
 * rds-only only from a verified rds and back to rds only.
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

test('aws -> ready starts the RDS-side service with no data move and needs health and alarms', () => {
  const t = planTransition('aws', 'ready');
  expect(t).toMatchObject({ allowed: true, preconditions: ['health', 'alarms'], databaseBefore: 'source', databaseAfter: 'source' });
  expect(t.reason).toMatch(/taking no requests/);
});

test.each(['vercel', 'canary', '25', '50'] as const)('%s -> ready is refused: web must be 100 %% on AWS first', (from) => {
  expect(planTransition(from, 'ready')).toMatchObject({ allowed: false, reason: expect.stringContaining('go to stage aws first') });
});

test('ready -> rds moves the database of record and needs the standby healthy and the last db:sync finish', () => {
  expect(planTransition('ready', 'rds')).toMatchObject({ allowed: true, preconditions: ['health', 'alarms', 'standby', 'forward-sync'], databaseBefore: 'source', databaseAfter: 'rds' });
});

test('aws -> rds is refused, naming stage ready', () => {
  expect(planTransition('aws', 'rds')).toMatchObject({ allowed: false, reason: expect.stringContaining('go to stage ready first') });
});

test.each(['vercel', 'canary', '25', '50'] as const)('%s -> rds is refused: web must be 100 %% on AWS, then ready, first', (from) => {
  expect(planTransition(from, 'rds')).toMatchObject({ allowed: false, reason: expect.stringContaining('go to stage aws, then ready, first') });
});

test('rds -> ready needs the reverse data move and the source side healthy; rds -> a web stage is refused', () => {
  expect(planTransition('rds', 'ready')).toMatchObject({ allowed: true, preconditions: ['reverse-sync', 'source-standby'], databaseAfter: 'source' });
  for (const to of ['vercel', 'canary', '50', 'aws', 'rollback'] as const) expect(planTransition('rds', to)).toMatchObject({ allowed: false });
});

test('rds -> rds-only needs the forward finish verified (its own check, not forward-sync), health and alarms; RDS stays the database of record', () => {
  expect(planTransition('rds', 'rds-only')).toMatchObject({ allowed: true, preconditions: ['verified', 'health', 'alarms'], databaseBefore: 'rds', databaseAfter: 'rds' });
});

test.each(['vercel', 'canary', '25', '50', 'aws', 'ready', 'rollback'] as const)('%s -> rds-only is refused, naming stage rds', (from) => {
  expect(planTransition(from, 'rds-only')).toMatchObject({ allowed: false, reason: expect.stringContaining('go to stage rds first') });
});

test('rds-only -> rds starts the source side again with no precondition and no data move', () => {
  const t = planTransition('rds-only', 'rds');
  expect(t).toMatchObject({ allowed: true, preconditions: [], databaseBefore: 'rds', databaseAfter: 'rds' });
  expect(t.reason).toMatch(/no data moves/);
});

test.each(['vercel', 'aws', 'ready', 'rollback'] as const)('rds-only -> %s is refused: the way back starts at stage rds', (to) => {
  expect(planTransition('rds-only', to)).toMatchObject({ allowed: false, reason: expect.stringContaining('go to stage rds first') });
});

test.each(['aws', '50', 'vercel', 'rollback'] as const)('ready -> %s stops the RDS-side service with no precondition and no data move', (to) => {
  const t = planTransition('ready', to);
  expect(t).toMatchObject({ allowed: true, preconditions: [], databaseAfter: 'source' });
  expect(t.reason).toMatch(/stops the RDS-side service.*no data moves/);
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

test('aws -> ready shows the RDS-side service appearing at listener weight 0, and no database change', () => {
  const c = stageChange(at('aws'), at('ready'), 'production');
  expect(c.database).toBeNull();
  expect(c.switchOnly).toBe(false);
  expect(c.listener).toEqual([
    { record: 'venture-nudge-service (source side)', before: 100, after: 100 },
    { record: 'venture-nudge-service-rds (RDS side)', before: null, after: 0 },
  ]);
});

test('ready -> rds is the switch: only the listener weights move, every request to the RDS side', () => {
  const c = stageChange(at('ready'), at('rds'), 'production');
  expect(c.switchOnly).toBe(true);
  expect(c.listener).toEqual([
    { record: 'venture-nudge-service (source side)', before: 100, after: 0 },
    { record: 'venture-nudge-service-rds (RDS side)', before: 0, after: 100 },
  ]);
});

test('rds -> ready is the same switch back', () => {
  const c = stageChange(at('rds'), at('ready'), 'production');
  expect(c.switchOnly).toBe(true);
  expect(c.listener.map((l) => [l.before, l.after])).toEqual([[0, 100], [100, 0]]);
});

test('ready -> rds shows the database settings of the service taking requests moving from SSM to the app secret', () => {
  const c = stageChange(at('ready'), at('rds'), 'production');
  expect(c.weights.every((w) => w.before === w.after)).toBe(true);
  expect(c.database!.before.secrets.find((s) => s.name === 'DATABASE_URL')!.valueFrom).toBe('ssm:/venture-nudge/production/SOURCE_DATABASE_URL');
  expect(c.database!.after.secrets.find((s) => s.name === 'DATABASE_URL')!.valueFrom).toBe('secretsmanager:venture-nudge-production/app-database:url::');
  expect(c.database!.after.environment).toMatchObject({ PGSSLMODE: 'verify-full', NODE_EXTRA_CA_CERTS: expect.stringMatching(/rds.*\.pem$/) });
});

test('rds -> rds-only shows the source side scaled to zero, its listener weight and every record unchanged', () => {
  const c = stageChange(at('rds'), at('rds-only'), 'production');
  expect(c.switchOnly).toBe(false);
  expect(c.database).toBeNull();
  expect(c.weights.every((w) => w.before === w.after)).toBe(true);
  expect(c.listener.map((l) => [l.record, l.before, l.after])).toEqual([
    ['venture-nudge-service (source side)', 0, 0],
    ['venture-nudge-service-rds (RDS side)', 100, 100],
  ]);
  expect(c.tasks).toEqual([
    { service: 'venture-nudge-service (source side)', before: '2..10', after: '0..0' },
    { service: 'venture-nudge-service-rds (RDS side)', before: '2..10', after: '2..10' },
  ]);
});

test('config rejects stage rds with Vercel still taking traffic, and says why', () => {
  expect(() => resolveConfig({ environments: { production: { cutover: { stage: 'rds', weights: { aws: 90, vercel: 10 } } } } } as ConfigInput)).toThrow(
    /cutover\.weights: stage rds .* two databases would take writes/,
  );
});
