/**
 * How the migration-day rehearsal judges the stand-in app's ledger: writes on a database that
 * was not the writer, and the read-only window around a switch.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '../../scripts/lib/rehearsal/day/app';
import { errorsPerStage, readLedger, readOnlyWindow, wrongDatabaseWrites, type WriterChange } from '../../scripts/lib/rehearsal/day/ledger';
import { judgeInside } from '../../scripts/lib/rehearsal/day/report';

const SRC = '127.0.0.1:5001/verceldb';
const RDS = '127.0.0.1:5002/venturenudge';
const databaseOf = (db: string) => (db === SRC ? 'source' : db === RDS ? 'rds' : 'unknown') as 'source' | 'rds' | 'unknown';
const ack = (at: number, db: string): LedgerEntry => ({ ok: true, table: 'signups', id: at, rid: `r${at}`, at, app: 'a', db });
const refused = (at: number): LedgerEntry => ({ ok: false, table: 'signups', rid: `f${at}`, at, app: 'a', error: 'read-only' });

// source until 100, finish runs 100..200, RDS from 200
const TIMELINE: WriterChange[] = [
  { at: 0, writer: 'source' },
  { at: 100, writer: 'switching', from: 'source' },
  { at: 200, writer: 'rds' },
];

describe('the ledger judge of the migration-day rehearsal', () => {
  it('counts a write RDS acknowledged before the switch as a write on the wrong database', () => {
    expect(wrongDatabaseWrites([ack(50, RDS)], TIMELINE, databaseOf)).toHaveLength(1);
  });

  it('counts a write the source acknowledged after the switch as a write on the wrong database', () => {
    expect(wrongDatabaseWrites([ack(250, SRC)], TIMELINE, databaseOf)).toHaveLength(1);
  });

  it('allows writes on the giving side while the switch runs, and on each writer in its time', () => {
    expect(wrongDatabaseWrites([ack(50, SRC), ack(150, SRC), ack(250, RDS)], TIMELINE, databaseOf)).toEqual([]);
  });

  it('counts a write on the receiving side while the switch runs as a write on the wrong database', () => {
    expect(wrongDatabaseWrites([ack(150, RDS)], TIMELINE, databaseOf)).toHaveLength(1);
  });

  it('measures the read-only window from the last source ack to the first RDS ack, with the refusals in it', () => {
    const w = readOnlyWindow([ack(90, SRC), ack(120, SRC), refused(130), refused(180), ack(1620, RDS), ack(1700, RDS)], 100, 'source', 'rds', databaseOf);
    expect(w).toMatchObject({ lastOldAck: 120, firstNewAck: 1620, seconds: 1.5, refused: 2, firstRefused: 130 });
  });

  it('has no window when the new side never acknowledged a write', () => {
    expect(readOnlyWindow([ack(90, SRC), refused(130)], 100, 'source', 'rds', databaseOf)).toBeUndefined();
  });

  it('puts each refused write under the stage live when it was refused', () => {
    const stages = [
      { at: 0, stage: 'vercel' },
      { at: 100, stage: 'aws' },
      { at: 200, stage: 'rds' },
    ];
    expect(errorsPerStage([refused(50), refused(150), refused(160), ack(170, SRC)], stages)).toEqual({ vercel: 1, aws: 2, rds: 0 });
  });

  it('reads a ledger whose last line was torn by a stopped process', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vn-ledger-')), 'ledger.jsonl');
    writeFileSync(file, `${JSON.stringify(ack(2, SRC))}\n${JSON.stringify(ack(1, SRC))}\n{"ok":tr`);
    expect(readLedger(file).map((e) => e.at)).toEqual([1, 2]);
  });
});

describe("the rehearsal's own comparison inside a read-only window", () => {
  const w = { from: 'source' as const, to: 'rds' as const, lastOldAck: 1000, firstNewAck: 9000, seconds: 8, refused: 10, firstRefused: 1100 };

  test('only the part of a comparison inside the window counts', () => {
    expect(judgeInside(w, [{ after: 'finish', same: true, difference: undefined, at: 6000, seconds: 5 }])).toBe(3);
  });

  test('a comparison before the window, or one without timing, counts nothing', () => {
    expect(judgeInside(w, [{ after: 'x', same: true, difference: undefined, at: 0, seconds: 0.5 }, { after: 'y', same: true, difference: undefined }])).toBe(0);
  });
});
