/**
 * The process layer (scripts/lib/proc/): one runner, one process-group
 * registry, one secret masker, and nothing else under scripts/ or bench/
 * starting child processes.
 */
import { spawn } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { registeredGroups } from '../../scripts/lib/proc/groups';
import { maskDeep, maskSecrets } from '../../scripts/lib/proc/mask';
import { ProcessError, runProcess, startProcess } from '../../scripts/lib/proc/run';
import { isRunning } from '../support/moto';

const ROOT = join(__dirname, '..', '..');
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'proc-run-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function gone(pid: number, ms = 3000): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) if (!isRunning(pid)) return true;
  return !isRunning(pid);
}

describe('runProcess', () => {
  test('resolves with the exit code and the output instead of rejecting on a failure', async () => {
    const r = await runProcess('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect(r.output).toContain('out\n');
    expect(r.output).toContain('err\n');
  });

  test('with check, a non-zero exit rejects with a ProcessError naming the command and its stderr', async () => {
    const failed = runProcess('sh', ['-c', 'echo broken >&2; exit 4'], { check: true });
    await expect(failed).rejects.toThrow(ProcessError);
    await expect(failed).rejects.toThrow(/^sh -c .* exited 4:\nbroken/);
  });

  test('a program that does not exist rejects with "cannot run" and the name', async () => {
    await expect(runProcess('no-such-program-vn', [])).rejects.toThrow(/cannot run no-such-program-vn/);
  });

  test('runs in cwd with exactly the environment given', async () => {
    const r = await runProcess('sh', ['-c', 'pwd; echo "$VN_PROC_TEST-$HOME"'], { cwd: dir, env: { VN_PROC_TEST: 'yes', PATH: process.env.PATH } });
    expect(r.stdout).toBe(`${dir}\nyes-\n`);
  });

  test('appends the command line and all output to the log file', async () => {
    const logFile = join(dir, 'append.log');
    await runProcess('sh', ['-c', 'echo first'], { logFile });
    await runProcess('sh', ['-c', 'echo second >&2'], { logFile });
    expect(readFileSync(logFile, 'utf8')).toBe("\n$ sh -c echo first\nfirst\n\n$ sh -c echo second >&2\nsecond\n");
  });

  test('calls the output callback with each stream as output arrives', async () => {
    const seen: string[] = [];
    await runProcess('sh', ['-c', 'echo a; echo b >&2'], { onOutput: (text, stream) => seen.push(`${stream}:${text}`) });
    expect(seen.sort()).toEqual(['stderr:b\n', 'stdout:a\n']);
  });

  test('masks secrets in the result, the log file and the callback, even when a secret is split across writes', async () => {
    const secret = 'hunter2-very-secret-value';
    const logFile = join(dir, 'masked.log');
    const seen: string[] = [];
    const script = `printf 'key=hunter2-very'; sleep 0.2; printf -- '-secret-value done\\n'; echo ${secret} >&2`;
    const r = await runProcess('sh', ['-c', script], { logFile, secrets: [secret], onOutput: (t) => seen.push(t) });
    for (const text of [r.output, r.stdout, r.stderr, readFileSync(logFile, 'utf8'), seen.join(''), r.command]) expect(text).not.toContain(secret);
    expect(r.stdout).toBe('key=*** done\n');
    expect(r.stderr).toBe('***\n');
  });

  test('a timeout stops the whole process tree, not just the leader', async () => {
    const r = await runProcess('sh', ['-c', 'sleep 300 & echo $!; wait'], { timeoutSeconds: 1 });
    expect(r.timedOut).toBe(true);
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(await gone(grandchild)).toBe(true);
  });

  test('a timeout that the stop signal cannot end is finished with SIGKILL after killAfterSeconds', async () => {
    const started = Date.now();
    const r = await runProcess('sh', ['-c', "trap '' TERM; sleep 300"], { timeoutSeconds: 0.5, killAfterSeconds: 1 });
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL', code: -1 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a process is registered while it runs and unregistered once it exits', async () => {
    const p = await startProcess('sleep', ['30']);
    expect(registeredGroups()).toContain(p.pid);
    await p.stop();
    expect(registeredGroups()).not.toContain(p.pid);
    expect(isRunning(p.pid)).toBe(false);
  });
});

describe('the process-group registry', () => {
  test.each(['SIGINT', 'SIGTERM'] as const)('a %s to the Node process stops every child tree it started', async (signal) => {
    const holder = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', join(__dirname, 'fixtures/hold-tree.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const grandchild = await new Promise<number>((resolve, reject) => {
        holder.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
        holder.once('exit', () => reject(new Error('holder exited before starting its child')));
      });
      expect(isRunning(grandchild)).toBe(true);
      const exited = new Promise<NodeJS.Signals | null>((r) => holder.once('exit', (_code, sig) => r(sig)));
      holder.kill(signal);
      expect(await exited).toBe(signal); // the signal still takes its default course
      expect(await gone(grandchild)).toBe(true);
    } finally {
      if (holder.exitCode === null) holder.kill('SIGKILL');
    }
  }, 60_000);
});

describe('the secret masker', () => {
  test('masks the longest secret first, so one that contains another is masked whole', () => {
    expect(maskSecrets('a=abcd b=abcdefgh', ['abcd', 'abcdefgh'])).toBe('a=*** b=***');
  });

  test('leaves a secret that is only part of a longer word alone: the password "plain" in the user "plainadmin"', () => {
    expect(maskSecrets('user plainadmin, password plain', ['plain'])).toBe('user plainadmin, password ***');
  });

  test('masks a secret between punctuation, at the ends of the text and twice in a row', () => {
    expect(maskSecrets('s3cret:"s3cret"s3cret', ['s3cret'])).toBe('***:"***"***');
    expect(maskSecrets('#@:pw#@:pw', ['#@:pw'])).toBe('******');
  });

  test('leaves values shorter than 4 characters alone (masking "1" would garble every line)', () => {
    expect(maskSecrets('port 1 of 10', ['1'])).toBe('port 1 of 10');
  });

  test('masks every string inside a JSON value with the marker given', () => {
    const doc = { a: ['x-s3cret-x', 2], b: { c: 's3cret' } };
    expect(maskDeep(doc, ['s3cret'], '(redacted)')).toEqual({ a: ['x-(redacted)-x', 2], b: { c: '(redacted)' } });
  });
});

describe('only scripts/lib/proc/ starts child processes', () => {
  const ALLOWED = new Set(['scripts/lib/proc/run.ts']);

  function tsFiles(folder: string): string[] {
    return readdirSync(folder).flatMap((name) => {
      const full = join(folder, name);
      if (statSync(full).isDirectory()) return tsFiles(full);
      return /\.(ts|js)$/.test(name) ? [full] : [];
    });
  }

  test('no file under scripts/ or bench/ outside proc/ imports child_process', () => {
    const offenders = [...tsFiles(join(ROOT, 'scripts')), ...tsFiles(join(ROOT, 'bench'))]
      .map((f) => relative(ROOT, f))
      .filter((f) => !ALLOWED.has(f))
      .filter((f) => /(from|require\()\s*['"](node:)?child_process['"]/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
