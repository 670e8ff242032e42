#!/usr/bin/env node
/**
 * The launcher behind every `npm run <script>`: runs a TypeScript entry point of this
 * repository compiled, without ts-node.
 *
 *   node scripts/run.js scripts/db-copy.ts [args]     runs dist/scripts/db-copy.js [args]
 *   node scripts/run.js main.ts                       runs dist/main.js (synth)
 *
 * Before it runs, every source under main.ts, stacks/, scripts/, bench/ and __tests__/support/
 * (.ts, and the .json data they import) whose compiled copy in dist/ is missing or older than
 * it (or than tsconfig.json) is transpiled into dist/, file by file, with TypeScript's
 * transpileModule and tsconfig.json's options (isolatedModules holds, so this is what tsc
 * emits, without the type check: `npm run typecheck` and `npm run build` do that). A fresh
 * clone therefore compiles on its first command; an up-to-date tree costs a few hundred
 * stat calls, and TypeScript is not even loaded. A compiled file whose source is gone is
 * deleted: a module moved into a folder of its name (stacks/config.ts -> stacks/config/index.ts)
 * would otherwise still be the one `require('./config')` finds.
 *
 * The entry then runs in this process as the main module (require.main), with
 * process.argv as if `node dist/<entry>.js [args]` had been typed.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** What the launcher keeps compiled (bench/ imports __tests__/support/postgres.ts). */
const SOURCES = ['main.ts', 'stacks', 'scripts', 'bench', path.join('__tests__', 'support')];
const TSCONFIG = path.join(ROOT, 'tsconfig.json');

/** Sources (relative to ROOT) whose dist/ copy is missing or older than the source or tsconfig.json. */
function staleSources() {
  const floor = fs.statSync(TSCONFIG).mtimeMs;
  const stale = [];
  const visit = (rel) => {
    const full = path.join(ROOT, rel);
    const st = fs.statSync(full, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(full)) visit(path.join(rel, name));
      return;
    }
    if (!/\.(ts|json)$/.test(rel) || /\.(d|test)\.ts$/.test(rel)) return;
    const out = fs.statSync(outputOf(rel), { throwIfNoEntry: false });
    if (!out || out.mtimeMs < Math.max(st.mtimeMs, floor)) stale.push(rel);
  };
  for (const s of SOURCES) visit(s);
  return stale;
}

/** Deletes each compiled .js under dist/ whose .ts source no longer exists; returns how many. */
function removeOrphans() {
  let removed = 0;
  const visit = (rel) => {
    const full = path.join(DIST, rel);
    const st = fs.statSync(full, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(full)) visit(path.join(rel, name));
      return;
    }
    if (!rel.endsWith('.js') || fs.existsSync(path.join(ROOT, rel.replace(/\.js$/, '.ts')))) return;
    fs.rmSync(full, { force: true });
    removed++;
  };
  for (const s of SOURCES) visit(s.replace(/\.ts$/, '.js'));
  return removed;
}

/** dist/ path of a source: .ts -> .js, .json copied as is. */
function outputOf(rel) {
  return path.join(DIST, rel.replace(/\.ts$/, '.js'));
}

/** Writes through a temporary file and a rename, so a concurrent launcher never reads half a file. */
function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Transpiles (or copies) `stale` into dist/; a syntax error ends the launcher with exit 1. */
function compile(stale) {
  const started = Date.now();
  const ts = require('typescript');
  const { options, errors } = ts.convertCompilerOptionsFromJson(JSON.parse(fs.readFileSync(TSCONFIG, 'utf8')).compilerOptions, ROOT);
  if (errors.length) fail(`tsconfig.json: ${ts.flattenDiagnosticMessageText(errors[0].messageText, ' ')}`);
  for (const rel of stale) {
    const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    if (rel.endsWith('.json')) {
      writeAtomic(outputOf(rel), text);
      continue;
    }
    const r = ts.transpileModule(text, { compilerOptions: options, fileName: path.join(ROOT, rel), reportDiagnostics: true });
    const diagnostics = (r.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (diagnostics.length) {
      const d = diagnostics[0];
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      fail(`${rel}${where ? `:${where.line + 1}:${where.character + 1}` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (fix the source; nothing was run)`);
    }
    writeAtomic(outputOf(rel), r.outputText);
  }
  process.stderr.write(`build: ${stale.length} changed source${stale.length === 1 ? '' : 's'} compiled to dist/ (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function main() {
  const entry = process.argv[2];
  if (!entry || !/\.ts$/.test(entry) || !fs.existsSync(path.join(ROOT, entry))) {
    process.stderr.write(`error: scripts/run.js needs a TypeScript entry point of this repository, e.g. scripts/db-copy.ts (got ${entry ? JSON.stringify(entry) : 'nothing'})\n`);
    process.exit(2);
  }
  const orphans = removeOrphans();
  if (orphans) process.stderr.write(`build: ${orphans} compiled file${orphans === 1 ? '' : 's'} whose source is gone removed from dist/\n`);
  const stale = staleSources();
  if (stale.length) compile(stale);
  process.argv.splice(1, 2, outputOf(path.normalize(entry)));
  Module.runMain();
}

main();
