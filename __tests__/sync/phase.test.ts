/**
 * db:sync's phases report a failure as the copy's do: a lost connection says so, and the
 * server's DETAIL/HINT/CONTEXT follow whole (one error mapper for both engines).
 */
import { runPhase as inPhase } from '../../scripts/lib/db/phase';
import type { SyncContext } from '../../scripts/lib/db/sync/context';

const ctx = { emit: () => undefined } as unknown as SyncContext;

test('a terminated session fails the phase as "connection lost", naming the phase', async () => {
  const killed = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  await expect(inPhase(ctx, 'freeze', async () => Promise.reject(killed))).rejects.toThrow(/^\[freeze\] connection lost \(terminating connection due to administrator command\): the server ended the session/);
});

test("the server's DETAIL and HINT follow the headline on their own lines", async () => {
  const err = Object.assign(new Error('permission denied for table users'), { code: '42501', detail: 'the role lacks INSERT', hint: 'GRANT INSERT' });
  await expect(inPhase(ctx, 'replication', async () => Promise.reject(err))).rejects.toThrow('[replication] permission denied for table users\nDETAIL: the role lacks INSERT\nHINT: GRANT INSERT');
});
