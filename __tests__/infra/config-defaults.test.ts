/**
 * Every `@default` note in stacks/config/ says the value the config really resolves to (issue 21:
 * notes 300 lines from their values had drifted). Each area's file holds its schema and, beside
 * it, its defaults; this reads every note from the source and checks it against resolveConfig():
 *
 * - `@default <value>`: production and staging both resolve to <value>;
 * - `@default <p> (production), <s> (staging)`: production resolves to <p>, staging to <s>, and
 *   the two differ; every field where staging differs from production must say so this way;
 * - a value is a JS literal (strings may hold `<region>`, `<env>`, `<appName>`), or an export of
 *   stacks/config (`GUIDE_SECRETS`, `DEFAULT_STATE_BUCKET`); anything after it is a remark;
 * - a note that is words, not a value ("RDS's default for the instance class"), is allowed only
 *   where the config leaves the field unset and its consumer decides.
 */
import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import * as ts from 'typescript';
import * as config from '../../stacks/config';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'stacks', 'config');

interface Note {
  readonly where: string;
  /** 'root': a field of the config; 'env': a field of one environment. */
  readonly scope: 'root' | 'env';
  readonly path: string[];
  /** Inside an array's elements: checked against the zod default of the field. */
  readonly inArray: boolean;
  readonly text: string;
}

interface Field {
  readonly schema: string;
  readonly path: string[];
  readonly inArray: boolean;
  readonly inUnion: boolean;
  readonly initializer: ts.Expression;
  readonly note?: string;
  readonly where: string;
}

const isZ = (e: ts.Expression, fn: string): boolean => ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === fn && /^z\b/.test(e.expression.expression.getText());

/** The text after `@default` in the JSDoc right before `node`, on one line. */
function defaultNote(source: ts.SourceFile, node: ts.Node): string | undefined {
  const comments = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const doc = comments.map((c) => source.text.slice(c.pos, c.end)).filter((c) => c.startsWith('/**')).pop();
  if (!doc) return undefined;
  const flat = doc.replace(/^\/\*\*|\*\/$/g, '').split('\n').map((l) => l.replace(/^\s*\* ?/, '').trim()).join(' ');
  const m = /@default\s+(.*)$/.exec(flat);
  return m ? m[1].trim() : undefined;
}

/** Every property of every `z.object({...})` in stacks/config/, with the schema it belongs to and its path inside it. */
function fields(): Field[] {
  const out: Field[] = [];
  for (const name of readdirSync(DIR).filter((n) => n.endsWith('.ts'))) {
    const file = join(DIR, name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && isZ(node, 'object') && node.arguments[0] && ts.isObjectLiteralExpression(node.arguments[0])) {
        let path: string[] = [];
        let inArray = false;
        let inUnion = false;
        let schema = '';
        for (let up: ts.Node = node.parent; up; up = up.parent) {
          if (ts.isPropertyAssignment(up)) path = [up.name.getText(), ...path];
          if (ts.isCallExpression(up) && isZ(up, 'array')) inArray = true;
          if (ts.isCallExpression(up) && isZ(up, 'discriminatedUnion')) inUnion = true;
          if (ts.isVariableDeclaration(up)) {
            schema = up.name.getText();
            break;
          }
        }
        for (const p of node.arguments[0].properties) {
          if (!ts.isPropertyAssignment(p)) continue;
          const line = source.getLineAndCharacterOfPosition(p.getStart()).line + 1;
          out.push({ schema, path: [...path, p.name.getText()], inArray, inUnion, initializer: p.initializer, note: defaultNote(source, p), where: `${relative(ROOT, file)}:${line}` });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

const FIELDS = fields();
const SCHEMAS = new Set(FIELDS.map((f) => f.schema));

/** The schema a field's value is, when it is one of ours (`network: NetworkSchema`, `records: z.array(DnsRecordSchema)`). */
function schemaOf(e: ts.Expression): { name: string; inArray: boolean } | undefined {
  if (ts.isIdentifier(e) && SCHEMAS.has(e.text)) return { name: e.text, inArray: false };
  if (ts.isCallExpression(e) && (isZ(e, 'array') || isZ(e, 'record'))) {
    const inner = e.arguments[e.arguments.length - 1];
    const s = inner && schemaOf(inner);
    return s && { name: s.name, inArray: isZ(e, 'array') || s.inArray };
  }
  // a method of a schema (`.default([])`, `.max(8)`): the schema it is called on
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) return schemaOf(e.expression.expression);
  return undefined;
}

/** Where a schema sits: EnvironmentSchema is the environment, ConfigSchema the root, any other one under a field. */
function placeOf(schema: string): { scope: 'root' | 'env'; path: string[]; inArray: boolean } {
  if (schema === 'ConfigSchema') return { scope: 'root', path: [], inArray: false };
  if (schema === 'EnvironmentSchema') return { scope: 'env', path: [], inArray: false };
  const owner = FIELDS.find((f) => schemaOf(f.initializer)?.name === schema);
  if (!owner) throw new Error(`${schema} is used by no field of the config`);
  const up = placeOf(owner.schema);
  return { scope: up.scope, path: [...up.path, ...owner.path], inArray: up.inArray || owner.inArray || schemaOf(owner.initializer)!.inArray };
}

const NOTES: Note[] = FIELDS.filter((f) => f.note !== undefined).map((f) => {
  const place = placeOf(f.schema);
  return { where: f.where, scope: place.scope, path: [...place.path, ...f.path], inArray: place.inArray || f.inArray, text: f.note! };
});

/** The leading value of a note (a string, number, word, `[...]` or `{...}`) and what follows it. */
function leadingValue(text: string): { token: string; rest: string } {
  let end = 0;
  if (text[0] === '"') end = text.indexOf('"', 1) + 1;
  else if (text[0] === '[' || text[0] === '{') {
    let depth = 0;
    let quoted = false;
    for (; end < text.length; end++) {
      const ch = text[end];
      if (ch === '"') quoted = !quoted;
      if (quoted) continue;
      if (ch === '[' || ch === '{') depth++;
      if ((ch === ']' || ch === '}') && --depth === 0) break;
    }
    end++;
  } else end = (/^-?[\w$.]+/.exec(text)?.[0] ?? '').length;
  return { token: text.slice(0, end), rest: text.slice(end).trim() };
}

const NOT_A_VALUE = Symbol('words, not a value');
const REGION = 'us-east-1';
const APP = config.resolveConfig().appName;

/** A note's value for environment `env`, with config's exports in scope; NOT_A_VALUE for words. */
function evaluate(token: string, env: string): unknown {
  const text = token.replace(/<region>/g, REGION).replace(/<env>/g, env).replace(/<appName>/g, APP);
  const names = Object.keys(config).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
  try {
    return new Function(...names, `return (${text});`)(...names.map((k) => (config as Record<string, unknown>)[k]));
  } catch {
    return NOT_A_VALUE;
  }
}

/** What a note says for production and for staging (the same when it names one value). */
function parseNote(text: string, env: string): { production: unknown; staging: unknown; differs: boolean } {
  const first = leadingValue(text);
  const production = evaluate(first.token, env);
  const m = /^\(production\),\s*(.*)$/.exec(first.rest);
  if (!m) return { production, staging: production, differs: false };
  const second = leadingValue(m[1]);
  if (!/^\(staging\)/.test(second.rest)) throw new Error(`"${text}": after "(production), <value>" comes "(staging)"`);
  return { production, staging: evaluate(second.token, env), differs: true };
}

const resolved = config.resolveConfig();

/** Fields the config leaves unset whose consumer fills in a value a note may state. */
const EFFECTIVE: Record<string, (env: string) => unknown> = {
  businessMetricsNamespace: (env) => config.businessMetricsNamespace(resolved, env),
};

function valueAt(scope: Note['scope'], path: string[], env: string): unknown {
  if (scope === 'env' && EFFECTIVE[path.join('.')]) return EFFECTIVE[path.join('.')](env);
  let v: unknown = scope === 'root' ? resolved : resolved.environments[env];
  for (const k of path) v = (v as Record<string, unknown> | undefined)?.[k];
  return v;
}

/** The zod default of a field inside array elements (dns.records[].ttl), from the runtime schema. */
function zodDefaultAt(path: string[]): unknown {
  type Schema = { shape?: Record<string, Schema>; element?: Schema; unwrap?: () => Schema; parse: (v: unknown) => unknown };
  let s = config.EnvironmentSchema as unknown as Schema;
  for (const k of path) {
    while (!s.shape) s = s.element ?? s.unwrap!(); // through arrays and their defaults to the element's object
    s = s.shape[k];
  }
  return s.parse(undefined);
}

/** Leaf paths (arrays whole) where staging's value differs from production's. */
function differences(a: unknown, b: unknown, path: string[] = []): string[] {
  const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (plain(a) && plain(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => differences(a[k], b[k], [...path, k]));
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path.join('.')];
}

test('the notes are found (a parse that finds nothing proves nothing)', () => {
  expect(NOTES.length).toBeGreaterThan(70);
  expect(NOTES.map((n) => n.path.join('.'))).toEqual(expect.arrayContaining(['cutover.stage', 'service.cpu', 'runner.logRetentionDays', 'dns.records.ttl', 'appName']));
});

describe.each(NOTES.map((n) => [`${n.scope === 'env' ? 'environments.<env>.' : ''}${n.path.join('.')}`, n] as const))('%s', (_, note) => {
  test(`@default ${note.text.slice(0, 60)}… is what production and staging resolve to`, () => {
    for (const env of ['production', 'staging'] as const) {
      const said = parseNote(note.text, env);
      const value = note.inArray ? zodDefaultAt(note.path) : valueAt(note.scope, note.path, env);
      const expected = said[env];
      if (expected === NOT_A_VALUE) expect({ where: note.where, env, value }).toEqual({ where: note.where, env, value: undefined });
      else expect({ where: note.where, env, value }).toEqual({ where: note.where, env, value: expected });
    }
  });
});

test('staging differs from production exactly where a note says "(production), … (staging)"', () => {
  const differing = differences(resolved.environments.production, resolved.environments.staging).sort();
  const said = NOTES.filter((n) => n.scope === 'env' && !n.inArray && parseNote(n.text, 'production').differs).map((n) => n.path.join('.')).sort();
  // Today: the domain, and a smaller, cheaper staging (network, database, service, load balancer, edge, budget, runner) that starts at stage aws.
  expect(said).toEqual(differing);
  expect(differing).toEqual(expect.arrayContaining(['domain', 'cutover.stage', 'database.instanceClass', 'service.cpu', 'budget.thresholdsUsd']));
});

test('every field that has a default carries an @default note (areas, inline objects, array elements and backend variants aside)', () => {
  const missing = FIELDS.filter((f) => f.note === undefined && f.path.length === 1 && !f.inArray && !f.inUnion && !schemaOf(f.initializer) && !placeOf(f.schema).inArray).map((f) => `${f.where} ${f.schema}.${f.path.join('.')}`);
  expect(missing).toEqual([]);
});
