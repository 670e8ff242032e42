/**
 * The migration runner's task role may read and write the record of the day, and only it: the
 * one parameter `/<app>/<env>/cutover/day`, named to the task in VN_DAY_RECORD_PARAMETER.
 */
import { parseJsonAttr, resourceNamed, synthEnvironment } from '../support/synth';
import { dayRecordParameter } from '../../scripts/lib/cutover/ledger';
import { resolveConfig } from '../../stacks/config';

const json = synthEnvironment({});
const taskPolicy = () => parseJsonAttr(resourceNamed(json, 'aws_iam_role_policy', 'runner_task-exec').policy).Statement as { Sid: string; Action: string[]; Resource: string }[];

test('the task role gets ssm:GetParameter and ssm:PutParameter on exactly the record\'s parameter', () => {
  const st = taskPolicy().find((s) => s.Sid === 'DayRecord')!;
  expect(st.Action).toEqual(['ssm:GetParameter', 'ssm:PutParameter']);
  expect(st.Resource).toMatch(/^arn:aws:ssm:us-east-1:\$\{.*\}:parameter\/venture-nudge\/production\/cutover\/day$/);
});

test('no other statement of the task role reaches SSM parameters', () => {
  expect(taskPolicy().filter((s) => s.Sid !== 'DayRecord').flatMap((s) => s.Action).filter((a) => a.startsWith('ssm:'))).toEqual([]);
});

test('the task is told the parameter the ledger uses', () => {
  const container = parseJsonAttr(resourceNamed(json, 'aws_ecs_task_definition', 'runner').container_definitions)[0];
  const env = Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
  expect(env.VN_DAY_RECORD_PARAMETER).toBe(dayRecordParameter(resolveConfig({}), 'production'));
  expect(env.VN_DAY_RECORD_PARAMETER).toBe('/venture-nudge/production/cutover/day');
});
