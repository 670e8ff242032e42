/**
 * Code shape (issue 8): no function under scripts/ or bench/ is over 150 lines.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const MAX_LINES = 150;


function tsFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = join(folder, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

function longFunctions(file: string): { where: string; lines: number }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { where: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      const lines = source.getLineAndCharacterOfPosition(node.end).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const name = (node as ts.FunctionDeclaration).name?.getText() ?? `line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      if (lines > MAX_LINES) found.push({ where: `${relative(ROOT, file)}:${name}`, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test(`no function under scripts/ or bench/ is over ${MAX_LINES} lines`, () => {
  const long = [...tsFiles(join(ROOT, 'scripts')), ...tsFiles(join(ROOT, 'bench'))].flatMap(longFunctions);
  expect(long).toEqual([]);
});
