import * as fs from 'fs';
import * as path from 'path';
import { POLICY_RULES } from '../../stacks/policy';
import { PolicyRule } from '../../stacks/policy/rule';

const RULES_DIR = path.join(__dirname, '../../stacks/policy/rules');
const DOC = path.join(__dirname, '../../docs/policy.md');

function isRule(x: unknown): x is PolicyRule {
  return typeof x === 'object' && x !== null && typeof (x as PolicyRule).id === 'string' && typeof (x as PolicyRule).check === 'function';
}

/** `| VN-XXX-n | production level | other level | ...` rows of docs/policy.md. */
function documentedLevels(): Map<string, [string, string]> {
  const rows = fs
    .readFileSync(DOC, 'utf8')
    .split('\n')
    .filter((l) => /^\| VN-/.test(l))
    .map((l) => l.split('|').map((c) => c.trim()));
  return new Map(rows.map((c) => [c[1], [c[2], c[3]]]));
}

test('every rule file in stacks/policy/rules defines exactly one rule, and the pack contains it', () => {
  const fromFiles = fs
    .readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: f, rules: Object.values(require(path.join(RULES_DIR, f)) as Record<string, unknown>).filter(isRule) }));
  expect(fromFiles.filter((f) => f.rules.length !== 1).map((f) => f.file)).toEqual([]);
  expect(new Set(fromFiles.map((f) => f.rules[0]))).toEqual(new Set(POLICY_RULES));
});

test('rule ids are unique and look like VN-<AREA>-<n>', () => {
  const ids = POLICY_RULES.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.filter((id) => !/^VN-[A-Z0-9]+-\d+$/.test(id))).toEqual([]);
});

test('every rule says what it requires and how to fix a finding', () => {
  expect(POLICY_RULES.filter((r) => r.description.trim().length < 20 || r.fix.trim().length < 20).map((r) => r.id)).toEqual([]);
});

test('docs/policy.md lists every rule with its production and non-production level', () => {
  const documented = documentedLevels();
  for (const r of POLICY_RULES) expect([r.id, documented.get(r.id)]).toEqual([r.id, [r.level, r.outsideProduction ?? r.level]]);
});

test('docs/policy.md lists no rule the pack does not have (besides the suppression checks)', () => {
  const known = new Set([...POLICY_RULES.map((r) => r.id), 'VN-POLICY-1', 'VN-POLICY-2']);
  expect([...documentedLevels().keys()].filter((id) => !known.has(id))).toEqual([]);
});
