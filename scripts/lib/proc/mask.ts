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

const WORD = /[A-Za-z0-9]/;

/**
 * Replaces each occurrence of one secret that stands on its own: an occurrence glued to a
 * letter or digit on a side where the secret itself ends in a letter or digit is part of a
 * longer word (the password `plain` inside the user name `plainadmin`) and is left alone, so
 * the masker neither garbles the word nor tells that the secret is a piece of it.
 */
export function maskOne(text: string, secret: string, marker = MASK): string {
  if (!secret || !text.includes(secret)) return text;
  const wordStart = WORD.test(secret[0]);
  const wordEnd = WORD.test(secret[secret.length - 1]);
  let out = '';
  let from = 0;
  for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
    if (at < from) continue;
    const glued = (wordStart && at > 0 && WORD.test(text[at - 1])) || (wordEnd && WORD.test(text[at + secret.length] ?? ''));
    if (glued) continue;
    out += text.slice(from, at) + marker;
    from = at + secret.length;
  }
  return out + text.slice(from);
}

/** Replaces every occurrence of each secret (longest first) in `text` with `marker` (see {@link maskOne}). */
export function maskSecrets(text: string, secrets: Iterable<string | undefined>, marker = MASK): string {
  let out = text;
  for (const s of usable(secrets)) out = maskOne(out, s, marker);
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
