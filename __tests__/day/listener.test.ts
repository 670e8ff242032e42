/**
 * How the migration-day rehearsal reads the ALB listener moto holds: the weights of the first
 * forward action, by the side of each target group; a plain forward is all on its group's side.
 */
import { forwardWeights } from '../../scripts/lib/rehearsal/day/listener';

const sideOf = (arn: string) => (arn === 'arn:rd' ? 'rds' : 'source') as 'source' | 'rds';

test('a weighted forward gives each side its weight', () => {
  expect(forwardWeights([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'arn:tg', Weight: 0 }, { TargetGroupArn: 'arn:rd', Weight: 100 }] } }], sideOf)).toEqual({ source: 0, rds: 100 });
});

test('a plain forward puts everything on its target group\'s side', () => {
  expect(forwardWeights([{ Type: 'forward', TargetGroupArn: 'arn:tg' }], sideOf)).toEqual({ source: 100, rds: 0 });
});

test('actions that do not forward give no weights', () => {
  expect(forwardWeights([{ Type: 'fixed-response' }], sideOf)).toBeUndefined();
});
