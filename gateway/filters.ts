/**
 * Filter chains of one config version. A listener's http_filters are built once, in order, after
 * the telemetry filter (trace context, spans, dapr_http_server_* metrics), which always runs
 * first. A route with per_filter_config gets its own chain: a filter named there is left out
 * (disabled: true) or rebuilt with the route's config (metadata / jwt_authn / rbac); the others are
 * the listener's instances (shared state: a rate limit bucket or a JWKS cache is per listener).
 * Routes without overrides share the listener's chain.
 */
import type { HttpFilter, TerminalFilter } from '../proxy/contracts';
import { FilterChain } from '../proxy/filter-chain';
import { buildMiddleware } from '../filters/registry';
import type { FilterStats } from '../filters/metrics/filter-stats';
import type { Logger } from '../observability/logger';
import { createJwtAuthn } from './jwt-authn';
import { createRbac } from './rbac';
import type { GatewayStats } from './stats';
import type { FilterConfig, ListenerConfig, PerFilterConfig, RouteConfig } from './schema';

export interface FilterDeps {
  readonly filterStats: FilterStats;
  readonly stats: GatewayStats;
  readonly logger: Logger;
}

/** The gateway's own filter types (the others come from filters/registry.ts). */
export const GATEWAY_FILTER_TYPES = ['jwt_authn', 'rbac'] as const;

function buildFilter(f: FilterConfig, override: PerFilterConfig | undefined, deps: FilterDeps): HttpFilter | undefined {
  const logger = deps.logger.child(`filter.${f.name}`);
  if (f.type === 'jwt_authn') return createJwtAuthn(override?.jwt_authn ?? f.jwt_authn!, { name: f.name, stats: deps.stats, logger });
  if (f.type === 'rbac') return createRbac(override?.rbac ?? f.rbac!, { name: f.name, stats: deps.stats });
  const built = buildMiddleware({ type: f.type, version: 'v1', metadata: override?.metadata ?? f.metadata }, { name: f.name, stats: deps.filterStats, logger });
  if (built.ok) return built.filter;
  logger.error(`filter ${f.name} skipped: ${built.issues.map((i) => i.message).join('; ')}`); // load.ts refused this already
  return undefined;
}

/** Chains of one listener: chainFor(route) is the listener's chain or the route's own. */
export class ListenerChains {
  private readonly shared: FilterChain;
  private readonly perRoute = new Map<RouteConfig, FilterChain>();

  constructor(l: ListenerConfig, first: HttpFilter, terminal: TerminalFilter, deps: FilterDeps) {
    const instances = new Map<string, HttpFilter>();
    for (const f of l.http_filters) {
      const built = buildFilter(f, undefined, deps);
      if (built) instances.set(f.name, built);
    }
    const log = deps.logger.child(`listener.${l.name}`);
    this.shared = new FilterChain([first, ...instances.values()], terminal, log);
    for (const vh of l.virtual_hosts) for (const r of vh.routes) {
      const overrides = r.per_filter_config;
      if (Object.keys(overrides).length === 0) continue;
      const filters: HttpFilter[] = [first];
      for (const f of l.http_filters) {
        const o = overrides[f.name];
        if (o?.disabled) continue;
        const custom = o && (o.metadata || o.jwt_authn || o.rbac) ? buildFilter(f, o, deps) : instances.get(f.name);
        if (custom) filters.push(custom);
      }
      this.perRoute.set(r, new FilterChain(filters, terminal, log));
    }
  }

  chainFor(route: RouteConfig): FilterChain {
    return this.perRoute.get(route) ?? this.shared;
  }

  describe(route?: RouteConfig): string[] {
    return (route ? this.chainFor(route) : this.shared).describe();
  }
}
