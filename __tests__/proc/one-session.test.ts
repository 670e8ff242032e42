/**
 * One two-database session (issue 21 item 2): under scripts/ there is exactly one same-database
 * check (by URL and by server identity, in scripts/lib/db/session.ts), one phase wrapper and one
 * phase error mapper (scripts/lib/db/phase.ts). A second copy of any of them fails this scan.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';

const ROOT = join(__dirname, '..', '..');

function tsFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = join(folder, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

const FILES = tsFiles(join(ROOT, 'scripts')).map((f) => ({ file: relative(ROOT, f), text: readFileSync(f, 'utf8') }));

/** Files (and their count of matches) where `pattern` occurs. */
function rooms(pattern: RegExp): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { file, text } of FILES) {
    const n = [...text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'))].length;
    if (n) out[file] = n;
  }
  return out;
}

test('one same-database refusal by URL and one by server identity, both in db/session.ts', () => {
  expect(rooms(/same database \(/)).toEqual({ 'scripts/lib/db/session.ts': 2 });
  // the comparisons themselves: host/port/database of two URLs, and two server identities
  expect(rooms(/function (sameDatabase|sameServerDatabase|serverIdentity|canonicalHost)\b/)).toEqual({ 'scripts/lib/db/session.ts': 4 });
  expect(rooms(/pg_postmaster_start_time\(\)/)).toEqual({ 'scripts/lib/db/session.ts': 1 });
});

test('one phase wrapper and one phase error mapper, in db/phase.ts', () => {
  // a wrapper announces a phase's start
  expect(rooms(/status: 'start' }/)).toEqual({ 'scripts/lib/db/phase.ts': 1 });
  expect(rooms(/function (runPhase|inPhase|phaseError)\b/)).toEqual({ 'scripts/lib/db/phase.ts': 2 });
  // the driver's headline and DETAIL are joined into a phase's error in one place
  expect(rooms(/errDetail\(err\)/)).toEqual({ 'scripts/lib/db/phase.ts': 1 });
});

test('every two-database command opens the session: copy, sync (all steps), rollback; verify and audit use its parts', () => {
  const opens = rooms(/\bopenPair\(/);
  expect(Object.keys(opens).sort()).toEqual(['scripts/lib/db/copy/session.ts', 'scripts/lib/db/session.ts', 'scripts/lib/db/sync/context.ts']);
  expect(rooms(/\brefusePair\(/)).toMatchObject({ 'scripts/lib/db/sync/rollback.ts': 1 });
  expect(rooms(/\brefuseSameDatabaseSessions\(/)).toMatchObject({ 'scripts/lib/db/verify.ts': 1 });
  expect(rooms(/\bopenOne\(/)).toMatchObject({ 'scripts/lib/db/audit.ts': 2 });
});
