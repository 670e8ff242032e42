/**
 * Differences a copy cannot avoid are explained by verify, with the fix (issue 20, "Messages"):
 * a materialized view that is stale on the source (normal for periodically refreshed ones),
 * and a generated column over a TimeZone-dependent function marked IMMUTABLE.
 */
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { verifyDatabases } from '../../scripts/lib/db/verify';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel, type ShapedDatabase } from '../support/shapes';

const [src, dst] = useClusters(2);

describe('a materialized view that is stale on the source', () => {
  let source: ShapedDatabase;
  let target: ShapedDatabase;
  beforeAll(async () => {
    source = await shapeVercel(src(), { database: 'stale' });
    await source.sql(`CREATE TABLE orders (id int PRIMARY KEY, cents int); INSERT INTO orders VALUES (1, 100), (2, 200);
      CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n, sum(cents) AS cents FROM orders;
      INSERT INTO orders VALUES (3, 300)`);
    target = await shapeRds(dst(), { database: 'stale' });
  }, 60000);

  test('is explained: stale on the source, with the REFRESH that fixes it and the option that accepts it', async () => {
    const summary = await copyDatabase({ from: source.url, to: target.url });
    expect(summary.ok).toBe(false);
    expect(summary.verify?.mismatches).toEqual([
      'materialized view public.totals: content differs (same row count 1): it is stale on the source (its rows are from its last REFRESH there; the copy computed the target\'s, which equal what its query returns now). ' +
        'REFRESH MATERIALIZED VIEW public.totals on the source, or compare views as refreshed with --refresh-matviews',
    ]);
  });

  test('compares equal as refreshed (--refresh-matviews), and the tables were equal all along', async () => {
    const report = await verifyDatabases({ from: source.url, to: target.url, refreshMatviews: true });
    expect(report.mismatches).toEqual([]);
  });

  test('--refresh-matviews refreshes a view left stale on the target too', async () => {
    await target.sql(`INSERT INTO orders VALUES (4, 1)`);
    await source.sql(`INSERT INTO orders VALUES (4, 1)`);
    expect((await verifyDatabases({ from: source.url, to: target.url })).mismatches[0]).toMatch(/^materialized view public\.totals: content differs/);
    expect((await verifyDatabases({ from: source.url, to: target.url, refreshMatviews: true })).ok).toBe(true);
  });
});

test('a generated column over a TimeZone-dependent function is explained, naming the column and the fix', async () => {
  const source = await shapeVercel(src(), { database: 'generated_tz' });
  // the app writes in its own time zone; `day_of` is marked IMMUTABLE but reads TimeZone
  await source.sql(`CREATE FUNCTION day_of(ts timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS 'SELECT ts::date';
    CREATE TABLE events (id int PRIMARY KEY, at timestamptz, day date GENERATED ALWAYS AS (day_of(at)) STORED);
    SET TimeZone = 'Pacific/Auckland'; INSERT INTO events (id, at) VALUES (1, '2024-03-01 20:00:00+00'), (2, '2024-03-01 01:00:00+00')`);
  const target = await shapeRds(dst(), { database: 'generated_tz' });
  const summary = await copyDatabase({ from: source.url, to: target.url });
  expect(summary.ok).toBe(false);
  expect(summary.verify?.mismatches).toHaveLength(1);
  expect(summary.verify?.mismatches[0]).toMatch(/^table public\.events: content differs only in generated column\(s\) day: the target computed them again/);
  expect(summary.verify?.mismatches[0]).toContain('TimeZone');
  expect(summary.verify?.mismatches[0]).toContain('UPDATE public.events SET day = DEFAULT');
}, 60000);
