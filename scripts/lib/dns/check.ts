/**
 * dns:check: before the domain is delegated to the Route 53 zone, compare what its current
 * authoritative servers answer with what the zone will hold. A record that exists today
 * and not in the zone vanishes at delegation (mail stops, verifications fail).
 */
import { ManagedName, PlannedZone, RecordSet, RecordType, WELL_KNOWN_LABELS, normalizeName } from './records';
import { query, QueryOptions } from './query';

export type FindingStatus =
  /** The zone holds the same values. */
  | 'same'
  /** Exists today, not in the zone: vanishes at delegation. */
  | 'missing'
  /** The zone holds other values. */
  | 'differs'
  /** Served by the cutover records (Vercel side) with the same values. */
  | 'cutover'
  /** Existing zone: the record stays as it is (not managed here). */
  | 'kept';

export interface Finding {
  readonly name: string;
  readonly type: RecordType;
  readonly status: FindingStatus;
  readonly current: string[];
  /** What the zone will answer, when known. */
  readonly planned?: string[];
  readonly note?: string;
}

export interface DnsCheckReport {
  readonly domain: string;
  readonly servers: string[];
  readonly findings: Finding[];
  /** Names asked and found empty for every type. */
  readonly empty: string[];
  /** Records the zone will add that do not exist today. */
  readonly added: RecordSet[];
  /** No record would vanish or change. */
  readonly ok: boolean;
}

const TYPES_BY_NAME: readonly RecordType[] = ['CNAME', 'A', 'AAAA', 'MX', 'TXT', 'CAA'];

/** Types worth asking for at `name`: SRV only at `_service._proto` names, NS below the apex. */
function typesFor(name: string, domain: string): RecordType[] {
  const types: RecordType[] = [...TYPES_BY_NAME];
  if (name !== domain) types.push('NS');
  if (/^_[^.]+\._(tcp|udp|tls)\./.test(name)) types.push('SRV');
  return types;
}

/** The names to ask: apex, www, every configured and managed name, common mail/verification labels, and `extra`. */
export function namesToAsk(zone: PlannedZone, extra: readonly string[] = []): string[] {
  const rel = (label: string) => (label === '@' ? zone.domain : `${normalizeName(label)}.${zone.domain}`);
  const names = [zone.domain, ...zone.managed.map((m) => m.name), ...zone.records.map((r) => r.name), ...WELL_KNOWN_LABELS.map(rel), ...extra.map((e) => (e.endsWith(zone.domain) ? normalizeName(e) : rel(e)))];
  return [...new Set(names)];
}

function judgeManaged(m: ManagedName, current: RecordSet): Finding {
  const base = { name: current.name, type: current.type, current: current.values };
  if (!m.vercel) return { ...base, status: 'differs', note: `${m.role}: the zone answers with AWS only at this stage` };
  if (m.vercel.type === current.type && same(m.vercel.values, current.values)) return { ...base, status: 'cutover', planned: m.vercel.values, note: m.role };
  return { ...base, status: 'differs', planned: m.vercel.type === current.type ? m.vercel.values : [], note: `${m.role}: set cutover.vercelApexIps / vercelCname to what is served today, or expect a change at delegation` };
}

function judge(zone: PlannedZone, current: RecordSet): Finding {
  const managed = zone.managed.find((m) => m.name === current.name && m.types.includes(current.type));
  if (managed) return judgeManaged(managed, current);
  const planned = zone.records.find((r) => r.name === current.name && r.type === current.type);
  const base = { name: current.name, type: current.type, current: current.values };
  if (!planned) {
    return zone.existingZone
      ? { ...base, status: 'kept', note: 'not in dns.records; stays in the existing zone untouched' }
      : { ...base, status: 'missing', note: 'add it to dns.records, or it vanishes when the domain is delegated' };
  }
  return same(planned.values, current.values) ? { ...base, status: 'same', planned: planned.values } : { ...base, status: 'differs', planned: planned.values };
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Asks `servers` (the domain's current authoritative servers) about every name and compares with `zone`. */
export async function checkDns(zone: PlannedZone, servers: readonly string[], opts: { extraNames?: readonly string[]; query?: QueryOptions } = {}): Promise<DnsCheckReport> {
  const findings: Finding[] = [];
  const empty: string[] = [];
  const seen = new Set<string>();
  for (const name of namesToAsk(zone, opts.extraNames)) {
    let any = false;
    for (const type of typesFor(name, zone.domain)) {
      const current = await query(servers, name, type, opts.query);
      if (current.values.length === 0) continue;
      any = true;
      seen.add(`${name} ${type}`);
      findings.push(judge(zone, current));
      // A CNAME is alone at its name: other types would be the target's answers.
      if (type === 'CNAME') break;
    }
    if (!any) empty.push(name);
  }
  const added = zone.records.filter((r) => !seen.has(`${r.name} ${r.type}`));
  const ok = findings.every((f) => f.status !== 'missing' && f.status !== 'differs');
  return { domain: zone.domain, servers: [...servers], findings, empty, added, ok };
}

/** Human-readable report lines. */
export function formatDnsReport(r: DnsCheckReport, existingZone: boolean): string {
  const w = Math.max(4, ...r.findings.map((f) => f.name.length));
  const lines = [`dns:check ${r.domain} (asked ${r.servers.join(', ')})`, '', `${'name'.padEnd(w)}  type   status    today -> zone`];
  for (const f of r.findings) {
    lines.push(`${f.name.padEnd(w)}  ${f.type.padEnd(5)}  ${f.status.toUpperCase().padEnd(8)}  ${f.current.join(', ')}${f.planned ? ` -> ${f.planned.join(', ') || '(none)'}` : ''}${f.note ? `  (${f.note})` : ''}`);
  }
  for (const a of r.added) lines.push(`${a.name.padEnd(w)}  ${a.type.padEnd(5)}  NEW       -> ${a.values.join(', ')}`);
  if (existingZone) lines.push('', 'Existing zone: a simple (non-weighted) apex A or www CNAME must be replaced by the weighted Vercel record before the first apply (README: "Existing zone").');
  const snippet = recordsSnippet(r);
  if (snippet.length) {
    lines.push('', 'To keep the missing records, add these to environments.<env>.dns.records in venture-nudge.config.json (--snippet prints them alone):');
    lines.push(...JSON.stringify(snippet, null, 2).split('\n').map((l) => `  ${l}`));
  }
  lines.push('', r.ok ? 'OK: nothing vanishes or changes at delegation' : `NOT READY: ${r.findings.filter((f) => f.status === 'missing' || f.status === 'differs').length} record set(s) would vanish or change`);
  return lines.join('\n') + '\n';
}

/** A `dns.records` entry as the config takes it. */
export interface ConfigRecord {
  readonly name: string;
  readonly type: RecordType;
  readonly values: string[];
}

/**
 * The `dns.records` entries that keep what would vanish at delegation: every record found today
 * and missing from the zone, its name relative to the domain ("@" for the apex). Pasted into
 * the config (beside the records already there), dns:check finds nothing missing.
 */
export function recordsSnippet(r: DnsCheckReport): ConfigRecord[] {
  const relative = (name: string) => (name === r.domain ? '@' : name.slice(0, -(r.domain.length + 1)));
  return r.findings.filter((f) => f.status === 'missing').map((f) => ({ name: relative(f.name), type: f.type, values: [...f.current] }));
}
