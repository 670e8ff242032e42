/** Small readers of synthesized Terraform JSON shared by the pricers. */

export const round2 = (n: number) => Math.round(n * 100) / 100;
export const usd = (n: number) => `$${round2(n).toFixed(2)}`;

/** How many instances a resource block creates (`count` when numeric; for_each is unknown until plan). */
export function instances(r: Record<string, unknown>): { n: number; unknown: boolean } {
  if (typeof r.count === 'number') return { n: r.count, unknown: false };
  if (r.count !== undefined || r.for_each !== undefined) return { n: 1, unknown: true };
  return { n: 1, unknown: false };
}

/** `${aws_x.id.attr}` -> { type, id } for every reference in a string. */
export function references(value: unknown): { type: string; id: string }[] {
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\./g)].map((m) => ({ type: m[1], id: m[2] }));
}

/** A number from a number or numeric string, else `fallback`. */
export function num(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : fallback;
}

/** A block that may be a list or a single object, as a list. */
export function asList<T = Record<string, unknown>>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : v && typeof v === 'object' ? [v as T] : [];
}
