/**
 * The traffic policy of the standalone gateway: one `kind: Gateway` document, Dapr-style YAML with
 * Envoy's concepts and field names (listeners, virtual_hosts, routes with match / route /
 * redirect / direct_response, clusters with lb_policy, weighted_clusters, retry_policy).
 * Unknown keys are refused (a typo is an error, never silently ignored). The README's gateway
 * section and docs/gateway.md document every field. Cross-references (cluster names, regexes,
 * resolvers, filter types and names, files) are checked after parsing, in load.ts.
 */
import { z } from 'zod';
import { durationMs, intLike, boolLike, objectMetaSchema } from '../config/schemas/common';

export const GATEWAY_API_VERSION = 'outrigger.dev/v1alpha1';
export const GATEWAY_KIND = 'Gateway';

const port = intLike.pipe(z.number().int().min(0).max(65535));

/** A string matcher: exactly one of exact / prefix / suffix / regex / present. */
const stringMatcher = z.strictObject({
  name: z.string().min(1),
  exact: z.string().optional(),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
  regex: z.string().optional(),
  present: boolLike.optional(),
  invert: boolLike.optional(),
}).refine((m) => [m.exact, m.prefix, m.suffix, m.regex, m.present].filter((v) => v !== undefined).length <= 1, { message: 'give at most one of exact, prefix, suffix, regex, present' });

const matchSchema = z.strictObject({
  path: z.string().startsWith('/').optional(),
  prefix: z.string().startsWith('/').optional(),
  safe_regex: z.string().optional(),
  case_sensitive: boolLike.default(true),
  headers: z.array(stringMatcher).default([]),
  query_parameters: z.array(stringMatcher).default([]),
}).refine((m) => [m.path, m.prefix, m.safe_regex].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of path, prefix, safe_regex' });

const retryPolicy = z.strictObject({
  /** Comma-separated: 5xx, gateway-error, reset, connect-failure, retriable-status-codes. */
  retry_on: z.string().default('5xx,connect-failure,reset'),
  num_retries: intLike.pipe(z.number().int().min(0).max(10)).default(1),
  per_try_timeout: durationMs.optional(),
  retriable_status_codes: z.array(intLike.pipe(z.number().int().min(100).max(599))).default([]),
});

const routeAction = z.strictObject({
  cluster: z.string().min(1).optional(),
  weighted_clusters: z.strictObject({
    clusters: z.array(z.strictObject({ name: z.string().min(1), weight: intLike.pipe(z.number().int().min(0)) })).min(1),
  }).optional(),
  prefix_rewrite: z.string().optional(),
  regex_rewrite: z.strictObject({ pattern: z.string(), substitution: z.string() }).optional(),
  host_rewrite: z.string().optional(),
  /** Whole-request timeout (Envoy's default 15s); 0 disables. */
  timeout: durationMs.default(15_000),
  retry_policy: retryPolicy.optional(),
}).refine((r) => (r.cluster === undefined) !== (r.weighted_clusters === undefined), { message: 'give exactly one of cluster, weighted_clusters' })
  .refine((r) => !(r.prefix_rewrite !== undefined && r.regex_rewrite !== undefined), { message: 'give at most one of prefix_rewrite, regex_rewrite' });

const redirectAction = z.strictObject({
  scheme_redirect: z.enum(['http', 'https']).optional(),
  https_redirect: boolLike.optional(),
  host_redirect: z.string().optional(),
  port_redirect: port.optional(),
  path_redirect: z.string().startsWith('/').optional(),
  prefix_rewrite: z.string().optional(),
  response_code: intLike.pipe(z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)])).default(301),
  strip_query: boolLike.default(false),
});

/** A value matcher without a name (paths, SPIFFE ids). */
const valueMatcher = z.strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
  regex: z.string().optional(),
}).refine((m) => [m.exact, m.prefix, m.suffix, m.regex].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of exact, prefix, suffix, regex' });

const metadataMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/** jwt_authn: Envoy-style JWT authentication (jose), with the verified claims kept for rbac. */
export const jwtAuthnSchema = z.strictObject({
  issuer: z.string().min(1),
  /** The token's aud must hold one of these (absent: aud is not checked). */
  audiences: z.array(z.string().min(1)).min(1).optional(),
  remote_jwks: z.strictObject({ uri: z.string().url(), cache_duration: durationMs.default(600_000) }).optional(),
  /** A JWKS JSON file (relative to the gateway file). */
  local_jwks: z.strictObject({ filename: z.string().min(1) }).optional(),
  /** Keep the Authorization header on the upstream request (default: removed). */
  forward: boolLike.default(false),
  /** Upstream header receiving the verified payload as base64url JSON. */
  forward_payload_header: z.string().min(1).optional(),
  /** Claims copied to upstream headers (dotted paths reach nested claims). */
  claim_to_headers: z.array(z.strictObject({ claim: z.string().min(1), header: z.string().min(1) })).default([]),
  /** Let requests without a token through (a bad token is still refused). */
  allow_missing: boolLike.default(false),
  clock_skew: durationMs.default(60_000),
}).refine((j) => (j.remote_jwks === undefined) !== (j.local_jwks === undefined), { message: 'give exactly one of remote_jwks, local_jwks' });

const rbacAction = z.enum(['allow', 'deny']);

/** rbac: ordered policies; the first whose every condition holds decides, else default_action. */
export const rbacSchema = z.strictObject({
  default_action: rbacAction.default('deny'),
  policies: z.array(z.strictObject({
    name: z.string().min(1),
    action: rbacAction,
    /** Conditions, all of which must hold; within one list any entry may match. Empty: matches everything. */
    match: z.strictObject({
      methods: z.array(z.string().min(1).transform((m) => m.toUpperCase())).optional(),
      paths: z.array(valueMatcher).optional(),
      headers: z.array(stringMatcher).optional(),
      /** Verified JWT claims (a jwt_authn filter must run earlier); an array claim matches if any element does. */
      jwt_claims: z.array(stringMatcher).optional(),
      /** The SPIFFE URI SAN of the client certificate (https listener with client_validation). */
      spiffe_ids: z.array(valueMatcher).optional(),
      /** Client address (IPv4 or IPv6 CIDR, or a plain address). */
      source_ips: z.array(z.string().min(1)).optional(),
    }).default({}),
  })).default([]),
});

const filterRef = z.strictObject({
  name: z.string().min(1),
  /**
   * A type of filters/registry.ts (middleware.http.ratelimit, middleware.http.bearer, ... with
   * `metadata`), or the gateway's own jwt_authn (with `jwt_authn`) and rbac (with `rbac`).
   */
  type: z.string().min(1),
  metadata: metadataMap.default({}),
  jwt_authn: jwtAuthnSchema.optional(),
  rbac: rbacSchema.optional(),
}).refine((f) => f.type !== 'jwt_authn' || f.jwt_authn !== undefined, { message: 'a jwt_authn filter needs a jwt_authn section', path: ['jwt_authn'] })
  .refine((f) => f.type !== 'rbac' || f.rbac !== undefined, { message: 'an rbac filter needs an rbac section', path: ['rbac'] });

/** A route's override of one listener filter, by the filter's name (Envoy's typed_per_filter_config). */
const perFilterConfig = z.strictObject({
  disabled: boolLike.default(false),
  metadata: metadataMap.optional(),
  jwt_authn: jwtAuthnSchema.optional(),
  rbac: rbacSchema.optional(),
});

const routeSchema = z.strictObject({
  name: z.string().optional(),
  match: matchSchema,
  route: routeAction.optional(),
  redirect: redirectAction.optional(),
  direct_response: z.strictObject({ status: intLike.pipe(z.number().int().min(200).max(599)), body: z.string().default('') }).optional(),
  /** Per-route overrides of the listener's http_filters, keyed by filter name. */
  per_filter_config: z.record(z.string(), perFilterConfig).default({}),
}).refine((r) => [r.route, r.redirect, r.direct_response].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of route, redirect, direct_response' });

const virtualHost = z.strictObject({
  name: z.string().min(1),
  /** Host names: exact, "*.suffix", "prefix.*" or "*" (any). */
  domains: z.array(z.string().min(1)).default(['*']),
  routes: z.array(routeSchema).min(1),
});

const listenerSchema = z.strictObject({
  name: z.string().min(1),
  address: z.string().default('0.0.0.0'),
  port,
  /**
   * http: HTTP/1.1 and HTTP/2 prior knowledge (h2c, gRPC) on one port, told apart by the preface;
   * h2c: HTTP/2 prior knowledge only; https: TLS with ALPN h2 + http/1.1 and SNI certificates.
   */
  protocol: z.enum(['http', 'https', 'h2c']).default('http'),
  tls: z.strictObject({
    certificates: z.array(z.strictObject({
      /** SNI names this certificate serves (exact or "*.suffix"); the first certificate is the default. */
      server_names: z.array(z.string().min(1)).default([]),
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
    })).min(1),
    /** Ask clients for a certificate chaining to ca_file (its SPIFFE id is what rbac spiffe_ids match). */
    client_validation: z.strictObject({
      ca_file: z.string().min(1),
      /** true: refuse the handshake without a valid client certificate; false: optional. */
      require: boolLike.default(false),
    }).optional(),
  }).optional(),
  http_filters: z.array(filterRef).default([]),
  virtual_hosts: z.array(virtualHost).min(1),
}).refine((l) => l.protocol !== 'https' || l.tls !== undefined, { message: 'an https listener needs tls.certificates', path: ['tls'] })
  .refine((l) => l.protocol === 'https' || l.tls === undefined, { message: 'tls is only for protocol: https', path: ['tls'] });

const endpoint = z.union([
  z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d+$/, 'expected "host:port"'),
  z.strictObject({ address: z.string().min(1), port: port }),
]);

const clusterSchema = z.strictObject({
  name: z.string().min(1),
  lb_policy: z.enum(['round_robin', 'random', 'least_request']).default('round_robin'),
  /** Upstream protocol: http1 (default), or h2c: HTTP/2 prior knowledge (gRPC backends; h2 over TLS with tls: true). */
  protocol: z.enum(['http1', 'h2c']).default('http1'),
  tls: boolLike.default(false),
  endpoints: z.array(endpoint).min(1).optional(),
  discovery: z.strictObject({
    /** A resolver of discovery/registry.ts: mdns, static, ... */
    resolver: z.string().min(1),
    configuration: z.record(z.string(), z.unknown()).default({}),
    app_id: z.string().min(1),
    namespace: z.string().default('default'),
  }).optional(),
  dapr: z.strictObject({
    app_id: z.string().min(1),
    /** The sidecar's Dapr HTTP API, e.g. http://127.0.0.1:3500 (its gRPC API, :50001, with protocol: h2c). */
    sidecar: z.string().url(),
    /** invoke: /v1.0/invoke/<app>/method/<path>; header: <path> with dapr-app-id (the only mode for h2c). */
    mode: z.enum(['invoke', 'header']).default('invoke'),
    api_token: z.string().optional(),
  }).optional(),
}).refine((c) => [c.endpoints, c.discovery, c.dapr].filter((v) => v !== undefined).length === 1, { message: 'give exactly one of endpoints, discovery, dapr' })
  .refine((c) => c.protocol !== 'h2c' || c.dapr?.mode !== 'invoke', { message: 'an h2c cluster reaches a Dapr app through the gRPC proxy: set mode: header', path: ['dapr', 'mode'] });

export const gatewaySchema = z.strictObject({
  apiVersion: z.literal(GATEWAY_API_VERSION, { error: `expected apiVersion ${GATEWAY_API_VERSION}` }),
  kind: z.literal(GATEWAY_KIND, { error: `expected kind ${GATEWAY_KIND}` }),
  metadata: objectMetaSchema,
  spec: z.strictObject({
    listeners: z.array(listenerSchema).min(1),
    clusters: z.array(clusterSchema).default([]),
    tracing: z.strictObject({
      samplingRate: z.union([z.string(), z.number()]).transform(String).optional(),
      stdout: boolLike.optional(),
      zipkin: z.strictObject({ endpointAddress: z.string() }).optional(),
      otel: z.strictObject({ endpointAddress: z.string(), protocol: z.enum(['http', 'grpc']).default('http'), isSecure: boolLike.optional() }).optional(),
    }).optional(),
    /** Admin listener: GET /ready, /stats/prometheus (also /metrics), /config_dump (secrets redacted). */
    admin: z.strictObject({ address: z.string().default('127.0.0.1'), port }).optional(),
    /** How long in-flight requests may finish when a listener is removed or on shutdown. */
    drain_timeout: durationMs.default(15_000),
  }),
});

export type GatewayConfig = z.output<typeof gatewaySchema>;
export type ListenerConfig = GatewayConfig['spec']['listeners'][number];
export type RouteConfig = ListenerConfig['virtual_hosts'][number]['routes'][number];
export type ClusterConfig = GatewayConfig['spec']['clusters'][number];
export type MatcherConfig = RouteConfig['match']['headers'][number];
export type FilterConfig = ListenerConfig['http_filters'][number];
export type PerFilterConfig = RouteConfig['per_filter_config'][string];
export type JwtAuthnConfig = z.output<typeof jwtAuthnSchema>;
export type RbacConfig = z.output<typeof rbacSchema>;
export type ValueMatcherConfig = NonNullable<RbacConfig['policies'][number]['match']['paths']>[number];
