/**
 * middleware.http.routeralias: `routes` (a JSON object, or YAML-as-JSON string) maps request
 * paths to other paths, e.g. {"/mall/activity/info": "/v1.0/invoke/srv/method/activity/info"}.
 * A matching request is rewritten (the alias's query is merged with the request's) and its route
 * re-resolved, so every later filter and the handler see the target route. Exact-path lookup in a
 * map built once.
 */
import { Continue, type FilterFactory, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import type { MiddlewareDeps } from '../registry';
import { asMetadata, field } from './metadata';

export interface RouterAliasConfig {
  readonly routes: ReadonlyMap<string, { readonly path: string; readonly query: string }>;
}

export const routerAliasFactory: FilterFactory<RouterAliasConfig, MiddlewareDeps> = {
  type: 'middleware.http.routeralias',
  parse(raw) {
    const md = asMetadata(raw);
    if (Array.isArray(md)) return { ok: false, issues: md };
    const text = field(md, 'routes');
    if (!text) return { ok: false, issues: [{ path: 'spec.metadata.routes', message: 'a JSON map of path -> path is required' }] };
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      return { ok: false, issues: [{ path: 'spec.metadata.routes', message: `invalid JSON: ${(err as Error).message}` }] };
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { ok: false, issues: [{ path: 'spec.metadata.routes', message: 'expected a JSON object' }] };
    const routes = new Map<string, { path: string; query: string }>();
    for (const [from, to] of Object.entries(obj as Record<string, unknown>)) {
      if (typeof to !== 'string' || !to.startsWith('/')) return { ok: false, issues: [{ path: `spec.metadata.routes.${from}`, message: 'target must be a path starting with /' }] };
      const q = to.indexOf('?');
      routes.set(from, q < 0 ? { path: to, query: '' } : { path: to.slice(0, q), query: to.slice(q + 1) });
    }
    return { ok: true, config: { routes } };
  },
  create(config, deps): HttpFilter {
    const routes = config.routes;
    return {
      name: `routeralias:${deps.name}`,
      onRequest(ex): FilterStatus {
        const to = routes.get(ex.path);
        if (!to) return Continue;
        ex.path = to.path;
        if (to.query) ex.query = ex.query ? `${to.query}&${ex.query}` : to.query;
        deps.reroute?.(ex);
        return Continue;
      },
    };
  },
};
