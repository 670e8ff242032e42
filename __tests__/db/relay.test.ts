/**
 * The COPY relay's framer: whatever way the socket cuts the source's copy-out stream, only whole
 * CopyData messages go to the target, byte for byte and in order; interspersed messages are
 * dropped; CopyDone and errors end the relay and hand the rest to the driver. (Real copies
 * through the relay are graded by the copy tests' independent judge.) The last block holds the
 * contract with pg-copy-streams' internals (relay.ts replaces or calls them), so an upgrade fails here first.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { CopyDataFramer } from '../../scripts/lib/db/copy/relay';

function message(code: string, body: Buffer | string = ''): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = Buffer.alloc(5);
  head.write(code, 0, 'latin1');
  head.writeUInt32BE(b.length + 4, 1);
  return Buffer.concat([head, b]);
}

const copyOutResponse = message('H', Buffer.from([0, 0, 1, 0, 0]));
const rows = ['1\talpha\n', '2\tbeta\n', `3\t${'x'.repeat(300)}\n`, '4\t\n'].map((r) => message('d', r));
const notice = message('N', 'Snotice\0');
const done = message('c');
const tail = Buffer.concat([message('C', 'COPY 4\0'), message('Z', 'I')]);

/** Feeds `stream` cut at `cuts`; returns what was forwarded and how it stopped. */
function feedCut(stream: Buffer, cuts: number[]) {
  const framer = new CopyDataFramer();
  const out: Buffer[] = [];
  const pieces: Buffer[] = [];
  let stop: { rest: Buffer; done: boolean } | undefined;
  let from = 0;
  for (const to of [...cuts, stream.length]) {
    if (stop) break;
    const r = framer.feed(stream.subarray(from, to));
    out.push(...r.out);
    pieces.push(...r.out.map((b) => Buffer.from(b)));
    if (r.stop) stop = { rest: Buffer.concat([r.stop.rest, stream.subarray(to)]), done: r.stop.done };
    from = to;
  }
  return { forwarded: Buffer.concat(out), pieces, stop, framer };
}

/** True when a forwarded piece is a run of whole CopyData messages (it parses to its exact end). */
function wholeMessages(piece: Buffer): boolean {
  let pos = 0;
  while (pos < piece.length) {
    if (piece[pos] !== 0x64 || pos + 5 > piece.length) return false;
    pos += 1 + piece.readUInt32BE(pos + 1);
  }
  return pos === piece.length;
}

const stream = Buffer.concat([copyOutResponse, rows[0], rows[1], notice, rows[2], rows[3], done, tail]);
const expected = Buffer.concat(rows);

test('a stream read in one piece forwards exactly the CopyData messages, framing included', () => {
  const r = feedCut(stream, []);
  expect(r.forwarded.equals(expected)).toBe(true);
  expect(r.stop).toEqual({ rest: tail, done: true });
  expect(r.framer.messages).toBe(4);
  expect(r.framer.payloadBytes).toBe(rows.reduce((n, m) => n + m.length - 5, 0));
});

test('every single cut point (inside headers, bodies, the notice and CopyDone) forwards the same bytes and stops the same way', () => {
  for (let cut = 1; cut < stream.length; cut++) {
    const r = feedCut(stream, [cut]);
    expect({ cut, same: r.forwarded.equals(expected) }).toEqual({ cut, same: true });
    expect({ cut, stop: r.stop }).toEqual({ cut, stop: { rest: tail, done: true } });
    expect({ cut, whole: r.pieces.every(wholeMessages) }).toEqual({ cut, whole: true });
  }
});

test('reads of one byte at a time still forward only whole messages', () => {
  const cuts = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
  const r = feedCut(stream, cuts);
  expect(r.forwarded.equals(expected)).toBe(true);
  expect(r.pieces.length).toBe(4);
  expect(r.pieces.every(wholeMessages)).toBe(true);
  expect(r.framer.messages).toBe(4);
});

test('an error in the middle ends the relay before it and hands the error and all after it to the driver', () => {
  const error = message('E', 'SERROR\0Mboom\0\0');
  const broken = Buffer.concat([copyOutResponse, rows[0], rows[1], error, message('Z', 'I')]);
  for (const cut of [0, copyOutResponse.length + rows[0].length + 3, broken.length - 9, broken.length - 3]) {
    const r = feedCut(broken, cut ? [cut] : []);
    expect(r.stop?.done).toBe(false);
    expect(r.stop?.rest.equals(broken.subarray(copyOutResponse.length + rows[0].length + rows[1].length))).toBe(true);
    expect(r.forwarded.equals(Buffer.concat([rows[0], rows[1]]))).toBe(true);
  }
});

test('a row larger than many reads is forwarded once, whole', () => {
  const big = message('d', Buffer.alloc(200_000, 7));
  const s = Buffer.concat([copyOutResponse, big, done, tail]);
  const cuts = Array.from({ length: 30 }, (_, i) => 7 + i * 7000);
  const r = feedCut(s, cuts);
  expect(r.pieces.map((p) => p.length)).toEqual([big.length]);
  expect(r.forwarded.equals(big)).toBe(true);
  expect(r.stop?.done).toBe(true);
});

test('a malformed length from the source is an error, not a hang', () => {
  const bad = Buffer.from([0x64, 0, 0, 0, 2, 1, 2, 3]);
  expect(() => new CopyDataFramer().feed(bad)).toThrow(/malformed message length 2/);
});

describe('the pg-copy-streams contract the relay is built on (checked on every install)', () => {
  const installed = JSON.parse(readFileSync(require.resolve('pg-copy-streams/package.json'), 'utf8')) as { version: string };
  const pinned = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['pg-copy-streams'];

  test('the installed version is the exact version package.json pins (an upgrade must pass this file first)', () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed.version).toBe(pinned);
  });

  test('its COPY TO stream still has the internals the relay replaces or calls: _parse, _detach, _cleanup and a _buffer to push to', () => {
    const stream = copyTo('COPY t TO STDOUT') as unknown as Record<string, unknown> & { _buffer: { push?: unknown } };
    expect([typeof stream._parse, typeof stream._detach, typeof stream._cleanup, typeof stream._buffer?.push]).toEqual(['function', 'function', 'function', 'function']);
  });

  test('its COPY FROM stream still writes through flushChunk, which the relay replaces', () => {
    const stream = copyFrom('COPY t FROM STDIN') as unknown as Record<string, unknown>;
    expect(typeof stream.flushChunk).toBe('function');
  });
});
