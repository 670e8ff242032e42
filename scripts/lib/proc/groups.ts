/**
 * The one process-group registry. Every child that `startProcess` starts runs
 * as the leader of its own process group and is registered here until it
 * exits. One SIGINT/SIGTERM handler (installed while anything is registered)
 * sends each registered group its stop signal, so a Ctrl-C stops terraform
 * together with its provider plugins, and moto with anything it started; then
 * the signal takes its default course (unless the program has its own
 * listener). Groups still registered when Node exits get their stop signal too.
 *
 * A program that must clean up before it exits (db:copy runs its undo) registers an
 * interrupt handler ({@link onInterrupt}): the first SIGINT/SIGTERM then goes to it instead
 * of exiting, and a second one takes the default course at once.
 */

interface Group {
  readonly pid: number;
  readonly stopSignal: NodeJS.Signals;
}

const groups = new Map<number, Group>();
const interruptHandlers = new Set<(signal: NodeJS.Signals) => void>();
let installed = false;
let interrupted = false;

/** Sends `signal` to the whole process group led by `pid`; false when it is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function stopAll(): void {
  for (const g of groups.values()) signalGroup(g.pid, g.stopSignal);
  groups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  stopAll();
  if (interruptHandlers.size && !interrupted) {
    interrupted = true;
    for (const h of interruptHandlers) h(signal);
    return;
  }
  interruptHandlers.clear();
  uninstall();
  // Re-raise so the default behaviour (exit) still applies when nobody else listens.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function onExit(): void {
  stopAll();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed || interruptHandlers.size) return;
  installed = false;
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.removeListener('exit', onExit);
}

/** Registers the group led by `pid`; returns the function that unregisters it (call it once the leader has exited). */
export function registerGroup(pid: number, stopSignal: NodeJS.Signals): () => void {
  groups.set(pid, { pid, stopSignal });
  install();
  return () => {
    groups.delete(pid);
    if (groups.size === 0) uninstall();
  };
}

/**
 * Routes the first SIGINT/SIGTERM to `handler` (which must make the program end soon) instead
 * of exiting; a second signal exits at once. Returns the function that unregisters it.
 */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void {
  interruptHandlers.add(handler);
  install();
  return () => {
    interruptHandlers.delete(handler);
    if (groups.size === 0) uninstall();
  };
}

/** Leaders of the registered groups (for tests and diagnostics). */
export function registeredGroups(): number[] {
  return [...groups.keys()];
}
