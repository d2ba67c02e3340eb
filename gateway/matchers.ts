/**
 * String matchers shared by route matches and rbac conditions, compiled once per config load:
 * exact / prefix / suffix / regex (full match) / present, optionally inverted. An absent value
 * matches only `present: false` (or an inverted matcher).
 */
import type { IncomingHttpHeaders } from 'node:http';

export type ValueTest = (v: string | undefined) => boolean;

export interface MatcherFields {
  readonly exact?: string | undefined;
  readonly prefix?: string | undefined;
  readonly suffix?: string | undefined;
  readonly regex?: string | undefined;
  readonly present?: boolean | undefined;
  readonly invert?: boolean | undefined;
}

export function valueTest(m: MatcherFields): ValueTest {
  let t: ValueTest;
  if (m.exact !== undefined) { const e = m.exact; t = (v) => v === e; }
  else if (m.prefix !== undefined) { const p = m.prefix; t = (v) => v !== undefined && v.startsWith(p); }
  else if (m.suffix !== undefined) { const s = m.suffix; t = (v) => v !== undefined && v.endsWith(s); }
  else if (m.regex !== undefined) { const re = new RegExp(`^(?:${m.regex})$`); t = (v) => v !== undefined && re.test(v); }
  else if (m.present === false) t = (v) => v === undefined;
  else t = (v) => v !== undefined;
  return m.invert ? (v) => !t(v) : t;
}

/** A header's value; repeated headers are joined with ",". */
export function headerValue(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}
