// The request target → the path the policy sees and its parsed query, refusing (not guessing at)
// anything that different layers could normalise differently (§5).

export type ParsedPath =
  | { readonly ok: true; readonly path: string; readonly query: Readonly<Record<string, readonly string[]>> }
  | { readonly ok: false };

const INVALID = { ok: false } as const;
const EMPTY_QUERY: Readonly<Record<string, readonly string[]>> = Object.freeze({});
// Encoded `/`, `\` and `.`: an upstream that decodes them would route differently than we checked.
const ENCODED_SEPARATOR = /%(2f|5c|2e)/i;
// Printable ASCII only; anything else in a request target was not percent-encoded by the client.
const PATH_CHARS = /^[\x21-\x7e]+$/;

export function parseRequestPath(target: string): ParsedPath {
  const hash = target.indexOf('#');
  const withoutFragment = hash === -1 ? target : target.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  const path = q === -1 ? withoutFragment : withoutFragment.slice(0, q);
  if (!path.startsWith('/') || !PATH_CHARS.test(path) || path.includes('\\') || ENCODED_SEPARATOR.test(path)) return INVALID;
  if (hasDotSegment(path)) return INVALID;
  if (q === -1) return { ok: true, path, query: EMPTY_QUERY };
  const queryText = withoutFragment.slice(q + 1);
  if (queryText !== '' && !PATH_CHARS.test(queryText)) return INVALID;
  return { ok: true, path, query: parseQuery(queryText) };
}

function hasDotSegment(path: string): boolean {
  let start = 1;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    const len = end - start;
    if ((len === 1 && path.charCodeAt(start) === 46) || (len === 2 && path.startsWith('..', start))) return true;
    start = end + 1;
  }
  return false;
}

/** application/x-www-form-urlencoded decoding, with URLSearchParams' answer for malformed %-sequences. */
function decodeComponent(text: string): string {
  const plain = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!plain.includes('%')) return plain;
  try {
    return decodeURIComponent(plain);
  } catch {
    // Rare: let the standard parser decide what a broken escape means (it keeps it as written).
    return new URLSearchParams(`k=${text}`).get('k') ?? plain;
  }
}

// Hand-rolled rather than URLSearchParams: on the hot path it was a visible share of a decision.
function parseQuery(text: string): Readonly<Record<string, readonly string[]>> {
  // A null-prototype object: a `__proto__=` parameter must stay data.
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const key = decodeComponent(text.slice(start, hasValue ? eq : end));
      const value = hasValue ? decodeComponent(text.slice(eq + 1, end)) : '';
      const list = out[key];
      if (list === undefined) out[key] = [value];
      else list.push(value);
    }
    start = end + 1;
  }
  return out;
}
