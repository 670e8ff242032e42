/**
 * `db:sync status` names the states the armed reverse replication of finish can leave, with the
 * command that continues each (status.ts dayState over the facts status reads).
 */
import { dayState, type SyncStatus } from '../../scripts/lib/db/sync/index';

const frozen = { frozen: true, readOnlyDefault: true, triggers: 3 };
const thawed = { frozen: false, readOnlyDefault: false, triggers: 0 };

function facts(o: { subscribed: boolean; sourceFrozen: boolean; armed: boolean }): Omit<SyncStatus, 'day'> {
  return {
    subscribed: o.subscribed,
    slot: { exists: o.subscribed, active: o.subscribed },
    publication: o.subscribed,
    tables: o.subscribed ? [{ table: 'public.users', state: 'ready' }] : [],
    allReady: o.subscribed,
    lagBytes: o.subscribed ? 0 : null,
    lagSeconds: o.subscribed ? 0 : null,
    workerRunning: o.subscribed,
    frozen: { source: o.sourceFrozen ? frozen : thawed, target: thawed },
    lock: null,
    reverse: { subscription: o.armed, slot: o.armed, publication: o.armed, armed: o.armed },
  };
}

test('after the open with the reverse replication still armed: db:rollback, or finish to verify again', () => {
  const d = dayState(facts({ subscribed: false, sourceFrozen: true, armed: true }), { env: 'production' });
  expect(d.state).toBe('reverse-armed');
  expect(d.next).toMatch(/^npm run db:rollback -- --env production/);
  expect(d.next).toMatch(/npm run db:sync -- finish --freeze --env production verifies again/);
});

test('armed but interrupted before the open (the subscription kept): rerun finish', () => {
  const d = dayState(facts({ subscribed: true, sourceFrozen: false, armed: true }), { env: 'production' });
  expect(d.state).toBe('finish-interrupted');
  expect(d.next).toMatch(/^npm run db:sync -- finish --freeze --env production/);
  expect(d.undo).toMatch(/cleanup --prefix vn_back --from-env TARGET_DATABASE_URL --to-env SOURCE_DATABASE_URL/);
});

test('a finished day without anything armed is still "cut-over"', () => {
  expect(dayState(facts({ subscribed: false, sourceFrozen: true, armed: false })).state).toBe('cut-over');
});
