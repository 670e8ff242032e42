/**
 * The small shared CLI helpers (scripts/lib/cli/args.ts, scripts/lib/cli/log.ts).
 */
import { PassThrough } from 'node:stream';
import { parseCli, usage, UsageError } from '../../scripts/lib/cli/args';
import { createLogger, isInteractive } from '../../scripts/lib/cli/log';

const spec = {
  name: 'demo',
  summary: 'A demo.',
  options: {
    from: { type: 'string', valueName: 'url', description: 'source' },
    jobs: { type: 'string', description: 'workers', default: '2' },
    tables: { type: 'string', multiple: true, description: 'tables' },
    force: { type: 'boolean', description: 'overwrite' },
  },
} as const;

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream, text: () => text };
}

test('parses flags with defaults, repeated values and the common --json', () => {
  const v = parseCli(['--from', 'x', '--tables', 'a', '--tables', 'b', '--json'], spec)!;
  expect(v).toEqual(expect.objectContaining({ from: 'x', jobs: '2', tables: ['a', 'b'], json: true, help: false }));
  expect(v.force).toBeUndefined();
});

test('--help prints the usage with every option and returns undefined', () => {
  const out = sink();
  expect(parseCli(['--help'], spec, out.stream)).toBeUndefined();
  expect(out.text()).toBe(usage(spec));
  expect(out.text()).toMatch(/--jobs <value> +workers \(default: 2\)/);
  expect(out.text()).toMatch(/--json +print machine-readable JSON/);
});

test('an unknown flag is a UsageError naming the flag and pointing at --help', () => {
  expect(() => parseCli(['--form', 'x'], spec)).toThrow(UsageError);
  expect(() => parseCli(['--form', 'x'], spec)).toThrow(/Unknown option '--form'.*run demo --help/);
});

test('a value missing its argument is a one-line UsageError, however node:util words it', () => {
  let error: unknown;
  try {
    parseCli(['--from', '--force'], spec);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toMatch(/^Option '--from' argument is ambiguous\. .*; run demo --help for the list of options$/);
  expect((error as Error).message).not.toContain('\n');
});

test('a negative switch is an option named no-<flag>', () => {
  const negatable = { name: 'demo', summary: 'A demo.', options: { offline: { type: 'boolean', description: 'offline' }, 'no-offline': { type: 'boolean', description: 'online' } } } as const;
  const v = parseCli(['--no-offline'], negatable)!;
  expect(v['no-offline']).toBe(true);
  expect(v.offline).toBeUndefined();
});

test('--help indents the later lines of a multi-line description under the first', () => {
  const text = usage({ name: 'demo', summary: 'A demo.', options: { mode: { type: 'boolean', description: 'first line\nsecond line' } } });
  const [first, second] = text.split('\n').filter((l) => l.includes('line'));
  expect(second.indexOf('second')).toBe(first.indexOf('first'));
});

test('the logger writes leveled lines to its stream, redacted, and drops lines below its level', () => {
  const out = sink();
  const log = createLogger({ level: 'info', stream: out.stream, redact: (s) => s.replace('secret', '***') });
  log.debug('hidden');
  log.info('copying', 3, 'tables');
  log.warn('password secret');
  expect(out.text()).toBe('copying 3 tables\nwarn: password ***\n');
});

test('progress is never interactive in CI', () => {
  const saved = process.env.CI;
  process.env.CI = 'true';
  try {
    expect(isInteractive({ isTTY: true } as NodeJS.WriteStream)).toBe(false);
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
});
