/**
 * The single place where the filter chains are built from configuration (once per load):
 *
 *   API HTTP  : telemetry ▶ api-token ▶ httpPipeline middleware ▶ (router terminal)
 *   API gRPC  : telemetry ▶ api-token ▶ api allow/deny lists ▶ (gRPC dispatch)
 *   inbound   : telemetry ▶ access control ▶ appHttpPipeline middleware ▶ (app-channel terminal)
 *
 * plus the router's ApiFilter (HTTP allow/deny lists: disallowed routes are not registered), the
 * resiliency engine, the component-call filters (resiliency + metrics on every component call,
 * see runtime/component-calls), outlier detection
 * and statistics for invocation, and close() to flush spans. Matchers and policies are compiled
 * here, never per request.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger';
import type { ConfigurationResource } from '../config/schemas/configuration';
import type { ResiliencyResource } from '../config/schemas/resiliency';
import type { Exchange, HttpFilter } from '../proxy/contracts';
import type { ApiFilter } from '../api/router';
import type { AppProtocol } from './options';
import type { InvokeResilience } from '../api/invoke/resilience';
import { createApiTokenFilter } from '../filters/api-token/api-token-filter';
import { createApiFilter } from '../filters/api-lists/api-lists';
import { createGrpcApiListFilter } from '../filters/api-lists/grpc-api-names';
import { AccessControlPolicy } from '../filters/access-control/acl-policy';
import { createAclFilter } from '../filters/access-control/acl-filter';
import { buildPipeline } from '../filters/middleware/pipeline';
import type { MiddlewareComponent } from '../filters/registry';
import { FilterStats } from '../filters/metrics/filter-stats';
import { createTracing, type Tracing } from '../filters/tracing/tracer';
import { createTelemetryFilter } from '../filters/telemetry/telemetry-filter';
import { ResiliencyEngine } from '../filters/resiliency/engine';
import type { RetryBudgetOptions } from '../filters/resiliency/retry-budget';
import { DEFAULT_OUTLIER, OutlierDetector, type OutlierOptions } from '../proxy/upstream/outlier-detector';
import { ComponentCallFilters } from './component-calls/component-call-filters';

export interface ChainContext {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly configuration?: ConfigurationResource | undefined;
  readonly resiliencies: readonly ResiliencyResource[];
  /** A middleware Component (type middleware.http.*) by name, as the component host recorded it. */
  readonly middleware: (name: string) => MiddlewareComponent | undefined;
  /** The registry served on --metrics-port; absent = statistics kept but not exposed. */
  readonly metrics?: Registry | undefined;
  /** DAPR_API_TOKEN. */
  readonly apiToken?: string | undefined;
  /** App health as the health checks see it (undefined while checks are off). */
  readonly appHealthy?: () => boolean | undefined;
  /** --app-protocol: gRPC apps are matched by access control without HTTP verbs. */
  readonly appProtocol?: AppProtocol;
  /** Re-resolves the Dapr HTTP API route after a middleware rewrote the path (routeralias). */
  readonly reroute?: (ex: Exchange) => void;
  readonly retryBudget?: RetryBudgetOptions;
  readonly outlierDetection?: Partial<OutlierOptions>;
}

export interface Chains {
  /** Dapr HTTP API filters (before the router terminal). */
  readonly apiHttpFilters: readonly HttpFilter[];
  /** Dapr gRPC API filters (createGrpcApiServer's `filters`). */
  readonly grpcFilters: readonly HttpFilter[];
  /** Sidecar-to-sidecar inbound filters (before the app-channel terminal). */
  readonly inboundFilters: readonly HttpFilter[];
  /** spec.api allow/deny lists: for `new ApiRouter(apiFilter)` and the invoke fallback. */
  readonly apiFilter: ApiFilter;
  /** Resiliency policies: invocation uses it; building blocks call policyFor({kind:'component', ...}). */
  readonly resiliency: ResiliencyEngine;
  readonly outlier: OutlierDetector;
  readonly stats: FilterStats;
  readonly tracing: Tracing;
  /** Component calls (outbound and inbound): resiliency + component metrics. Hand to `components.useCallFilters()`. */
  readonly componentCalls: ComponentCallFilters;
  /** Hand to DefaultInvocationService and createHttpInvokeHandler as `resilience: () => chains.invoke`. */
  readonly invoke: InvokeResilience;
  /** Configuration problems found while building (already logged). */
  readonly problems: readonly string[];
  /** Flushes and stops span export. */
  close(): Promise<void>;
}

export function buildChains(ctx: ChainContext): Chains {
  const log = ctx.logger;
  const spec = ctx.configuration?.spec;
  const stats = new FilterStats(ctx.metrics, spec?.metrics?.latencyDistributionBuckets, ctx.namespace);
  if (ctx.appHealthy) stats.watchAppHealth(ctx.appHealthy);
  const tracing = createTracing(spec?.tracing, ctx.appId, log.child('tracing'));
  const apiFilter = createApiFilter(spec?.api);
  const problems: string[] = [];

  const middlewareDeps = { stats, logger: log.child('middleware') };
  const httpPipeline = buildPipeline('httpPipeline', spec?.httpPipeline?.handlers ?? [], ctx.middleware, { ...middlewareDeps, ...(ctx.reroute ? { reroute: ctx.reroute } : {}) });
  const appPipeline = buildPipeline('appHttpPipeline', spec?.appHttpPipeline?.handlers ?? [], ctx.middleware, middlewareDeps);
  problems.push(...httpPipeline.problems, ...appPipeline.problems);

  const tokenFilter = ctx.apiToken ? createApiTokenFilter(ctx.apiToken) : undefined;
  const apiTelemetry = createTelemetryFilter({ side: 'api', appId: ctx.appId, tracing, stats });
  const apiHttpFilters: HttpFilter[] = [apiTelemetry, ...(tokenFilter ? [tokenFilter] : []), ...httpPipeline.filters];
  const grpcFilters: HttpFilter[] = [apiTelemetry, ...(tokenFilter ? [tokenFilter] : []), createGrpcApiListFilter(apiFilter, (api) => stats.apiDenied('grpc', api))];

  const inboundFilters: HttpFilter[] = [createTelemetryFilter({ side: 'inbound', appId: ctx.appId, tracing, stats })];
  if (spec?.accessControl) {
    const grpcApp = ctx.appProtocol === 'grpc' || ctx.appProtocol === 'grpcs';
    inboundFilters.push(createAclFilter({ policy: new AccessControlPolicy(spec.accessControl), grpcApp, stats }));
  }
  inboundFilters.push(...appPipeline.filters);

  const resiliency = new ResiliencyEngine({ appId: ctx.appId, namespace: ctx.namespace, resources: ctx.resiliencies, stats, logger: log.child('resiliency'), ...(ctx.retryBudget ? { retryBudget: ctx.retryBudget } : {}) });
  const outlier = new OutlierDetector({ ...DEFAULT_OUTLIER, ...ctx.outlierDetection }, {
    ejected: (target, endpoint) => {
      stats.outlierEjected(target, endpoint);
      log.warn(`outlier detection ejected ${endpoint} of ${target}`);
    },
  });
  stats.watchOutliers(() => outlier.ejectedCounts());

  for (const p of problems) log.error(`pipeline: ${p}`);
  if (resiliency.loaded.length) log.info(`resiliency policies loaded: ${resiliency.loaded.join(', ')}`);
  log.debug('filter chains built', {
    api: apiHttpFilters.map((f) => f.name).join(','),
    grpc: grpcFilters.map((f) => f.name).join(','),
    inbound: inboundFilters.map((f) => f.name).join(','),
  });

  return {
    apiHttpFilters, grpcFilters, inboundFilters, apiFilter, resiliency, outlier, stats, tracing,
    componentCalls: new ComponentCallFilters({ resiliency, stats }),
    invoke: { engine: resiliency, outlier, stats },
    problems,
    close: () => tracing.close(),
  };
}
