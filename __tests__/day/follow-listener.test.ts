/**
 * The rehearsal's traffic follows the listener live, and when the listener first sends requests
 * to the RDS side it waits for the judge's hold at the open (`run.gate`): no request reaches RDS
 * before both databases are held, so the judge never has to give up on a late hold.
 */
import { followListener, type DayRun } from '../../scripts/lib/rehearsal/day/day';

function fakeRun(weights: { source: number; rds: number }[]) {
  const events: string[] = [];
  let i = 0;
  const run = {
    listener: { source: 100, rds: 0 },
    weights: { vercel: 0, aws: 100 },
    aws: [{ port: 1 }],
    standby: [{ port: 2 }],
    traffic: { route: (_w: unknown, ports: { aws: number[] }) => events.push(`route aws:${ports.aws.join(',')}`) },
    alb: { weights: async () => weights[Math.min(i++, weights.length - 1)] },
    log: () => undefined,
  } as unknown as DayRun;
  return { run, events };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the first requests to the RDS side wait for the gate (the judge hold at the open)', async () => {
  const { run, events } = fakeRun([{ source: 100, rds: 0 }, { source: 0, rds: 100 }]);
  run.gate = async () => {
    events.push('gate opened');
    await sleep(100);
    events.push('gate passed');
  };
  await followListener(run, sleep(300), 20);
  expect(events).toEqual(['gate opened', 'gate passed', 'route aws:2']);
  expect(run.rdsSideSince).toBeDefined();
});

test('without a gate the traffic moves as soon as the listener does', async () => {
  const { run, events } = fakeRun([{ source: 0, rds: 100 }]);
  await followListener(run, sleep(100), 20);
  expect(events).toEqual(['route aws:2']);
});

test('a switch back to the source side does not wait for the gate', async () => {
  const { run, events } = fakeRun([{ source: 100, rds: 0 }]);
  run.listener = { source: 0, rds: 100 };
  run.rdsSideSince = Date.now();
  run.gate = async () => void events.push('gate');
  await followListener(run, sleep(100), 20);
  expect(events).toEqual(['route aws:1']);
});
