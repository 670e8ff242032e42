/**
 * db:audit against the fixture database.
 */
import { auditDatabase, type AuditReport } from '../../scripts/lib/db/audit';
import { useClusters } from '../support/postgres';
import { createFixtureDatabase } from './fixture';

const [cluster] = useClusters(1);
let report: AuditReport;

beforeAll(async () => {
  const url = await createFixtureDatabase(cluster(), 'audited');
  await cluster().sql('audited', `SELECT lo_from_bytea(0, 'hello')`);
  report = await auditDatabase({ url });
});

test('reports the server version and database size', () => {
  expect(report.server.version).toMatch(/^15\./);
  expect(report.sizeBytes).toBeGreaterThan(1_000_000);
});

test('lists every table with size, estimated and exact row counts', () => {
  const users = report.tables.find((t) => t.table === 'public.users');
  expect(users).toEqual(expect.objectContaining({ exactRows: 300, estimatedRows: 300, hasPrimaryKey: true }));
  expect(users!.bytes).toBeGreaterThan(0);
  expect(report.tables.find((t) => t.table === 'public.events')).toEqual(expect.objectContaining({ partitioned: true, exactRows: null }));
  expect(report.tables.find((t) => t.table === 'public.events_2024')?.partitionOf).toBe('public.events');
});

test('names extensions, sequences with values, tables without a primary key and unlogged tables', () => {
  expect(report.extensions.map((x) => x.name)).toEqual(['pgcrypto']);
  expect(report.sequences).toContainEqual({ sequence: 'public.never_used', lastValue: '1', isCalled: false, ownedBy: null });
  expect(report.sequences).toContainEqual(expect.objectContaining({ sequence: 'public.users_id_seq', lastValue: '300', ownedBy: 'public.users.id' }));
  expect(report.tablesWithoutPrimaryKey).toEqual(['public.audit_log', 'public.empty_table']);
  expect(report.unloggedTables).toEqual(['public.cache_entries']);
});

test('reports large objects as something the copy cannot carry', () => {
  expect(report.largeObjects).toBe(1);
  expect(report.notCarried.join('\n')).toMatch(/1 large object\(s\)/);
});

test('judges replication readiness: wal_level and tables lacking a replica identity', () => {
  expect(report.replication.walLevel).toBe('replica');
  expect(report.replication.ready).toBe(false);
  expect(report.replication.notes.join('\n')).toMatch(/wal_level=logical/);
  expect(report.replication.notes.join('\n')).toMatch(/public\.audit_log/);
});
