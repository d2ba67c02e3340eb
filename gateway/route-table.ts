/**
 * Routes compiled once per config load: virtual host selection by Host, then the first route whose
 * match (path / prefix / safe_regex on the normalised path, headers, query parameters) holds.
 * Regexes are compiled here (validated earlier by load.ts), never per request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ListenerConfig, RouteConfig } from './schema';
import { headerValue, valueTest } from './matchers';

export interface CompiledRoute {
  readonly name: string;
  readonly config: RouteConfig;
  matches(path: string, headers: IncomingHttpHeaders, query: () => URLSearchParams): boolean;
  /** The upstream path after prefix_rewrite / regex_rewrite (the input when neither is set). */
  rewrite(path: string): string;
}

interface CompiledVhost {
  readonly exact: ReadonlySet<string>;
  readonly suffixes: readonly string[];
  readonly prefixes: readonly string[];
  readonly any: boolean;
  readonly routes: readonly CompiledRoute[];
}

/** Envoy writes regex substitutions with \1; JavaScript with $1. */
function jsSubstitution(s: string): string {
  return s.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
}

export function compileRoute(r: RouteConfig, index: number): CompiledRoute {
  const m = r.match;
  const cs = m.case_sensitive;
  const norm = (p: string): string => (cs ? p : p.toLowerCase());
  let pathTest: (p: string) => boolean;
  if (m.path !== undefined) { const want = norm(m.path); pathTest = (p) => norm(p) === want; }
  else if (m.prefix !== undefined) { const want = norm(m.prefix); pathTest = (p) => norm(p).startsWith(want); }
  else { const re = new RegExp(`^(?:${m.safe_regex})$`, cs ? '' : 'i'); pathTest = (p) => re.test(p); }
  const headers = m.headers.map((h) => ({ name: h.name, test: valueTest(h) }));
  const queries = m.query_parameters.map((q) => ({ name: q.name, test: valueTest(q) }));
  const action = r.route;
  let rewrite: (p: string) => string = (p) => p;
  if (action?.prefix_rewrite !== undefined) {
    const to = action.prefix_rewrite;
    if (m.prefix !== undefined) { const len = m.prefix.length; rewrite = (p) => to + p.slice(len); }
    else rewrite = () => to;
  } else if (action?.regex_rewrite) {
    const re = new RegExp(action.regex_rewrite.pattern, 'g');
    const sub = jsSubstitution(action.regex_rewrite.substitution);
    rewrite = (p) => p.replace(re, sub);
  }
  return {
    name: r.name ?? `route-${index}`,
    config: r,
    matches(path, h, query) {
      if (!pathTest(path)) return false;
      for (const x of headers) if (!x.test(headerValue(h, x.name))) return false;
      if (queries.length) {
        const q = query();
        for (const x of queries) if (!x.test(q.get(x.name) ?? undefined)) return false;
      }
      return true;
    },
    rewrite: (p) => {
      const out = rewrite(p);
      return out.startsWith('/') ? out : '/' + out;
    },
  };
}

export class RouteTable {
  private readonly vhosts: CompiledVhost[];

  constructor(listener: ListenerConfig) {
    this.vhosts = listener.virtual_hosts.map((vh) => {
      const exact = new Set<string>();
      const suffixes: string[] = [];
      const prefixes: string[] = [];
      let any = false;
      for (const d of vh.domains.map((x) => x.toLowerCase())) {
        if (d === '*') any = true;
        else if (d.startsWith('*')) suffixes.push(d.slice(1));
        else if (d.endsWith('*')) prefixes.push(d.slice(0, -1));
        else exact.add(d);
      }
      return { exact, suffixes, prefixes, any, routes: vh.routes.map(compileRoute) };
    });
  }

  /** Envoy's order: exact domain, then longest suffix wildcard, then longest prefix wildcard, then "*". */
  private vhostFor(authority: string | undefined): CompiledVhost | undefined {
    const raw = (authority ?? '').toLowerCase();
    const host = raw.startsWith('[') ? raw.slice(0, raw.indexOf(']') + 1) : raw.replace(/:\d+$/, '');
    let best: CompiledVhost | undefined;
    for (const v of this.vhosts) if (v.exact.has(host) || v.exact.has(raw)) return v;
    let bestLen = -1;
    for (const v of this.vhosts) for (const s of v.suffixes) if (host.endsWith(s) && s.length > bestLen) { best = v; bestLen = s.length; }
    if (best) return best;
    for (const v of this.vhosts) for (const p of v.prefixes) if (host.startsWith(p) && p.length > bestLen) { best = v; bestLen = p.length; }
    if (best) return best;
    return this.vhosts.find((v) => v.any);
  }

  match(authority: string | undefined, path: string, headers: IncomingHttpHeaders, rawQuery: string): CompiledRoute | undefined {
    const vh = this.vhostFor(authority);
    if (!vh) return undefined;
    let q: URLSearchParams | undefined;
    const query = (): URLSearchParams => (q ??= new URLSearchParams(rawQuery));
    return vh.routes.find((r) => r.matches(path, headers, query));
  }
}
