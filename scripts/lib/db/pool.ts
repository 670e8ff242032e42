/** Bounded parallelism and quiet connection shutdown, shared by copy, verify, audit and sync. */
import type { Client } from 'pg';

/**
 * Parallel workers of copy, verify, finish and rollback unless --jobs says otherwise: the one
 * place the default is written (options say `@default DEFAULT_JOBS`, CLIs print it in --help,
 * docs' "default N" is checked against it). One per core of the 2-core machines it runs on.
 */
export const DEFAULT_JOBS = 2;

/** Runs `work` over items with at most `jobs` at a time; stops taking items after a failure. */
export async function runPool<T>(items: readonly T[], jobs: number, work: (item: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (w: number) => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      try {
        await work(item, w);
      } catch (err) {
        if (failure === undefined) failure = err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, (_, w) => worker(w)));
  if (failure !== undefined) throw failure;
}

export async function closeQuietly(client: Client | undefined): Promise<void> {
  if (!client) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.end().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
  if (timer) clearTimeout(timer);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (client as any).connection?.stream?.destroy?.();
}

/**
 * Awaits every promise, also after one fails, then throws the first error: a session a task
 * opens (and hands to the caller's cleanup) cannot open after the caller has cleaned up.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(promises: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Runs `count` tasks at once (for sessions: their connect latencies overlap), as {@link allSettledOrThrow}. */
export function settleAll<T>(count: number, task: (i: number) => Promise<T>): Promise<T[]> {
  return allSettledOrThrow<T[]>(Array.from({ length: count }, (_, i) => task(i)));
}
