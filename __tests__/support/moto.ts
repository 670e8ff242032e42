/**
 * Test helpers around the moto launcher (scripts/lib/rehearsal/moto.ts): one local AWS
 * API per test file, started in beforeAll and stopped in afterAll (also when a
 * test fails), its log kept under the OS temp dir.
 */
import { readFileSync } from 'fs';
import { MotoOptions, MotoServer, startMoto } from '../../scripts/lib/rehearsal/moto';

export { FAKE_AWS_KEYS, MOTO_ENV, freePort, startMoto, withMoto } from '../../scripts/lib/rehearsal/moto';
export type { MotoOptions, MotoServer } from '../../scripts/lib/rehearsal/moto';

/** Starts moto before the tests of the calling file and stops it after them; returns a getter. */
export function useMoto(opts: MotoOptions = {}): () => MotoServer {
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await startMoto(opts);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('moto is not running (did beforeAll fail?)');
    return server;
  };
}

/** True while `pid` is a live process (a zombie, killed but not yet reaped, counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
