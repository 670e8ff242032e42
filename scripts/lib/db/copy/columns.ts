/** Which columns COPY carries, shared by the data phase, its preflight and the resume record. */
import type { Table } from '../schema/catalog';

/** Columns COPY carries: every column but the generated ones (the target computes those). */
export function copyColumns(t: Table): string[] {
  return t.columns.filter((c) => c.generated === '').map((c) => c.name);
}
