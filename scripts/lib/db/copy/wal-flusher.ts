/**
 * A target session that keeps the loaders' WAL flushed while the data phase runs.
 *
 * A COPY writes its table through a small ring of buffers; before it may reuse a buffer it must
 * flush the WAL up to that page, so a loader stops for a WAL fsync every ring's worth of data
 * (about 11% of the target's COPY time on the bench, in IO:WALSync waits). Every `intervalMs`
 * this session commits, with synchronous_commit on, a transaction whose only write is an empty
 * transactional logical message (`pg_logical_emit_message`, which no one reads: a commit that
 * wrote no WAL would not flush). Each commit flushes all the WAL written so far, on another core,
 * so the loaders mostly find their WAL already on disk. On the 2-core bench the 1 GB table's COPY
 * went from 7.5-7.8 s to 6.4-6.9 s (three interleaved pairs) and its IO:WALSync waits vanished.
 *
 * It writes nothing else (a message and a commit record per interval, one transaction ID each)
 * and the copy does not depend on it: if its session fails (or the function is not granted), it
 * stops and says so, and the run goes on.
 */
import type { Client } from 'pg';
import { connect } from '../connection';
import { closeQuietly } from '../pool';
import { errText } from '../errors';

export interface WalFlusher {
  /** Commits made so far. */
  readonly flushes: number;
  /** Ends the loop and closes the session. */
  stop(): Promise<void>;
}

export interface WalFlusherOptions {
  readonly url: string;
  /** Pause between two commits. */
  readonly intervalMs: number;
  /** Called once if the session fails (the loop then ends). */
  readonly onError?: (message: string) => void;
}

/** Starts flushing in the background (the connection opens without delaying the caller). */
export function startWalFlusher(o: WalFlusherOptions): WalFlusher {
  let client: Client | undefined;
  let stopped = false;
  let flushes = 0;
  let wake: (() => void) | undefined;
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, o.intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    try {
      client = await connect(o.url, { role: 'target', applicationName: 'db-copy wal-flush' });
      await client.query(`SET synchronous_commit = on`);
      while (!stopped) {
        // a commit that wrote WAL (a transactional logical message, read by no one) flushes at once
        await client.query(`BEGIN; SELECT pg_logical_emit_message(true, 'venture-nudge:wal-flush', ''); COMMIT`);
        flushes += 1;
        if (!stopped) await pause();
      }
    } catch (err) {
      if (!stopped) o.onError?.(`the WAL flusher session stopped (${errText(err)}); the copy goes on without it`);
    } finally {
      await closeQuietly(client);
    }
  })();
  return {
    get flushes() {
      return flushes;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
