/**
 * The data path between the two servers: the source's COPY TO STDOUT output is forwarded to the
 * target's COPY FROM STDIN as the protocol messages it already is. A CopyData message the source
 * sends ('d', length, payload) is byte for byte the CopyData message the target expects, so whole
 * messages go through as slices of the socket reads: no per-row unwrapping, no concatenation, no
 * re-framing. Node's share of the CPU on the 2-core bench fell from about 2.5 to about 1 CPU-second
 * per GB, which the target's COPY (the bottleneck) gets back.
 *
 * Only whole CopyData messages are forwarded (a row split across two reads waits for its end), so
 * a failed source ends the target's COPY with a clean CopyFail, never inside a message. Messages
 * the server may intersperse (notices, parameter status, notifications) are dropped; any other
 * message (CopyDone, an error) ends the relay and goes back to node-postgres.
 *
 * Built on pg-copy-streams 7.0.0 (pinned): its COPY TO stream with the message parser replaced,
 * its COPY FROM stream writing the already framed messages as they are.
 */
import type { Readable, Writable } from 'node:stream';
import type { Submittable } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
/** Messages the server may send in copy-out mode that are not data: CopyOutResponse, notice, parameter status, notification. */
const PASSED_OVER = new Set([0x48, 0x4e, 0x53, 0x41]);

/** What one socket read yields: whole CopyData messages to forward, and where copy-out mode ended. */
export interface Framed {
  readonly out: Buffer[];
  /** Copy-out mode ended: `rest` (from the ending message on, or after CopyDone) belongs to the driver. */
  readonly stop?: { readonly rest: Buffer; readonly done: boolean };
}

/**
 * Splits the server's copy-out byte stream into runs of whole CopyData messages (framing kept).
 * `messages` and `payloadBytes` count what was forwarded.
 */
export class CopyDataFramer {
  messages = 0;
  payloadBytes = 0;
  /** The start of a message that has not arrived whole. */
  private carry: Buffer | null = null;

  feed(chunk: Buffer): Framed {
    const out: Buffer[] = [];
    let pos = 0;
    if (this.carry) {
      const merged = this.completeCarry(chunk);
      if (!merged) return { out };
      pos = merged.used;
      const r = this.whole(merged.message, out);
      if (r) return { out, stop: { rest: r === 'done' ? chunk.subarray(pos) : Buffer.concat([merged.message, chunk.subarray(pos)]), done: r === 'done' } };
    }
    let run = pos; // start of the current run of CopyData messages
    while (pos < chunk.length) {
      const code = chunk[pos];
      if (code !== COPY_DATA && code !== COPY_DONE && !PASSED_OVER.has(code)) {
        if (pos > run) out.push(chunk.subarray(run, pos));
        return { out, stop: { rest: chunk.subarray(pos), done: false } };
      }
      if (pos + 5 > chunk.length) break;
      const end = pos + 1 + messageLength(chunk, pos);
      if (end > chunk.length) break;
      if (code === COPY_DATA) {
        this.count(end - pos);
      } else {
        if (pos > run) out.push(chunk.subarray(run, pos));
        if (code === COPY_DONE) return { out, stop: { rest: chunk.subarray(end), done: true } };
        run = end;
      }
      pos = end;
    }
    if (pos > run) out.push(chunk.subarray(run, pos));
    if (pos < chunk.length) this.carry = Buffer.from(chunk.subarray(pos));
    return { out };
  }

  /** Completes the carried message from the new read; null while it is still incomplete. */
  private completeCarry(chunk: Buffer): { message: Buffer; used: number } | null {
    const carry = this.carry!;
    const code = carry[0];
    if (code !== COPY_DATA && code !== COPY_DONE && !PASSED_OVER.has(code)) {
      // an ending message: everything from it on goes to the driver, whole or not
      return { message: carry, used: 0 };
    }
    const head = carry.length >= 5 ? carry : Buffer.concat([carry, chunk.subarray(0, 5 - carry.length)]);
    if (head.length < 5) {
      this.carry = head;
      return null;
    }
    const total = 1 + messageLength(head, 0);
    const used = total - carry.length;
    if (used > chunk.length) {
      this.carry = Buffer.concat([carry, chunk]);
      return null;
    }
    this.carry = null;
    return { message: Buffer.concat([carry, chunk.subarray(0, used)]), used };
  }

  /** A whole carried message: forwarded, passed over, or the end of copy-out mode. */
  private whole(message: Buffer, out: Buffer[]): 'done' | 'error' | null {
    const code = message[0];
    if (code === COPY_DATA) {
      this.count(message.length);
      out.push(message);
      return null;
    }
    if (PASSED_OVER.has(code)) return null;
    this.carry = null;
    return code === COPY_DONE ? 'done' : 'error';
  }

  private count(frameLength: number): void {
    this.messages += 1;
    this.payloadBytes += frameLength - 5;
  }
}

function messageLength(buf: Buffer, pos: number): number {
  const len = buf.readUInt32BE(pos + 1);
  if (len < 4) throw new Error(`COPY relay: malformed message length ${len} from the source server`);
  return len;
}

/** Internals of pg-copy-streams 7.0.0's COPY TO stream that the relay replaces or calls. */
interface CopyOutInternals {
  _parse(chunk: Buffer): boolean;
  _buffer: { push(b: Buffer): void };
  _detach(): void;
  _cleanup(): void;
  connection: unknown;
  push(chunk: Buffer | null): boolean;
}

/** COPY ... TO STDOUT whose chunks are the source's whole CopyData messages, framing included. */
export function framedCopyOut(sql: string): Readable & Submittable & { readonly framer: CopyDataFramer } {
  const stream = copyTo(sql) as unknown as Readable & Submittable & CopyOutInternals & { framer: CopyDataFramer };
  const framer = new CopyDataFramer();
  stream.framer = framer;
  stream._parse = function parse(chunk: Buffer): boolean {
    const r = framer.feed(chunk);
    let drained = true;
    for (const b of r.out) drained = this.push(b);
    if (!r.stop) return drained;
    this._buffer.push(r.stop.rest); // handed to node-postgres by _detach
    this._detach();
    if (r.stop.done) {
      this.push(null);
      this._cleanup();
    }
    this.connection = null; // nothing more is read from the socket here
    return false;
  };
  return stream;
}

/** COPY ... FROM STDIN fed with already framed CopyData messages (from {@link framedCopyOut}). */
export function framedCopyIn(sql: string): Writable & Submittable & { readonly rowCount: number } {
  const stream = copyFrom(sql) as unknown as Writable & Submittable & { rowCount: number; connection: { stream: Writable }; flushChunk(chunk: Buffer): boolean };
  stream.flushChunk = function flushChunk(chunk: Buffer): boolean {
    return this.connection.stream.write(chunk);
  };
  return stream;
}
