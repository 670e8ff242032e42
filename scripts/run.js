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
 * main.ts (synth) runs from bundles instead: loading its ~650 modules one by one (cdktf, the
 * provider's classes, zod, the stacks) is most of a synth's time, two files are not. esbuild
 * bundles the compiled dist/ files main.js loads into dist/.bundle/main.<id>.js, and the packages
 * they require into main-packages.<id>.js; each runs compiled from V8's code cache of it
 * (<same name>.cache, written after the first plain synth from it). The project bundle is rebuilt
 * when a compiled file it holds changed (dist/.bundle/main.json records their mtime and size);
 * the packages bundle when npm changed node_modules (its node_modules/.package-lock.json) or the
 * project requires a package it lacks; both when Node's version changes. VN_BUNDLE=0 runs
 * dist/main.js unbundled, as does a tree without esbuild (a devDependency, with a one-line notice);
 * both ways write the same files, and `node dist/main.js` is the unbundled way too.
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

/**
 * Every file at or below `rel` (a file or a folder, relative to `base`), as paths relative to
 * `base`; symbolic links are followed. Folders are read with their entries' types, so a file
 * costs no stat here.
 */
function filesUnder(base, rel, out = []) {
  const st = fs.statSync(base + path.sep + rel, { throwIfNoEntry: false });
  if (!st) return out;
  if (!st.isDirectory()) {
    out.push(rel);
    return out;
  }
  const walk = (dir) => {
    for (const e of fs.readdirSync(base + path.sep + dir, { withFileTypes: true })) {
      const child = dir + path.sep + e.name;
      const isDir = e.isDirectory() || (!e.isFile() && Boolean(fs.statSync(base + path.sep + child, { throwIfNoEntry: false })?.isDirectory()));
      if (isDir) walk(child);
      else out.push(child);
    }
  };
  walk(rel);
  return out;
}

/**
 * Sources (relative to ROOT) whose dist/ copy is missing or older than the source or tsconfig.json.
 * `sources` receives every .ts file under SOURCES; `outputs` the [mtimeMs, size] of every
 * compiled copy looked at (the bundle's check reuses them).
 */
function staleSources(sources, outputs) {
  const floor = fs.statSync(TSCONFIG).mtimeMs;
  const stale = [];
  for (const s of SOURCES) {
    for (const rel of filesUnder(ROOT, s)) {
      if (!/\.(ts|json)$/.test(rel)) continue;
      const st = fs.statSync(ROOT + path.sep + rel, { throwIfNoEntry: false });
      if (!st) continue;
      if (rel.endsWith('.ts')) sources.add(rel);
      if (/\.(d|test)\.ts$/.test(rel)) continue;
      const out = fs.statSync(outputOf(rel), { throwIfNoEntry: false });
      if (out) outputs.set(outputOf(rel), [out.mtimeMs, out.size]);
      if (!out || out.mtimeMs < Math.max(st.mtimeMs, floor)) stale.push(rel);
    }
  }
  return stale;
}

/** Deletes each compiled .js under dist/ whose .ts source no longer exists (is not in `sources`, from staleSources); returns how many. */
function removeOrphans(sources) {
  let removed = 0;
  for (const s of SOURCES) {
    for (const rel of filesUnder(DIST, s.replace(/\.ts$/, '.js'))) {
      if (!rel.endsWith('.js') || sources.has(rel.replace(/\.js$/, '.ts'))) continue;
      fs.rmSync(DIST + path.sep + rel, { force: true });
      removed++;
    }
  }
  return removed;
}

/** dist/ path of a source (normalized, relative to ROOT): .ts -> .js, .json copied as is. */
function outputOf(rel) {
  return DIST + path.sep + rel.replace(/\.ts$/, '.js');
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

/** Entries that run from bundles (see the top of this file). */
const BUNDLED = new Set(['main.ts']);
const BUNDLE_DIR = path.join(DIST, '.bundle');
/** Bump when the bundles' options below change: every bundle built before is then rebuilt. */
const BUNDLE_FORMAT = 2;
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/** [mtimeMs, size] of a file, or undefined when it is missing. */
function statOf(file) {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st && [st.mtimeMs, st.size];
}

const sameStat = (a, b) => Boolean(a && b && a[0] === b[0] && a[1] === b[1]);

/** npm rewrites node_modules/.package-lock.json on every install that changes node_modules. */
function packagesStamp() {
  return statOf(path.join(ROOT, 'node_modules', '.package-lock.json'));
}

/** Every file of `files` ({ path relative to ROOT: [mtimeMs, size] }) is as recorded; `outputs` (from staleSources) spares their stat. */
function filesUnchanged(files, outputs) {
  for (const [rel, seen] of Object.entries(files)) {
    const file = path.resolve(ROOT, rel);
    if (!sameStat(outputs.get(file) || statOf(file), seen)) return false;
  }
  return true;
}

/**
 * What dist/.bundle/<entry>.json says about the bundles of `entry` (dist/ path): the record, and
 * whether its project bundle (the compiled files) and its packages bundle (node_modules) are
 * current. A file compiled by this run was deleted from `outputs`, so it is stat'ed afresh.
 */
function bundleState(entry, outputs) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(BUNDLE_DIR, `${path.basename(entry, '.js')}.json`), 'utf8'));
  } catch {
    return { stamp: undefined, project: false, packages: false };
  }
  if (stamp.format !== BUNDLE_FORMAT || stamp.node !== process.version || stamp.root !== ROOT || stamp.entry !== entry) return { stamp: undefined, project: false, packages: false };
  const packages = stamp.packages.lock ? sameStat(packagesStamp(), stamp.packages.lock) : filesUnchanged(stamp.packages.files, outputs);
  return { stamp, project: filesUnchanged(stamp.project.files, outputs), packages };
}

/** Escapes what is left of non-ASCII in esbuild's output (charset 'ascii' escapes strings, regexps and names, not comments). */
const ascii = (code) => code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Packages a synth loads but never uses, required when first called rather than at load (in the
 * packages bundle only): cdktf's zip helper, for archive assets (no stack has one), loads
 * archiver, ~200 modules with what it requires (~4% of a synth, ~15 ms). Applied only where the
 * module binds the package once and only ever calls it, so nothing but when it loads changes;
 * the helper's own zip run, `node <its file>`, is not bundled.
 */
const LAZY_REQUIRES = [{ file: /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/, name: 'archiver' }];

function lazyRequires(file, text) {
  for (const { file: pattern, name } of LAZY_REQUIRES) {
    if (!pattern.test(file)) continue;
    const declaration = `const ${name} = require(${JSON.stringify(name)});`;
    const uses = text.split(declaration);
    if (uses.length !== 2) continue;
    const rest = uses.join('');
    const all = rest.match(new RegExp(`\\b${name}\\b`, 'g')) || [];
    const calls = rest.match(new RegExp(`(?<![\\w$.])${name}\\(`, 'g')) || [];
    if (all.length === 0 || all.length !== calls.length) continue;
    text = uses.join(`let ${name}_; const ${name} = (...args) => (${name}_ || (${name}_ = require(${JSON.stringify(name)})))(...args);`);
  }
  return text;
}

/**
 * A plugin giving a module that reads __filename or __dirname its own path rather than the
 * bundle's (cdktf's zip helper runs `node <its own file>`), applying LAZY_REQUIRES, and refusing,
 * in the project bundle, a module that would see the difference between a bundle and its own file.
 */
function sourcesPlugin(esbuild, refuse) {
  return {
    name: 'sources',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
        const original = await fs.promises.readFile(args.path, 'utf8');
        const seen = refuse && /(?<![\w$.])(?:require\.(?:main|resolve|cache|extensions)|module\.(?:id|filename|loaded|parent|children|paths|path|require))\b/.exec(original);
        if (seen) throw new Error(`${path.relative(ROOT, args.path)} uses ${seen[0]}`);
        let text = lazyRequires(args.path, original);
        if (/\b__(?:file|dir)name\b/.test(text)) {
          const define = { __filename: JSON.stringify(args.path), __dirname: JSON.stringify(path.dirname(args.path)) };
          text = (await esbuild.transform(text, { loader: 'js', define, sourcefile: args.path })).code;
        }
        return text === original ? undefined : { contents: text, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/**
 * One esbuild bundle of `contents` (an entry resolved from ROOT), as { code, inputs, packages }:
 * the files it holds (relative to ROOT) and the package names it leaves to be required. Besides
 * the plugin's checks, what could make a bundle behave differently from the modules it holds is
 * refused: a warning (a require of a computed name, say), import(), a require left unbundled
 * that is not a Node built-in or (packagesExternal) a package. The target is the running Node, so
 * esbuild rewrites no syntax; keepNames keeps every class and function `name` (esbuild renames some
 * to `_Name`); whitespace and comments are left out (a third less to read and compile), names are
 * not, so a stack trace still names its functions (VN_BUNDLE=0 gives the dist/ files' lines).
 */
async function bundle(esbuild, contents, { packagesExternal }) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'bundle-entry.js' },
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node}`,
    packages: packagesExternal ? 'external' : undefined,
    keepNames: true,
    minifyWhitespace: true,
    charset: 'ascii',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [sourcesPlugin(esbuild, packagesExternal)],
  });
  if (result.warnings.length) throw new Error(result.warnings[0].text);
  const builtin = new Set(Module.builtinModules);
  const packages = new Set();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const i of input.imports) {
      if (i.kind === 'dynamic-import') throw new Error(`${file} uses import(${i.path})`);
      if (!i.external || i.path === '<runtime>' || builtin.has(i.path.replace(/^node:/, ''))) continue;
      if (!packagesExternal || i.kind !== 'require-call') throw new Error(`${file} requires ${i.path}, which cannot be bundled`);
      packages.add(i.path);
    }
  }
  const inputs = Object.keys(result.metafile.inputs).filter((rel) => rel !== '<stdin>');
  return { code: ascii(result.outputFiles[0].text), inputs, packages: [...packages].sort() };
}

/**
 * (Re)builds what bundleState() found stale, writes the record and returns the bundles' paths.
 * The entry is entered through a one-line stub, so no module is made strict by another's
 * "use strict". Two bundles: the project's compiled files, whose require of a package goes to
 * the packages bundle (node_modules, each package loaded when first required, as unbundled), so an
 * edit rebuilds only the small one (~0.1 s) and npm's changes (or a package newly required) the
 * large one (~1 s).
 */
async function buildBundles(esbuild, entry, state) {
  const started = Date.now();
  const name = path.basename(entry, '.js');
  const id = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const built = [];
  let project = state.project ? state.stamp.project : undefined;
  if (!project) {
    const b = await bundle(esbuild, `require(${JSON.stringify(`./${path.relative(ROOT, entry)}`)});\n`, { packagesExternal: true });
    const files = {};
    for (const rel of b.inputs) files[rel] = statOf(path.resolve(ROOT, rel));
    project = { bundle: `${name}.${id}.js`, files, packages: b.packages, code: b.code };
    built.push(`${b.inputs.length} compiled files`);
  }
  let packages = state.packages && project.packages.every((p) => state.stamp.packages.names.includes(p)) ? state.stamp.packages : undefined;
  if (!packages) {
    const names = project.packages;
    const entryCode = names.map((p) => `exports[${JSON.stringify(p)}] = () => require(${JSON.stringify(p)});\n`).join('');
    const b = await bundle(esbuild, entryCode, { packagesExternal: false });
    // node_modules (through a symlink too) stands as npm's record of it; without one, file by file.
    const lock = packagesStamp();
    let modulesDir;
    try {
      modulesDir = fs.realpathSync(path.join(ROOT, 'node_modules'));
    } catch {
      modulesDir = undefined;
    }
    const files = {};
    for (const rel of b.inputs) {
      const file = path.resolve(ROOT, rel);
      if (!(lock && modulesDir && file.startsWith(modulesDir + path.sep))) files[rel] = statOf(file);
    }
    packages = { bundle: `${name}-packages.${id}.js`, names, lock, files, code: b.code };
    built.push(`${b.inputs.length} package modules`);
  }
  for (const b of [project, packages]) {
    if (b.code !== undefined) writeAtomic(path.join(BUNDLE_DIR, b.bundle), b.code);
    delete b.code;
  }
  const record = `${JSON.stringify({ format: BUNDLE_FORMAT, node: process.version, root: ROOT, entry, project, packages }, null, 1)}\n`;
  writeAtomic(path.join(BUNDLE_DIR, `${name}.json`), record);
  // Earlier bundles go once they are a minute old: one a concurrent launcher has just built is
  // left for it to run (the record then names the last one written).
  const keep = new Set([`${name}.json`, project.bundle, project.bundle.replace(/\.js$/, '.cache'), packages.bundle, packages.bundle.replace(/\.js$/, '.cache')]);
  for (const old of fs.readdirSync(BUNDLE_DIR)) {
    if (!(old.startsWith(`${name}.`) || old.startsWith(`${name}-packages.`)) || keep.has(old) || old.endsWith('.tmp')) continue;
    const st = fs.statSync(path.join(BUNDLE_DIR, old), { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > 60_000) fs.rmSync(path.join(BUNDLE_DIR, old), { force: true });
  }
  process.stderr.write(`build: ${path.relative(ROOT, entry)} bundled (${built.join(', ')}) into ${path.relative(ROOT, BUNDLE_DIR)}/ (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return { project: path.join(BUNDLE_DIR, project.bundle), packages: path.join(BUNDLE_DIR, packages.bundle) };
}

/** A bundle's source (ASCII, so read as one-byte text) and its code cache if any; undefined when the bundle is gone. */
function readBundle(file) {
  let source;
  try {
    source = fs.readFileSync(file, 'latin1');
  } catch {
    return undefined; // replaced by a concurrent rebuild
  }
  let cachedData;
  try {
    cachedData = fs.readFileSync(file.replace(/\.js$/, '.cache'));
  } catch {
    cachedData = undefined;
  }
  return { file, source, cachedData };
}

/**
 * Compiles a bundle (with its code cache when V8 takes it) and runs it as a module. After a run
 * without a usable cache (the first from this bundle, or another Node or other V8 flags), a run
 * that exits 0 with no arguments (a plain synth, which compiles what every synth needs) writes it.
 */
function runModule({ file, source, cachedData }, req, main) {
  const script = new (require('vm').Script)(Module.wrap(source), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', (code) => {
      if (code !== 0 || process.argv.length !== 2) return;
      try {
        writeAtomic(file.replace(/\.js$/, '.cache'), script.createCachedData());
      } catch {
        // Only slower next time.
      }
    });
  }
  const m = new Module(file, null);
  m.filename = file;
  if (main) {
    m.id = '.';
    process.mainModule = m;
  }
  Module._cache[file] = m;
  script.runInThisContext().call(m.exports, m.exports, req, m, file, path.dirname(file));
  m.loaded = true;
  return m.exports;
}

/** Runs the project bundle as the main module, its packages from the packages bundle; false when either is gone. */
function runBundles(files) {
  const packages = readBundle(files.packages);
  const project = packages && readBundle(files.project);
  if (!project) return false;
  const nodeRequire = Module.createRequire(files.packages);
  const exported = runModule(packages, nodeRequire, false);
  runModule(project, (id) => (hasOwn(exported, id) ? exported[id]() : nodeRequire(id)), true);
  return true;
}

/** Runs `entry` (dist/ path, already in process.argv[1]) from its bundles, rebuilt first when stale; unbundled when that cannot be. */
function runBundled(entry, outputs) {
  if (process.env.VN_BUNDLE === '0') return Module.runMain();
  const state = bundleState(entry, outputs);
  if (state.project && state.packages && runBundles({ project: path.join(BUNDLE_DIR, state.stamp.project.bundle), packages: path.join(BUNDLE_DIR, state.stamp.packages.bundle) })) return undefined;
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    process.stderr.write(`build: esbuild is not installed (npm ci installs it, a devDependency): running ${path.relative(ROOT, entry)} unbundled, about 0.2 s slower\n`);
    return Module.runMain();
  }
  buildBundles(esbuild, entry, state).then(
    (built) => process.nextTick(() => runBundles(built) || Module.runMain()),
    (e) => {
      const why = (e && e.errors && e.errors[0] && e.errors[0].text) || String(e && e.message);
      process.stderr.write(`build: could not bundle ${path.relative(ROOT, entry)} (${why.split('\n')[0]}): running it unbundled\n`);
      process.nextTick(() => Module.runMain());
    },
  );
  return undefined;
}

function main() {
  const entry = process.argv[2];
  if (!entry || !/\.ts$/.test(entry) || !fs.existsSync(path.join(ROOT, entry))) {
    process.stderr.write(`error: scripts/run.js needs a TypeScript entry point of this repository, e.g. scripts/db-copy.ts (got ${entry ? JSON.stringify(entry) : 'nothing'})\n`);
    process.exit(2);
  }
  const sources = new Set();
  const outputs = new Map();
  const stale = staleSources(sources, outputs);
  const orphans = removeOrphans(sources);
  if (orphans) process.stderr.write(`build: ${orphans} compiled file${orphans === 1 ? '' : 's'} whose source is gone removed from dist/\n`);
  if (stale.length) compile(stale);
  for (const rel of stale) outputs.delete(outputOf(rel));
  const compiled = outputOf(path.normalize(entry));
  process.argv.splice(1, 2, compiled);
  if (BUNDLED.has(path.normalize(entry))) runBundled(compiled, outputs);
  else Module.runMain();
}

main();
