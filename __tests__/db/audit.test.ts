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

describe('what RDS PostgreSQL cannot host, said before any copy', () => {
  let rds: AuditReport;
  beforeAll(async () => {
    await cluster().sql('postgres', `CREATE ROLE neon_superuser`);
    const url = await cluster().createDatabase('vercel_shaped');
    await cluster().sql(
      'vercel_shaped',
      `CREATE EXTENSION xml2; CREATE EXTENSION citext;
       CREATE TABLE notes (id int, body citext); GRANT SELECT ON notes TO neon_superuser;
       CREATE FUNCTION block() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
       CREATE EVENT TRIGGER guard ON ddl_command_start EXECUTE FUNCTION block();`,
    );
    rds = await auditDatabase({ url });
  });

  test('names installed extensions missing from the dated RDS PostgreSQL 16 list, and the list\'s source', () => {
    expect(rds.rds.unavailableExtensions).toEqual([{ name: 'xml2', version: '1.1' }]);
    expect(rds.rds.extensionList.source).toMatch(/docs\.aws\.amazon\.com\/AmazonRDS\/latest\/PostgreSQLReleaseNotes\/postgresql-extensions\.html/);
    expect(rds.rds.extensionList.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('checks extensions against a real target when one is given', async () => {
    const target = await cluster().createDatabase('rds_shaped_target');
    const r = await auditDatabase({ url: cluster().url('vercel_shaped'), targetUrl: target, exactCounts: false });
    expect(r.rds.unavailableExtensions).toEqual([]);
    expect(r.rds.extensionList.source).toBe('the target database itself');
  });

  test('names objects that need a superuser', () => {
    expect(rds.rds.superuserObjects).toEqual([expect.stringMatching(/^event trigger guard \[event-triggers\]: CREATE EVENT TRIGGER needs a superuser/)]);
  });

  test('names provider roles and what names them, and the roles the target must have', () => {
    expect(rds.rds.providerRoles).toEqual([{ role: 'neon_superuser', provider: 'Neon / Vercel Postgres', namedBy: ['grant on TABLE public.notes'] }]);
    expect(rds.rds.requiredRoles).toEqual(['neon_superuser']);
  });

  test('estimates the copy time from the measured rate, saying where the rate comes from', () => {
    expect(rds.copyEstimate.bytes).toBe(rds.sizeBytes);
    expect(rds.copyEstimate.rateSource).toMatch(/bench:copy 2026-11-30/);
    expect(rds.copyEstimate.seconds).toBeCloseTo(rds.sizeBytes / rds.copyEstimate.bytesPerSecond, 6);
  });

  test('the rate can be overridden', async () => {
    const r = await auditDatabase({ url: cluster().url('vercel_shaped'), exactCounts: false, copyRateBytesPerSecond: 1_000_000 });
    expect(r.copyEstimate).toEqual({ bytes: r.sizeBytes, bytesPerSecond: 1_000_000, seconds: r.sizeBytes / 1_000_000, rateSource: 'given with --rate-mb-per-s' });
  });
});
