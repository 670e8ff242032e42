/**
 * Code shape (issues 8 and 21): no function, method or constructor under scripts/, bench/ or
 * stacks/ (or main.ts) is over 150 lines, and no module imports itself in a circle (type-only
 * imports included: a circle of types is still one idea spread over two rooms).
 */
import { join } from 'path';
import { circles, FOLDERS, houseFigures, longFunctions, MAX_LINES, ROOT, sources } from '../../bench/house';

const SOURCES = sources();

test(`no function, method or constructor under ${FOLDERS.join('/, ')}/ or in main.ts is over ${MAX_LINES} lines`, () => {
  expect(SOURCES.flatMap(longFunctions)).toEqual([]);
});

test('no module imports itself in a circle', () => {
  expect(circles(SOURCES).map((loop) => loop.join(' -> '))).toEqual([]);
});

test('the circle check sees a circle of type-only imports', () => {
  // The shape both circles of issue 21 had: a type imported back from the importer.
  const dir = join(ROOT, '.jest-circle-fixture');
  const { mkdirSync, rmSync, writeFileSync } = require('fs') as typeof import('fs');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b';\nexport type A = { n: number };\nexport const a = b;\n");
    writeFileSync(join(dir, 'b.ts'), "import type { A } from './a';\nexport const b: A = { n: 1 };\n");
    expect(circles([join(dir, 'a.ts'), join(dir, 'b.ts')]).map((l) => l.map((f) => f.split('/').pop()))).toEqual([['a.ts', 'b.ts']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one same-database refusal pair is defined, in the two-database session', () => {
  expect(houseFigures().sameDatabaseChecks).toEqual(['scripts/lib/db/session.ts:refuseSameDatabaseSessions', 'scripts/lib/db/session.ts:refuseSameDatabaseUrls']);
});

test('no module outside kinds/ imports an object kind module: the engine reaches kinds through the KINDS list', () => {
  const kinds = houseFigures().kinds;
  expect(Object.keys(kinds).length).toBeGreaterThan(10);
  expect(Object.entries(kinds).flatMap(([k, by]) => by.filter((f) => !f.startsWith('scripts/lib/db/schema/kinds/')).map((f) => `${k} <- ${f}`))).toEqual([]);
});
