/**
 * The one secret masker: every place that prints or stores text which might
 * hold a secret value (terraform output, SSM errors, plan JSON) masks it here.
 */

/** What a masked secret is replaced with unless a caller names it. */
export const MASK = '***';

/** Values shorter than this are not masked (masking "a" would garble every line). */
export const MIN_SECRET_LENGTH = 4;

function usable(secrets: Iterable<string | undefined>): string[] {
  return [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret (longest first) in `text` with `marker`. */
export function maskSecrets(text: string, secrets: Iterable<string | undefined>, marker = MASK): string {
  let out = text;
  for (const s of usable(secrets)) if (out.includes(s)) out = out.split(s).join(marker);
  return out;
}

/** The same over every string inside a JSON-like value (arrays and plain objects); returns a copy. */
export function maskDeep<T>(value: T, secrets: Iterable<string | undefined>, marker = MASK): T {
  const list = usable(secrets);
  if (!list.length) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskSecrets(v, list, marker);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
