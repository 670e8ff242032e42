/**
 * The migration-day rehearsal runs the README's runbook: the commands of the README's numbered
 * "Cutover runbook" are the rehearsal's steps, in the same order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_PATH, RUNBOOK, runbookCommands } from '../../scripts/lib/rehearsal/day/steps';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('the migration-day rehearsal and the README runbook', () => {
  it('lists the same commands as the README runbook, in the same order', () => {
    expect(RUNBOOK.map((s) => s.command)).toEqual(runbookCommands(README));
  });

  it('walks every runbook step it does not explain away, and only runbook steps', () => {
    const walked = new Set(DAY_PATH);
    for (const id of DAY_PATH) expect(RUNBOOK.map((s) => s.id)).toContain(id);
    expect(RUNBOOK.filter((s) => !s.notRehearsed && !walked.has(s.id)).map((s) => s.id)).toEqual([]);
    expect(RUNBOOK.filter((s) => s.notRehearsed && walked.has(s.id)).map((s) => s.id)).toEqual([]);
  });

  it('walks the runbook steps in the README order up to stage rds', () => {
    const firstRds = DAY_PATH.indexOf('rds');
    const order = RUNBOOK.filter((s) => !s.notRehearsed).map((s) => s.id);
    expect(DAY_PATH.slice(0, firstRds + 1)).toEqual(order.slice(0, order.indexOf('rds') + 1));
  });

  it('reads "then `25`, `50`, `aws`" after a cutover command as three more cutover commands', () => {
    const readme = '## Cutover runbook\n\n1. **Web:** `npm run cutover -- --env p --to canary --apply`, then `25`, `50`, `aws`. Or `status --watch` and `rollback`.\n## Next\n';
    expect(runbookCommands(readme)).toEqual(['cutover -- --env p --to canary --apply', 'cutover -- --env p --to 25 --apply', 'cutover -- --env p --to 50 --apply', 'cutover -- --env p --to aws --apply']);
  });
});
