/**
 * A tiny authoritative DNS server for tests: node:dgram on 127.0.0.1, a minimal encoder
 * for the record types dns:check asks about. Answers NXDOMAIN for unknown names and an
 * empty answer (NODATA) for known names without the asked type.
 */
import { createSocket, RemoteInfo } from 'node:dgram';
import { isIP } from 'node:net';

export type FakeRecord =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'NS'; value: string }
  | { name: string; type: 'MX'; priority: number; exchange: string }
  | { name: string; type: 'TXT'; chunks: string[] }
  | { name: string; type: 'CAA'; flags: number; tag: string; value: string }
  | { name: string; type: 'SRV'; priority: number; weight: number; port: number; target: string };

const TYPE_CODES: Record<FakeRecord['type'], number> = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, SRV: 33, CAA: 257 };

export interface FakeDnsServer {
  /** `127.0.0.1:<port>`, for Resolver.setServers / --server. */
  readonly address: string;
  readonly port: number;
  /** Every question asked, as `NAME TYPE`. */
  readonly questions: string[];
  stop(): Promise<void>;
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(groups.map((g) => u16(parseInt(g, 16))));
}

function rdata(r: FakeRecord): Buffer {
  switch (r.type) {
    case 'A':
      return Buffer.from(r.value.split('.').map(Number));
    case 'AAAA':
      return ipv6Bytes(r.value);
    case 'CNAME':
    case 'NS':
      return encodeName(r.value);
    case 'MX':
      return Buffer.concat([u16(r.priority), encodeName(r.exchange)]);
    case 'TXT':
      return Buffer.concat(r.chunks.map((c) => Buffer.concat([Buffer.from([Buffer.byteLength(c)]), Buffer.from(c)])));
    case 'CAA':
      return Buffer.concat([Buffer.from([r.flags, r.tag.length]), Buffer.from(r.tag), Buffer.from(r.value)]);
    case 'SRV':
      return Buffer.concat([u16(r.priority), u16(r.weight), u16(r.port), encodeName(r.target)]);
  }
}

function answer(r: FakeRecord): Buffer {
  const data = rdata(r);
  const ttl = Buffer.alloc(4);
  ttl.writeUInt32BE(300);
  return Buffer.concat([encodeName(r.name), u16(TYPE_CODES[r.type]), u16(1), ttl, u16(data.length), data]);
}

/** Reads the question of a query: name (lower case), type code, and where the question ends. */
function question(msg: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let i = 12;
  while (msg[i] !== 0) {
    labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('ascii'));
    i += msg[i] + 1;
  }
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

function respond(msg: Buffer, records: readonly FakeRecord[], questions: string[]): Buffer {
  const q = question(msg);
  const typeName = Object.entries(TYPE_CODES).find(([, c]) => c === q.type)?.[0] ?? String(q.type);
  questions.push(`${q.name} ${typeName}`);
  const at = records.filter((r) => r.name.toLowerCase() === q.name);
  const exists = at.length > 0 || records.some((r) => r.name.toLowerCase().endsWith(`.${q.name}`));
  const cname = at.find((r) => r.type === 'CNAME');
  let answers = at.filter((r) => TYPE_CODES[r.type] === q.type);
  if (answers.length === 0 && cname) answers = [cname, ...records.filter((r) => r.name.toLowerCase() === (cname as { value: string }).value.toLowerCase() && TYPE_CODES[r.type] === q.type)];
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2);
  const rd = msg[2] & 0x01;
  header[2] = 0x84 | rd; // QR, AA
  header[3] = exists ? 0 : 3; // NOERROR / NXDOMAIN
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, msg.subarray(12, q.end), ...answers.map(answer)]);
}

/** Starts the server on 127.0.0.1 and an ephemeral port. */
export function startDnsServer(records: readonly FakeRecord[]): Promise<FakeDnsServer> {
  for (const r of records) if ((r.type === 'A' && isIP(r.value) !== 4) || (r.type === 'AAAA' && isIP(r.value) !== 6)) throw new Error(`bad address in ${JSON.stringify(r)}`);
  const socket = createSocket('udp4');
  const questions: string[] = [];
  socket.on('message', (msg: Buffer, from: RemoteInfo) => socket.send(respond(msg, records, questions), from.port, from.address));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      resolve({ address: `127.0.0.1:${port}`, port, questions, stop: () => new Promise<void>((done) => socket.close(() => done())) });
    });
  });
}
