/**
 * Code shape (issues 8 and 21): no function, method or constructor under scripts/, bench/ or
 * stacks/ (or main.ts) is over 150 lines, and no module imports itself in a circle (type-only
 * imports included: a circle of types is still one idea spread over two rooms).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const MAX_LINES = 150;
const FOLDERS = ['scripts', 'bench', 'stacks'];

function tsFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = join(folder, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

const SOURCES = [join(ROOT, 'main.ts'), ...FOLDERS.flatMap((f) => tsFiles(join(ROOT, f)))];

function longFunctions(file: string): { where: string; lines: number }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { where: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      const lines = source.getLineAndCharacterOfPosition(node.end).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const name = ts.isConstructorDeclaration(node) ? 'constructor' : ((node as ts.FunctionDeclaration).name?.getText() ?? `line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
      if (lines > MAX_LINES) found.push({ where: `${relative(ROOT, file)}:${name}`, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The project files a module imports (relative specifiers only; `import type` and re-exports included). */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const st of source.statements) {
    const spec = (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
    if (!spec?.startsWith('.')) continue;
    const base = resolve(dirname(file), spec);
    const hit = [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
    if (hit) out.push(hit);
  }
  return out;
}

/** Every import circle among `files`, each as the files it runs through (from its first file back to it). */
function circles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const found = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') {
        const loop = stack.slice(stack.indexOf(g)).map((x) => relative(ROOT, x));
        found.set([...loop].sort().join(' '), loop);
      } else if (!state.has(g) && graph.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return [...found.values()];
}

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
