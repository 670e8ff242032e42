/**
 * A freeze always lets go: while a CLI run holds a freeze it set, SIGINT and SIGTERM lift it on
 * a session of their own (the run's sessions may be busy in a query), say so on stderr and exit
 * 130/143. The process-group registry of scripts/lib/proc/groups.ts is for child processes and
 * re-raises the signal synchronously; lifting needs a query, so this is a listener of its own
 * (both coexist: groups.ts re-raises only when no other listener is installed).
 */
import { connect, describeUrl } from '../connection';
import { closeQuietly } from '../pool';
import { SYNC_APP } from './context';
import { liftFreeze } from './freeze';

/** Lifts the freeze of `url` on a session of its own. */
export async function liftFreezeAt(url: string): Promise<void> {
  const c = await connect(url, { role: 'source', applicationName: `${SYNC_APP} unfreeze` });
  try {
    const db = (await c.query<{ d: string }>('SELECT current_database() AS d')).rows[0].d;
    await liftFreeze(c, db);
  } finally {
    await closeQuietly(c);
  }
}

/**
 * Until the returned function is called, SIGINT/SIGTERM lift the freeze on `url` and exit.
 * `what` completes the message, e.g. "the subscription is kept: rerun finish".
 */
export function liftOnSignal(url: string, what: string, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): () => void {
  let busy = false;
  const handler = (signal: NodeJS.Signals) => {
    if (busy) return;
    busy = true;
    const code = signal === 'SIGINT' ? 130 : 143;
    const timer = setTimeout(() => {
      write(`error: interrupted (${signal}) and could not lift the freeze on ${describeUrl(url)} within 20 s: run npm run db:sync -- unfreeze`);
      process.exit(code);
    }, 20000);
    liftFreezeAt(url).then(
      () => {
        clearTimeout(timer);
        write(`interrupted (${signal}): the freeze on ${describeUrl(url)} was lifted, it takes writes again; ${what}`);
        process.exit(code);
      },
      (err: Error) => {
        clearTimeout(timer);
        write(`error: interrupted (${signal}) and could not lift the freeze on ${describeUrl(url)} (${err.message.split('\n')[0]}): run npm run db:sync -- unfreeze`);
        process.exit(code);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
