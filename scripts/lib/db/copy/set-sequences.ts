/** Phase sequences: target sequences set to the source's last_value / is_called in the snapshot. */
import { carrySequenceValues, type SequenceValue } from '../sequences';
import { runPhase, type RunContext } from './context';

export async function setSequences(ctx: RunContext): Promise<SequenceValue[]> {
  return runPhase(ctx, 'sequences', async () => {
    let names = ctx.selection.sequences;
    if (ctx.mode === 'data-only') {
      const onTarget = new Set(ctx.targetModel.sequences.map((x) => x.qname));
      for (const n of names.filter((x) => !onTarget.has(x))) ctx.warn(`sequence ${n} does not exist on the target: not set`);
      names = names.filter((x) => onTarget.has(x));
    }
    return carrySequenceValues(ctx.source, ctx.target, names);
  });
}
