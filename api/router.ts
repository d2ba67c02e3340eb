/**
 * The Dapr API router: maps (method, normalised path) to a route with its API group and version,
 * which filters (allow lists, metrics, spans) read before the handler runs. Built once per config
 * load on find-my-way (fastify's radix-tree router). Disallowed APIs are simply not added.
 */
import FindMyWay from 'find-my-way';
import type { RouteHandler, RouteMatch } from '../proxy/contracts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS';

export interface ApiRouteDef {
  readonly methods: readonly HttpMethod[];
  /** find-my-way pattern, e.g. "/v1.0/state/:storeName/:key" or "/v1.0/publish/:pubsub/*". */
  readonly path: string;
  /** Dapr API group name (for api.allowed/denied): state, publish, invoke, metadata ... */
  readonly api: string;
  /** Dapr API version: v1, v1alpha1, v1alpha2, v1beta1. */
  readonly version: string;
  readonly handler: RouteHandler;
}

interface RouteStore {
  readonly api: string;
  readonly version: string;
  readonly pattern: string;
  readonly handler: RouteHandler;
}

export type RouteLookup =
  | { readonly found: true; readonly match: RouteMatch }
  | { readonly found: false; readonly methodNotAllowed: boolean };

/** A predicate deciding whether an API may be served (Configuration spec.api allow/deny lists). */
export type ApiFilter = (api: string, version: string, protocol: 'http' | 'grpc') => boolean;

const NOT_FOUND: RouteLookup = { found: false, methodNotAllowed: false };
const NOT_ALLOWED: RouteLookup = { found: false, methodNotAllowed: true };

export class ApiRouter {
  private readonly fmw = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 8192 });
  private readonly paths = new Set<string>();

  constructor(private readonly allow: ApiFilter = () => true) {}

  add(def: ApiRouteDef): void {
    if (!this.allow(def.api, def.version, 'http')) return;
    const store: RouteStore = { api: def.api, version: def.version, pattern: def.path, handler: def.handler };
    this.fmw.on(def.methods as HttpMethod[], def.path, noopHandler, store);
    this.paths.add(def.path);
  }

  addAll(defs: readonly ApiRouteDef[]): void {
    for (const d of defs) this.add(d);
  }

  lookup(method: string, path: string): RouteLookup {
    const found = this.fmw.find(method as HttpMethod, path);
    if (found) {
      const store = found.store as RouteStore;
      return { found: true, match: { api: store.api, version: store.version, pattern: store.pattern, params: found.params, handler: store.handler } };
    }
    // Another verb on a known path is 405, as Go's mux answers; unknown paths are 404.
    for (const m of ALL_METHODS) {
      if (m !== method && this.fmw.find(m, path)) return NOT_ALLOWED;
    }
    return NOT_FOUND;
  }
}

const ALL_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
function noopHandler(): void {}
