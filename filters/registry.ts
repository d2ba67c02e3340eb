/**
 * HTTP middleware filter factories, keyed by their Dapr component type (spec.type of a Component
 * of type middleware.http.*). A Configuration pipeline (httpPipeline / appHttpPipeline) names
 * components; each is parsed once here and turned into an HttpFilter.
 */
import type { ConfigIssue, Exchange, FilterFactory, HttpFilter } from '../proxy/contracts';
import type { Logger } from '../observability/logger';
import type { FilterStats } from './metrics/filter-stats';
import { rateLimitFactory } from './middleware/ratelimit';
import { bearerFactory } from './middleware/bearer';
import { routerAliasFactory } from './middleware/router-alias';
import { routerCheckerFactory } from './middleware/router-checker';

/** What a middleware filter gets besides its own metadata. */
export interface MiddlewareDeps {
  /** The Component's metadata.name (for stats labels and logs). */
  readonly name: string;
  readonly stats: FilterStats;
  readonly logger: Logger;
  /** Re-resolves the route after a path rewrite (API side only). */
  readonly reroute?: (ex: Exchange) => void;
}

export type MiddlewareFactory = FilterFactory<unknown, MiddlewareDeps>;

const factories = new Map<string, MiddlewareFactory>();

export function registerMiddleware<C>(f: FilterFactory<C, MiddlewareDeps>): void {
  factories.set(f.type, f as MiddlewareFactory);
}

export function middlewareFactory(type: string): MiddlewareFactory | undefined {
  return factories.get(type);
}

export function middlewareTypes(): string[] {
  return [...factories.keys()];
}

registerMiddleware(rateLimitFactory);
registerMiddleware(bearerFactory);
registerMiddleware(routerAliasFactory);
registerMiddleware(routerCheckerFactory);

/** The metadata of a middleware Component as the runtime recorded it. */
export interface MiddlewareComponent {
  readonly type: string;
  readonly version: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export type BuildResult = { ok: true; filter: HttpFilter } | { ok: false; issues: ConfigIssue[] };

/** Parses a middleware component's metadata and creates its filter. */
export function buildMiddleware(component: MiddlewareComponent, deps: MiddlewareDeps): BuildResult {
  const f = factories.get(component.type);
  if (!f) return { ok: false, issues: [{ path: 'spec.type', message: `unknown middleware type ${component.type} (known: ${middlewareTypes().join(', ')})` }] };
  const parsed = f.parse(component.metadata);
  if (!parsed.ok) return parsed;
  return { ok: true, filter: f.create(parsed.config, deps) };
}
