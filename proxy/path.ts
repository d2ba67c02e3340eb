/**
 * Method-path normalisation, done once per request so that every filter (access control, rate
 * limits, metrics) sees exactly the path that is forwarded upstream.
 *
 * Rules:
 *  - percent-escapes are decoded once; a decoded "/" (%2F) separates segments like a literal "/";
 *  - "." segments are dropped and ".." pops a segment; ".." above the root is rejected;
 *  - empty segments ("//") collapse; a trailing "/" is kept;
 *  - a malformed escape (a bare "%", "%G1") or a NUL byte is rejected;
 *  - each segment is re-encoded canonically: only characters that cannot stand in a path segment
 *    are escaped ("?", "#", "%", space, controls, non-ASCII ...), so "%3F" stays "%3F" and a
 *    double-encoded "%252e" stays "%252e" (it decodes once to the literal text "%2e", never "..").
 */

export type NormalisedPath =
  | { readonly ok: true; readonly path: string; readonly segments: readonly string[] }
  | { readonly ok: false; readonly reason: string };

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Characters allowed unescaped in a path segment (RFC 3986 pchar minus "%"). */
function isSegmentSafe(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) ||
    code === 45 || code === 46 || code === 95 || code === 126 || // - . _ ~
    code === 33 || code === 36 || code === 38 || code === 39 || code === 40 || code === 41 ||
    code === 42 || code === 43 || code === 44 || code === 59 || code === 61 || // ! $ & ' ( ) * + , ; =
    code === 58 || code === 64 // : @
  );
}

/** Decodes percent-escapes into bytes, then UTF-8. Returns undefined on a malformed escape. */
function decodeOnce(raw: string): string | undefined {
  if (raw.indexOf('%') < 0) return raw;
  const src = Buffer.from(raw, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 37) {
      const hi = i + 1 < src.length ? hexValue(src[i + 1]!) : -1;
      const lo = i + 2 < src.length ? hexValue(src[i + 2]!) : -1;
      if (hi < 0 || lo < 0) return undefined;
      out[n++] = hi * 16 + lo;
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  return out.toString('utf8', 0, n);
}

function encodeSegment(seg: string): string {
  let out = '';
  let plain = true;
  for (let i = 0; i < seg.length; i++) if (!isSegmentSafe(seg.charCodeAt(i))) { plain = false; break; }
  if (plain) return seg;
  for (const b of Buffer.from(seg, 'utf8')) {
    if (isSegmentSafe(b)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** Fast check: nothing to decode, no dot segments, no doubled slashes. */
function isAlreadyCanonical(raw: string): boolean {
  let prev = 47;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 47) {
      if (prev === 47 && i > 0) return false;
    } else if (c === 46) {
      if (prev === 47) return false; // a segment starting with "." may be a dot segment
    } else if (!isSegmentSafe(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

/**
 * Normalises a path (without query string). The result always starts with "/".
 * `raw` may or may not start with "/".
 */
export function normalisePath(raw: string): NormalisedPath {
  const withSlash = raw.charCodeAt(0) === 47 ? raw : '/' + raw;
  if (isAlreadyCanonical(withSlash)) {
    return { ok: true, path: withSlash, segments: withSlash.split('/').filter((s) => s.length > 0) };
  }
  const decoded = decodeOnce(withSlash);
  if (decoded === undefined) return { ok: false, reason: 'malformed percent-encoding' };
  if (decoded.includes('\0')) return { ok: false, reason: 'NUL byte in path' };
  const parts = decoded.split('/');
  const trailingSlash = decoded.length > 1 && decoded.endsWith('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length === 0) return { ok: false, reason: 'path escapes above the root' };
      out.pop();
      continue;
    }
    out.push(p);
  }
  let path = '/' + out.map(encodeSegment).join('/');
  if (trailingSlash && out.length > 0) path += '/';
  return { ok: true, path, segments: out };
}

/** Splits a request target into path and query (without '?'); a '#' fragment is dropped. */
export function splitTarget(url: string): { path: string; query: string } {
  const hash = url.indexOf('#');
  const target = hash >= 0 ? url.slice(0, hash) : url;
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}
