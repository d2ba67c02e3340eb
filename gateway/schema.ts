/**
 * The traffic policy of the standalone gateway: one `kind: Gateway` document, Dapr-style YAML with
 * Envoy's concepts and field names (listeners, virtual_hosts, routes with match / route /
 * redirect / direct_response, clusters with lb_policy, weighted_clusters, retry_policy).
 * docs/gateway.md documents every field. Cross-references (cluster names, regexes, resolvers,
 * filter types) are checked after parsing, in validate.ts.
 */
import { z } from 'zod';
import { durationMs, intLike, boolLike, objectMetaSchema } from '../config/schemas/common';

export const GATEWAY_API_VERSION = 'outrigger.dev/v1alpha1';
export const GATEWAY_KIND = 'Gateway';

const port = intLike.pipe(z.number().int().min(0).max(65535));

/** A string matcher: exactly one of exact / prefix / suffix / regex / present. */
const stringMatcher = z.object({
  name: z.string().min(1),
  exact: z.string().optional(),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
  regex: z.string().optional(),
  present: boolLike.optional(),
  invert: boolLike.optional(),
}).refine((m) => [m.exact, m.prefix, m.suffix, m.regex, m.present].filter((v) => v !== undefined).length <= 1, { message: 'give at most one of exact, prefix, suffix, regex, present' });

const matchSchema = z.object({
  path: z.string().startsWith('/').optional(),
  prefix: z.string().startsWith('/').optional(),
  safe_regex: z.string().optional(),
  case_sensitive: boolLike.default(true),
  headers: z.array(stringMatcher).default([]),
  query_parameters: z.array(stringMatcher).default([]),
}).refine((m) => [m.path, m.prefix, m.safe_regex].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of path, prefix, safe_regex' });

const retryPolicy = z.object({
  /** Comma-separated: 5xx, gateway-error, reset, connect-failure, retriable-status-codes. */
  retry_on: z.string().default('5xx,connect-failure,reset'),
  num_retries: intLike.pipe(z.number().int().min(0).max(10)).default(1),
  per_try_timeout: durationMs.optional(),
  retriable_status_codes: z.array(intLike.pipe(z.number().int().min(100).max(599))).default([]),
});

const routeAction = z.object({
  cluster: z.string().min(1).optional(),
  weighted_clusters: z.object({
    clusters: z.array(z.object({ name: z.string().min(1), weight: intLike.pipe(z.number().int().min(0)) })).min(1),
  }).optional(),
  prefix_rewrite: z.string().optional(),
  regex_rewrite: z.object({ pattern: z.string(), substitution: z.string() }).optional(),
  host_rewrite: z.string().optional(),
  /** Whole-request timeout (Envoy's default 15s); 0 disables. */
  timeout: durationMs.default(15_000),
  retry_policy: retryPolicy.optional(),
}).refine((r) => (r.cluster === undefined) !== (r.weighted_clusters === undefined), { message: 'give exactly one of cluster, weighted_clusters' })
  .refine((r) => !(r.prefix_rewrite !== undefined && r.regex_rewrite !== undefined), { message: 'give at most one of prefix_rewrite, regex_rewrite' });

const redirectAction = z.object({
  scheme_redirect: z.enum(['http', 'https']).optional(),
  https_redirect: boolLike.optional(),
  host_redirect: z.string().optional(),
  port_redirect: port.optional(),
  path_redirect: z.string().startsWith('/').optional(),
  prefix_rewrite: z.string().optional(),
  response_code: intLike.pipe(z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)])).default(301),
  strip_query: boolLike.default(false),
});

const routeSchema = z.object({
  name: z.string().optional(),
  match: matchSchema,
  route: routeAction.optional(),
  redirect: redirectAction.optional(),
  direct_response: z.object({ status: intLike.pipe(z.number().int().min(200).max(599)), body: z.string().default('') }).optional(),
}).refine((r) => [r.route, r.redirect, r.direct_response].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of route, redirect, direct_response' });

const virtualHost = z.object({
  name: z.string().min(1),
  /** Host names: exact, "*.suffix", "prefix.*" or "*" (any). */
  domains: z.array(z.string().min(1)).default(['*']),
  routes: z.array(routeSchema).min(1),
});

const filterRef = z.object({
  name: z.string().min(1),
  /** A type of filters/registry.ts (middleware.http.ratelimit, middleware.http.bearer, ...). */
  type: z.string().min(1),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
});

const listenerSchema = z.object({
  name: z.string().min(1),
  address: z.string().default('0.0.0.0'),
  port,
  /** http: HTTP/1.1 and h2c (prior knowledge) on one port; https: TLS with ALPN h2 + http/1.1. */
  protocol: z.enum(['http', 'https', 'h2c']).default('http'),
  tls: z.object({
    certificates: z.array(z.object({
      /** SNI names this certificate serves; the first certificate is the default. */
      server_names: z.array(z.string().min(1)).default([]),
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
    })).min(1),
  }).optional(),
  http_filters: z.array(filterRef).default([]),
  virtual_hosts: z.array(virtualHost).min(1),
}).refine((l) => l.protocol !== 'https' || l.tls !== undefined, { message: 'an https listener needs tls.certificates', path: ['tls'] });

const endpoint = z.union([
  z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d+$/, 'expected "host:port"'),
  z.object({ address: z.string().min(1), port: port }),
]);

const clusterSchema = z.object({
  name: z.string().min(1),
  lb_policy: z.enum(['round_robin', 'random', 'least_request']).default('round_robin'),
  /** Upstream protocol: http1 (default) or h2c (gRPC backends). */
  protocol: z.enum(['http1', 'h2c']).default('http1'),
  tls: boolLike.default(false),
  endpoints: z.array(endpoint).min(1).optional(),
  discovery: z.object({
    /** A resolver of discovery/registry.ts: mdns, static, ... */
    resolver: z.string().min(1),
    configuration: z.record(z.string(), z.unknown()).default({}),
    app_id: z.string().min(1),
    namespace: z.string().default('default'),
  }).optional(),
  dapr: z.object({
    app_id: z.string().min(1),
    /** The sidecar's Dapr HTTP API, e.g. http://127.0.0.1:3500. */
    sidecar: z.string().url(),
    /** invoke: /v1.0/invoke/<app>/method/<path>; header: <path> with dapr-app-id. */
    mode: z.enum(['invoke', 'header']).default('invoke'),
    api_token: z.string().optional(),
  }).optional(),
}).refine((c) => [c.endpoints, c.discovery, c.dapr].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of endpoints, discovery, dapr' });

export const gatewaySchema = z.object({
  apiVersion: z.literal(GATEWAY_API_VERSION, { error: `expected apiVersion ${GATEWAY_API_VERSION}` }),
  kind: z.literal(GATEWAY_KIND, { error: `expected kind ${GATEWAY_KIND}` }),
  metadata: objectMetaSchema,
  spec: z.object({
    listeners: z.array(listenerSchema).min(1),
    clusters: z.array(clusterSchema).default([]),
    tracing: z.object({
      samplingRate: z.union([z.string(), z.number()]).transform(String).optional(),
      stdout: boolLike.optional(),
      zipkin: z.object({ endpointAddress: z.string() }).optional(),
      otel: z.object({ endpointAddress: z.string(), protocol: z.enum(['http', 'grpc']).default('http'), isSecure: boolLike.optional() }).optional(),
    }).optional(),
    /** Admin listener: GET /metrics (Prometheus) and /ready. */
    admin: z.object({ address: z.string().default('127.0.0.1'), port }).optional(),
    /** How long in-flight requests may finish when a listener is removed or on shutdown. */
    drain_timeout: durationMs.default(15_000),
  }),
});

export type GatewayConfig = z.output<typeof gatewaySchema>;
export type ListenerConfig = GatewayConfig['spec']['listeners'][number];
export type RouteConfig = ListenerConfig['virtual_hosts'][number]['routes'][number];
export type ClusterConfig = GatewayConfig['spec']['clusters'][number];
export type MatcherConfig = RouteConfig['match']['headers'][number];
