/**
 * Public real-world schemas nobody here wrote (__tests__/fixtures/<name>/, each with its licence
 * and source commit: pagila, a partitioned sample schema with views, domains, a custom aggregate
 * and triggers; umami, a Next.js + Prisma app's migrations), filled with generated rows, copied
 * by db:copy's engine from a Vercel-shaped source to an RDS-shaped target and judged equal by
 * support/compare.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { compareDatabases, NO_DIFFERENCE } from '../support/compare';
import { useClusters } from '../support/postgres';
import { shapeRds, shapeVercel } from '../support/shapes';

const [src, dst] = useClusters(2);
const FIXTURES = join(__dirname, '..', 'fixtures');

/** A pg_dump'ed schema as its database's owner runs it: without the owner changes a non-superuser cannot make. */
function asOwner(sql: string): string {
  return sql
    .split('\n')
    .filter((l) => !/^ALTER .* OWNER TO /.test(l))
    .join('\n');
}

interface RealSchema {
  readonly name: string;
  /** Schema files, in order. */
  readonly schema: string[];
  /** SQL filling it with rows, run by the cluster's superuser. */
  readonly rows: string;
  /** Roles the schema names, created on both clusters. */
  readonly roles?: string[];
}

const SCHEMAS: RealSchema[] = [
  { name: 'pagila', schema: ['pagila-schema.sql'], rows: 'rows.sql' },
  { name: 'umami', schema: ['schema.sql'], rows: 'rows.sql' },
];

describe.each(SCHEMAS)('$name', ({ name, schema, rows, roles }) => {
  test('copies from a Vercel-shaped source to an RDS-shaped target, and the judge finds them equal', async () => {
    for (const role of roles ?? []) for (const c of [src(), dst()]) await c.sql('postgres', `CREATE ROLE ${role}`);
    const source = await shapeVercel(src(), { database: name });
    for (const file of schema) await source.sql(asOwner(readFileSync(join(FIXTURES, name, file), 'utf8')));
    await src().sql(name, readFileSync(join(FIXTURES, name, rows), 'utf8'));
    const target = await shapeRds(dst(), { database: name });
    const t0 = Date.now();
    const summary = await copyDatabase({ from: source.url, to: target.url, jobs: 2 });
    const ms = Date.now() - t0;
    expect(summary.verify?.mismatches).toEqual([]);
    expect(summary.tables.length).toBeGreaterThan(10);
    expect(await compareDatabases(src().url(name), dst().url(name))).toEqual(NO_DIFFERENCE);
    process.stderr.write(`${name}: ${summary.tables.length} tables, ${summary.tables.reduce((n, t) => n + t.rows, 0)} rows copied in ${ms} ms\n`);
  }, 60000);
});
