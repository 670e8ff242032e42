/** User-defined aggregates, written as CREATE AGGREGATE from pg_aggregate (as pg_dump does). */
import { q, type ReadContext, type Row } from './context';

const FN = (col: string) => `CASE WHEN a.${col}::oid <> 0 THEN a.${col}::regproc::text END`;
const OP = `(SELECT format('OPERATOR(%I.%s)', n.nspname, o.oprname) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE o.oid = a.aggsortop)`;

const AGGREGATES_SQL = `
SELECT a.aggfnoid::oid AS oid, format('%I.%I', n.nspname, p.proname) AS qname, pg_get_function_arguments(p.oid) AS args, a.aggkind,
       ${FN('aggtransfn')} AS sfunc, format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace,
       ${FN('aggfinalfn')} AS finalfunc, a.aggfinalextra, a.aggfinalmodify, ${FN('aggcombinefn')} AS combinefunc,
       ${FN('aggserialfn')} AS serialfunc, ${FN('aggdeserialfn')} AS deserialfunc, a.agginitval,
       ${FN('aggmtransfn')} AS msfunc, ${FN('aggminvtransfn')} AS minvfunc,
       CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
       ${FN('aggmfinalfn')} AS mfinalfunc, a.aggmfinalextra, a.aggmfinalmodify, a.aggminitval,
       ${OP} AS sortop, p.proparallel, a.aggnumdirectargs
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`;

export async function readAggregateRows(ctx: ReadContext): Promise<Row[]> {
  return q(ctx.client, AGGREGATES_SQL);
}

const MODIFY: Record<string, string> = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' };
const PARALLEL: Record<string, string> = { s: 'SAFE', r: 'RESTRICTED', u: 'UNSAFE' };
const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** CREATE AGGREGATE for one row of {@link AGGREGATES_SQL}. */
export function aggregateSql(a: Row): string {
  const opts = [`SFUNC = ${a.sfunc}`, `STYPE = ${a.stype}`];
  if (Number(a.sspace)) opts.push(`SSPACE = ${a.sspace}`);
  if (a.finalfunc) {
    opts.push(`FINALFUNC = ${a.finalfunc}`);
    if (a.aggfinalextra) opts.push('FINALFUNC_EXTRA');
    opts.push(`FINALFUNC_MODIFY = ${MODIFY[a.aggfinalmodify] ?? 'READ_ONLY'}`);
  }
  if (a.combinefunc) opts.push(`COMBINEFUNC = ${a.combinefunc}`);
  if (a.serialfunc) opts.push(`SERIALFUNC = ${a.serialfunc}`);
  if (a.deserialfunc) opts.push(`DESERIALFUNC = ${a.deserialfunc}`);
  if (a.agginitval !== null) opts.push(`INITCOND = ${lit(a.agginitval)}`);
  if (a.msfunc) {
    opts.push(`MSFUNC = ${a.msfunc}`, `MINVFUNC = ${a.minvfunc}`, `MSTYPE = ${a.mstype}`);
    if (Number(a.msspace)) opts.push(`MSSPACE = ${a.msspace}`);
    if (a.mfinalfunc) {
      opts.push(`MFINALFUNC = ${a.mfinalfunc}`);
      if (a.aggmfinalextra) opts.push('MFINALFUNC_EXTRA');
      opts.push(`MFINALFUNC_MODIFY = ${MODIFY[a.aggmfinalmodify] ?? 'READ_ONLY'}`);
    }
    if (a.aggminitval !== null) opts.push(`MINITCOND = ${lit(a.aggminitval)}`);
  }
  if (a.sortop) opts.push(`SORTOP = ${a.sortop}`);
  if (a.proparallel !== 'u') opts.push(`PARALLEL = ${PARALLEL[a.proparallel]}`);
  if (a.aggkind === 'h') opts.push('HYPOTHETICAL');
  return `CREATE AGGREGATE ${a.qname}(${a.args || '*'}) (\n  ${opts.join(',\n  ')}\n)`;
}
