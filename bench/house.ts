/**
 * The shape of the code, as figures anyone can reproduce (issues 8 and 21):
 *
 *   npm run bench:house [-- --json]
 *
 * Over main.ts and every .ts under scripts/, bench/ and stacks/: modules and lines, the
 * longest functions (a function, method or constructor over 150 lines is a finding), import
 * circles (type-only imports included), the same-database refusals and phase wrappers defined,
 * and, per object kind of the copy (scripts/lib/db/schema/kinds/), the modules that import it
 * (one: the KINDS list, when a kind is one module). `__tests__/proc/function-length.test.ts`
 * holds the code to the first two with these same functions.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { basename, dirname, join, relative, resolve } from 'path';
import type * as ts from 'typescript';
import { parseCli, runCli } from '../scripts/lib/cli/args';
import { projectRoot } from '../scripts/lib/cli/root';

/** TypeScript's parser, loaded on first use: `bench:house --help` does not load it. */
let parser: typeof ts | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const typescript = (): typeof ts => (parser ??= require('typescript') as typeof ts);

export const ROOT = projectRoot(__dirname);
export const MAX_LINES = 150;
export const FOLDERS = ['scripts', 'bench', 'stacks'];

export function tsFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = join(folder, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** main.ts and every .ts under FOLDERS. */
export function sources(root = ROOT): string[] {
  return [join(root, 'main.ts'), ...FOLDERS.flatMap((f) => tsFiles(join(root, f)))];
}

const parse = (file: string) => {
  const t = typescript();
  return t.createSourceFile(file, readFileSync(file, 'utf8'), t.ScriptTarget.Latest, true);
};

/** Every function, method and constructor of a file with its length in lines. */
export function functionLengths(file: string): { where: string; name: string; lines: number }[] {
  const t = typescript();
  const source = parse(file);
  const found: { where: string; name: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (t.isFunctionDeclaration(node) || t.isMethodDeclaration(node) || t.isConstructorDeclaration(node) || t.isArrowFunction(node) || t.isFunctionExpression(node)) {
      const lines = source.getLineAndCharacterOfPosition(node.end).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const name = t.isConstructorDeclaration(node) ? 'constructor' : ((node as ts.FunctionDeclaration).name?.getText() ?? `line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
      found.push({ where: `${relative(ROOT, file)}:${name}`, name, lines });
    }
    t.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The functions of a file over MAX_LINES lines. */
export function longFunctions(file: string): { where: string; lines: number }[] {
  return functionLengths(file)
    .filter((f) => f.lines > MAX_LINES)
    .map(({ where, lines }) => ({ where, lines }));
}

/** The project files a module imports (relative specifiers only; `import type` and re-exports included). */
export function importsOf(file: string): string[] {
  const t = typescript();
  const out: string[] = [];
  for (const st of parse(file).statements) {
    const spec = (t.isImportDeclaration(st) || t.isExportDeclaration(st)) && st.moduleSpecifier && t.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
    if (!spec?.startsWith('.')) continue;
    const base = resolve(dirname(file), spec);
    const hit = [`${base}.ts`, join(base, 'index.ts')].find((f) => existsSync(f));
    if (hit) out.push(hit);
  }
  return out;
}

/** Every import circle among `files`, each as the files it runs through (from its first file back to it). */
export function circles(files: readonly string[]): string[][] {
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

export interface HouseFigures {
  readonly modules: number;
  readonly lines: number;
  readonly longest: { where: string; lines: number }[];
  readonly overLimit: { where: string; lines: number }[];
  readonly circles: string[][];
  /** Functions defined under the names of a same-database refusal and of a phase wrapper. */
  readonly sameDatabaseChecks: string[];
  readonly phaseWrappers: string[];
  /** Per kind module: the modules that import it. */
  readonly kinds: Record<string, string[]>;
}

/** The figures of the house at `root`. */
export function houseFigures(root = ROOT): HouseFigures {
  const files = sources(root);
  const fns = files.flatMap(functionLengths);
  const named = (re: RegExp) => [...new Set(fns.filter((f) => re.test(f.name)).map((f) => f.where))].sort();
  const kindsDir = join(root, 'scripts', 'lib', 'db', 'schema', 'kinds');
  const kindFiles = existsSync(kindsDir) ? tsFiles(kindsDir).filter((f) => !['index.ts', 'kind.ts', 'context.ts'].includes(basename(f))) : [];
  const importers = new Map<string, string[]>();
  for (const f of files) for (const g of importsOf(f)) importers.set(g, [...(importers.get(g) ?? []), relative(root, f)]);
  return {
    modules: files.length,
    lines: files.reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').length, 0),
    longest: [...fns].sort((a, b) => b.lines - a.lines).slice(0, 5).map(({ where, lines }) => ({ where, lines })),
    overLimit: files.flatMap(longFunctions),
    circles: circles(files),
    sameDatabaseChecks: named(/^refuseSame/),
    phaseWrappers: named(/^(runPhase|inPhase|withPhase)$/),
    kinds: Object.fromEntries(kindFiles.map((k) => [basename(k, '.ts'), (importers.get(k) ?? []).sort()])),
  };
}

function render(h: HouseFigures): string {
  const lines = [
    `modules: ${h.modules} (main.ts, ${FOLDERS.join('/, ')}/), ${h.lines} lines`,
    `functions over ${MAX_LINES} lines: ${h.overLimit.length}${h.overLimit.map((f) => `\n  ${f.where} (${f.lines})`).join('')}`,
    `longest: ${h.longest.map((f) => `${f.where} (${f.lines})`).join(', ')}`,
    `import circles: ${h.circles.length}${h.circles.map((c) => `\n  ${c.join(' -> ')}`).join('')}`,
    `same-database refusals defined: ${h.sameDatabaseChecks.length} (${h.sameDatabaseChecks.join(', ')})`,
    `phase wrappers defined: ${h.phaseWrappers.length} (${h.phaseWrappers.join(', ')})`,
    `object kinds: ${Object.keys(h.kinds).length}; imported from outside kinds/: ${Object.entries(h.kinds).flatMap(([k, by]) => by.filter((f) => !f.includes('/schema/kinds/')).map((f) => `${k} <- ${f}`)).join(', ') || 'none'}`,
  ];
  return lines.join('\n') + '\n';
}

const spec = {
  name: 'npm run bench:house --',
  summary: 'Figures of the code\'s shape: modules, long functions, import circles, same-database refusals, phase wrappers, kind modules.',
  options: {},
  epilog: 'Exit codes: 0 printed (findings are figures, not failures; the tests hold the code to them), 2 bad command line.',
} as const;

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), spec);
  if (!args) return 0;
  const h = houseFigures();
  process.stdout.write(args.json ? JSON.stringify(h, null, 2) + '\n' : render(h));
  return 0;
}

if (require.main === module) runCli(main);
