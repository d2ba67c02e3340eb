/**
 * The data plane's contracts. One request/response pair is an Exchange; it flows through a
 * FilterChain (built once per config load) and ends in exactly one TerminalFilter, which replies
 * or forwards upstream. Errors on the hot path are values: a filter replies locally through
 * `sendLocalReply` (proxy/local-reply.ts) and returns Stop; it never throws for an expected failure.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** How a listener's replies are rendered: Dapr HTTP JSON errors, or gRPC status trailers. */
export type Protocol = 'http' | 'grpc';

/** The authenticated (or asserted) identity of the caller of a sidecar-to-sidecar request. */
export interface PeerIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly appId: string;
  /** true when proven by an mTLS certificate, false when taken from request headers. */
  readonly verified: boolean;
}

/** W3C trace context of the exchange, after the tracing filter ran. */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly sampled: boolean;
  readonly traceState?: string;
  readonly baggage?: string;
}

export type RequestLike = IncomingMessage | Http2ServerRequest;
export type ResponseLike = ServerResponse | Http2ServerResponse;

/**
 * What a route match tells the chain: which API (for allow/deny lists, metrics and spans) and the
 * path parameters. Set before the filter chain runs, so every filter sees the same route.
 */
export interface RouteMatch {
  /** API group name as Dapr's allow lists name it: invoke, state, publish, metadata, healthz ... */
  readonly api: string;
  /** API version: v1, v1alpha1, v1alpha2, v1beta1. */
  readonly version: string;
  /** Route pattern, e.g. "/v1.0/state/:storeName/:key" (used as a low-cardinality label). */
  readonly pattern: string;
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The handler the terminal filter runs. */
  readonly handler: RouteHandler;
}

export type RouteHandler = (ex: Exchange) => void | Promise<void>;

/** One request/response pair (Envoy's "stream"). */
export interface Exchange {
  /** Name of the listener that accepted it: 'dapr-http', 'dapr-grpc', 'internal', 'gateway', ... */
  readonly listener: string;
  readonly protocol: Protocol;
  readonly req: RequestLike;
  readonly res: ResponseLike;
  readonly method: string;
  /** The normalised path (no query string). Every filter and the upstream see this same path. */
  path: string;
  /** The raw query string without '?', or ''. */
  query: string;
  /** Request headers as they will be forwarded upstream; filters may edit them. */
  readonly headers: IncomingHttpHeaders;
  route?: RouteMatch;
  /** Identity of the calling sidecar (internal listener) or undefined for local app calls. */
  caller?: PeerIdentity;
  /** Target app id of an invocation once known, for access logs, metrics and spans. */
  targetAppId?: string;
  /** For invocation: the method path that the app receives (after /method/). */
  invokeMethod?: string;
  trace?: TraceContext;
  /** process.hrtime.bigint() when the exchange started. */
  readonly startTime: bigint;
  /** Per-filter scratch values, keyed by filter name; allocated on first use. */
  scratch?: Map<string, unknown>;
}

export const Continue = 0 as const;
export const Stop = 1 as const;
/** Continue: pass to the next filter. Stop: the filter replied (or will reply) itself. */
export type FilterStatus = typeof Continue | typeof Stop;

/** A per-listener request filter. Sync return keeps the hot path free of promise allocations. */
export interface HttpFilter {
  readonly name: string;
  onRequest(ex: Exchange): FilterStatus | Promise<FilterStatus>;
}

/** The last element of a chain: it writes the response, locally or from an upstream. */
export interface TerminalFilter {
  readonly name: string;
  handle(ex: Exchange): void | Promise<void>;
}

/** A configuration problem, reported with a field path; returned by factories, never thrown. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A filter factory validates its config once (at config load) and creates filters.
 * Registered by its type name (the YAML `type`, e.g. middleware.http.ratelimit).
 */
export interface FilterFactory<Config = unknown, Deps = unknown> {
  readonly type: string;
  parse(raw: unknown): { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };
  create(config: Config, deps: Deps): HttpFilter;
}
