/**
 * The one child-process runner. Everything under scripts/ and bench/ that
 * starts a program (terraform, moto, tsc, node, npm, pg_dump, ...) goes
 * through `runProcess` (run to completion) or `startProcess` (long-running
 * servers); a test holds every other module to that.
 *
 *   const r = await runProcess('terraform', ['version'], { cwd, timeoutSeconds: 30 });
 *   if (r.code !== 0) ...                       // never rejects on an exit code
 *   await runProcess('pg_dump', args, { check: true });   // rejects with ProcessError instead
 *
 * What every child gets:
 * - its own process group, registered in ./groups.ts: a timeout, `stop()`,
 *   Ctrl-C or SIGTERM of this process, or this process exiting signals the
 *   whole tree (terraform and its provider plugins), not just the leader;
 * - optional log file (`$ command args` then all output, appended);
 * - optional output callback, called as output arrives;
 * - optional secrets, masked (./mask.ts) in the log file, the callback and the
 *   result. With secrets, output is passed on by whole lines, so a secret
 *   split across two reads is still masked.
 */
import { spawn } from 'child_process';
import { appendFileSync, closeSync, openSync } from 'fs';
import { registerGroup, signalGroup } from './groups';
import { maskSecrets } from './mask';

export interface ProcessOptions {
  /** Working directory. @default process.cwd() */
  readonly cwd?: string;
  /** The child's complete environment (spread process.env yourself to extend it). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Stop the process group after this long (`timeoutSignal`, then SIGKILL `killAfterSeconds` later). @default no limit */
  readonly timeoutSeconds?: number;
  /** Signal for `stop()`. @default 'SIGTERM' */
  readonly stopSignal?: NodeJS.Signals;
  /**
   * Signal the registry sends the group when this process gets SIGINT/SIGTERM or exits (there is
   * no time to wait then): SIGTERM lets terraform save its state; SIGKILL suits a server with
   * nothing to save. @default stopSignal
   */
  readonly interruptSignal?: NodeJS.Signals;
  /** Signal sent when `timeoutSeconds` runs out. @default stopSignal */
  readonly timeoutSignal?: NodeJS.Signals;
  /** Seconds between the stop/timeout signal and SIGKILL. @default 10 */
  readonly killAfterSeconds?: number;
  /** Appends `$ <command> <args>` and all output (masked) to this file. */
  readonly logFile?: string;
  /** Called with output (masked) as it arrives. */
  readonly onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Keep the output in the result (`stdout`, `stderr`, `output`). Set false for servers that log for hours. @default true */
  readonly capture?: boolean;
  /** Values replaced by *** wherever the output goes. */
  readonly secrets?: readonly string[];
  /** Reject with ProcessError when the exit code is not 0 or the process timed out. @default false */
  readonly check?: boolean;
  /**
   * The child reads this process's stdin and writes straight to its stdout/stderr (an entry point
   * that runs one script, as the toolkit image does); nothing is captured, logged or masked. @default false
   */
  readonly inheritStdio?: boolean;
}

export interface ProcessResult {
  /** `command arg ...` as run (masked). */
  readonly command: string;
  /** Exit code; -1 when the process was ended by a signal. */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  readonly output: string;
  readonly seconds: number;
  /** Stopped by `timeoutSeconds`. */
  readonly timedOut: boolean;
}

/** The program could not be started, or (with `check`) it failed; `result` is set in the second case. */
export class ProcessError extends Error {
  constructor(message: string, readonly result?: ProcessResult) {
    super(message);
    this.name = 'ProcessError';
  }
}

export interface RunningProcess {
  /** Leader of the child's process group. */
  readonly pid: number;
  /** Settles when the process has exited and its output is read; rejects only with `check`. */
  readonly done: Promise<ProcessResult>;
  /** True once the process has exited. */
  readonly exited: boolean;
  /** Signals the group (`stopSignal`, SIGKILL `killAfterSeconds` later) and waits for the exit. Safe to call twice. */
  stop(signal?: NodeJS.Signals): Promise<ProcessResult>;
}

/** Last `lines` lines of a text, for error messages. */
export function lastLines(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Splits a stream's text into whole lines when masking, so a secret split across reads is still found. */
function lineBuffer(emit: (text: string) => void, whole: boolean): { push(text: string): void; flush(): void } {
  let pending = '';
  return {
    push(text) {
      if (!whole) return emit(text);
      pending += text;
      const cut = pending.lastIndexOf('\n');
      if (cut < 0) return;
      emit(pending.slice(0, cut + 1));
      pending = pending.slice(cut + 1);
    },
    flush() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}

/**
 * Starts `command args` in its own process group and resolves once it runs.
 * @throws ProcessError when the program cannot be started (not on PATH, not executable).
 */
export function startProcess(command: string, args: readonly string[], opts: ProcessOptions = {}): Promise<RunningProcess> {
  const secrets = opts.secrets ?? [];
  const mask = (s: string) => (secrets.length ? maskSecrets(s, secrets) : s);
  const shown = mask([command, ...args].join(' '));
  const capture = opts.inheritStdio ? false : (opts.capture ?? true);
  const stopSignal = opts.stopSignal ?? 'SIGTERM';
  const killAfter = (opts.killAfterSeconds ?? 10) * 1000;
  if (opts.logFile) appendFileSync(opts.logFile, `\n$ ${shown}\n`);
  // Nothing to read in Node: the child writes straight into the log file (it keeps logging even if Node is busy).
  const direct = !capture && !opts.onOutput && !secrets.length;
  const fd = direct && opts.logFile ? openSync(opts.logFile, 'a') : undefined;
  const started = process.hrtime.bigint();
  const child = spawn(command, [...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: opts.inheritStdio ? 'inherit' : ['ignore', fd ?? (direct ? 'ignore' : 'pipe'), fd ?? (direct ? 'ignore' : 'pipe')],
    detached: true,
  });
  if (fd !== undefined) closeSync(fd);

  return new Promise((resolveStart, rejectStart) => {
    child.once('error', (e) => rejectStart(new ProcessError(`cannot run ${command} (${e.message}); is it installed and on PATH?`)));
    child.once('spawn', () => {
      const pid = child.pid!;
      const unregister = registerGroup(pid, opts.interruptSignal ?? stopSignal);
      let stdout = '';
      let stderr = '';
      let output = '';
      let timedOut = false;
      let exited = false;
      const take = (stream: 'stdout' | 'stderr') =>
        lineBuffer((raw) => {
          const text = mask(raw);
          if (capture) {
            if (stream === 'stdout') stdout += text;
            else stderr += text;
            output += text;
          }
          if (opts.logFile) appendFileSync(opts.logFile, text);
          opts.onOutput?.(text, stream);
        }, secrets.length > 0);
      const out = take('stdout');
      const err = take('stderr');
      child.stdout?.setEncoding('utf8').on('data', (t: string) => out.push(t));
      child.stderr?.setEncoding('utf8').on('data', (t: string) => err.push(t));

      let killTimer: NodeJS.Timeout | undefined;
      const signal = (sig: NodeJS.Signals) => {
        if (exited) return;
        signalGroup(pid, sig);
        killTimer ??= setTimeout(() => signalGroup(pid, 'SIGKILL'), killAfter);
        killTimer.unref();
      };
      const timer = opts.timeoutSeconds
        ? setTimeout(() => {
            timedOut = true;
            signal(opts.timeoutSignal ?? stopSignal);
          }, opts.timeoutSeconds * 1000)
        : undefined;

      const done = new Promise<ProcessResult>((resolveDone, rejectDone) => {
        child.once('close', (code, sig) => {
          exited = true;
          if (timer) clearTimeout(timer);
          if (killTimer) clearTimeout(killTimer);
          unregister();
          out.flush();
          err.flush();
          const result: ProcessResult = { command: shown, code: code ?? -1, signal: sig, stdout, stderr, output, seconds: Number(process.hrtime.bigint() - started) / 1e9, timedOut };
          if (opts.check && (timedOut || result.code !== 0)) {
            const why = timedOut ? `timed out after ${opts.timeoutSeconds} s` : sig ? `was killed by ${sig}` : `exited ${result.code}`;
            rejectDone(new ProcessError(`${shown.slice(0, 200)} ${why}${capture ? `:\n${lastLines(stderr || stdout)}` : ''}`, result));
          } else {
            resolveDone(result);
          }
        });
      });
      resolveStart({
        pid,
        done,
        get exited() {
          return exited;
        },
        stop(sig = stopSignal) {
          signal(sig);
          return done.catch((e: ProcessError) => e.result!);
        },
      });
    });
  });
}

/** Runs `command args` to completion (see the module comment). Rejects only when it cannot start, or with `check`. */
export async function runProcess(command: string, args: readonly string[], opts: ProcessOptions = {}): Promise<ProcessResult> {
  return (await startProcess(command, args, opts)).done;
}
