/**
 * Every statistic the filters and the resiliency engine declare, on one prom-client Registry
 * (the one served on --metrics-port). Dapr's metric names where Dapr has them (dapr_http_server_*,
 * dapr_grpc_io_*, dapr_http_client_*, dapr_runtime_service_invocation_*, dapr_runtime_acl_*,
 * dapr_resiliency_*, dapr_component_*); outrigger_* for the Envoy-style additions (retry budget,
 * outlier ejection, rate limiting, bearer denials, API list denials). Latencies are milliseconds.
 */
import { Counter, Gauge, Histogram, Registry } from '../../observability/prom';
import type { PeerIdentity } from '../../proxy/contracts';

const DEFAULT_BUCKETS = [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

/** Dapr's component metric families that carry an `operation` label (component, namespace, operation, success). */
export const COMPONENT_FAMILIES = ['state', 'secret', 'configuration', 'crypto', 'output_binding'] as const;
export type ComponentMetricFamily = (typeof COMPONENT_FAMILIES)[number];

/** A count + latency pair of one component metric family (label children cached per label set). */
interface CallFamily {
  readonly count: Counter;
  readonly latency: Histogram;
}
type CallChild = { count: Counter.Internal; latency: Histogram.Internal<string> };

/** Resiliency policy kinds, as the dapr_resiliency_* `policy` label names them. */
export type PolicyKind = 'timeout' | 'retry' | 'circuitbreaker';
export type FlowDirection = 'inbound' | 'outbound';
export type BreakerStatus = 'closed' | 'open' | 'half-open';

export class FilterStats {
  readonly registry: Registry;
  private readonly c: ReturnType<typeof declare>;
  private appHealth: () => boolean | undefined = () => undefined;
  private outliers: () => Array<[string, number]> = () => [];
  private componentInits: () => Array<[string, number]> = () => [];
  private readonly httpChildren = new Map<string, { count: Counter.Internal; latency: Histogram.Internal<string>; reqBytes: Histogram.Internal<string>; resBytes: Histogram.Internal<string> }>();
  private readonly callChildren = new Map<string, CallChild>();

  /** `namespace` labels the component metrics as daprd does (app_id comes from the registry's default labels). */
  constructor(registry?: Registry, buckets?: readonly number[], private readonly namespace = 'default') {
    this.registry = registry ?? new Registry();
    this.c = declare(this.registry, buckets && buckets.length > 0 ? [...buckets] : DEFAULT_BUCKETS, () => this.appHealth(), () => this.outliers(), () => this.componentInits());
  }

  httpServer(method: string, status: number, ms: number, reqBytes: number, resBytes: number): void {
    // Hot path: label children are looked up once per (method, status) and reused.
    const key = method + ' ' + status;
    let ch = this.httpChildren.get(key);
    if (!ch) {
      const st = String(status);
      ch = {
        count: this.c.httpServerCount.labels(method, st),
        latency: this.c.httpServerLatency.labels(method, st),
        reqBytes: this.c.httpServerReqBytes.labels(method),
        resBytes: this.c.httpServerResBytes.labels(method, st),
      };
      if (this.httpChildren.size < 1000) this.httpChildren.set(key, ch);
    }
    ch.count.inc();
    ch.latency.observe(ms);
    if (reqBytes > 0) ch.reqBytes.observe(reqBytes);
    if (resBytes > 0) ch.resBytes.observe(resBytes);
  }

  grpcServer(method: string, code: number, ms: number): void {
    const labels = { grpc_server_method: method, grpc_server_status: grpcStatusName(code) };
    this.c.grpcServerCompleted.inc(labels);
    this.c.grpcServerLatency.observe(labels, ms);
  }

  /** gRPC calls the sidecar makes (to its app or to other sidecars). */
  grpcClient(method: string, code: number, ms: number): void {
    const labels = { grpc_client_method: method, grpc_client_status: grpcStatusName(code) };
    this.c.grpcClientCompleted.inc(labels);
    this.c.grpcClientLatency.observe(labels, ms);
  }

  /** daprd -> app, and daprd -> remote sidecar calls. */
  httpClient(method: string, status: number, ms: number): void {
    const labels = { method, status: String(status) };
    this.c.httpClientCount.inc(labels);
    this.c.httpClientLatency.observe(labels, ms);
  }

  invocationSent(dstAppId: string): void {
    this.c.invokeSent.inc({ dst_app_id: dstAppId });
  }

  invocationResponse(dstAppId: string, status: number, ms: number): void {
    this.c.invokeLatency.observe({ dst_app_id: dstAppId, status: String(status) }, ms);
  }

  invocationReceived(srcAppId: string): void {
    this.c.invokeRecv.inc({ src_app_id: srcAppId });
  }

  /** One component operation (state, secret, configuration, crypto, output binding): dapr_component_<family>_count / _latencies. */
  componentCall(family: ComponentMetricFamily, component: string, operation: string, success: boolean, ms: number): void {
    this.record(this.c.component[family], family, [component, this.namespace, operation, String(success)], ms);
  }

  /** A publish to a broker (dapr_component_pubsub_egress_*). */
  pubsubEgress(component: string, topic: string, success: boolean, ms: number): void {
    this.record(this.c.pubsubEgress, 'egress', [component, this.namespace, String(success), topic], ms);
  }

  /** A bulk publish call (dapr_component_pubsub_egress_bulk_*); `published` entries went through. */
  pubsubBulkEgress(component: string, topic: string, success: boolean, published: number, ms: number): void {
    this.record(this.c.pubsubBulkEgress, 'bulk', [component, this.namespace, String(success), topic], ms);
    if (published > 0) this.c.pubsubBulkEgressEvents.inc({ component, namespace: this.namespace, success: 'true', topic }, published);
  }

  /** A message handed to the subscriber (dapr_component_pubsub_ingress_*): success, retry or drop. */
  pubsubIngress(component: string, topic: string, processStatus: 'success' | 'retry' | 'drop', ms: number): void {
    this.record(this.c.pubsubIngress, 'ingress', [component, this.namespace, processStatus, topic, processStatus], ms);
  }

  /** An input-binding event delivered to the app (dapr_component_input_binding_*). */
  inputBinding(component: string, success: boolean, ms: number): void {
    this.record(this.c.inputBinding, 'input', [component, this.namespace, String(success)], ms);
  }

  /** The runtime's component initialisations (dapr_runtime_component_init_total) are read at scrape time. */
  watchComponentInits(counts: () => Array<[string, number]>): void {
    this.componentInits = counts;
  }

  private record(family: CallFamily, key: string, labels: string[], ms: number): void {
    const k = key + '\u0000' + labels.join('\u0000');
    let ch = this.callChildren.get(k);
    if (!ch) {
      ch = { count: family.count.labels(...labels), latency: family.latency.labels(...labels) };
      if (this.callChildren.size < 5000) this.callChildren.set(k, ch);
    }
    ch.count.inc();
    ch.latency.observe(ms);
  }

  aclDecision(level: 'global' | 'app', allowed: boolean, caller: PeerIdentity | undefined): void {
    const labels = { src_app_id: caller?.appId ?? '', trust_domain: caller?.trustDomain ?? '', namespace: caller?.namespace ?? '' };
    const family = level === 'global' ? this.c.aclGlobal : this.c.aclApp;
    (allowed ? family.allowed : family.blocked).inc(labels);
  }

  apiDenied(protocol: 'http' | 'grpc', api: string): void {
    this.c.apiDenied.inc({ protocol, api });
  }

  rateLimited(middleware: string): void {
    this.c.rateLimited.inc({ middleware });
  }

  bearerDenied(middleware: string, reason: string): void {
    this.c.bearerDenied.inc({ middleware, reason });
  }

  resiliencyLoaded(name: string, namespace: string): void {
    this.c.resiliencyLoaded.inc({ name, namespace });
  }

  /**
   * A policy was applied to a call (Dapr's dapr_resiliency_count). `name` is the Resiliency
   * resource, `target` Dapr's form (app_<id>, <Block>_<component>, actor_<type>); a circuit
   * breaker reports its state at the time as `status`.
   */
  resiliencyApplied(name: string, policy: PolicyKind, target: string, direction: FlowDirection, namespace: string, status = ''): void {
    this.c.resiliencyCount.inc({ name, policy, target, flow_direction: direction, namespace, status });
  }

  /** A policy acted: a timeout fired, a retry happened, a breaker changed state (dapr_resiliency_activations_total). */
  resiliencyActivated(name: string, policy: PolicyKind, target: string, direction: FlowDirection, namespace: string, status = ''): void {
    this.c.resiliencyActivations.inc({ name, policy, target, flow_direction: direction, namespace, status });
  }

  /** dapr_resiliency_cb_state: 1 on the breaker's current state, 0 on the others. */
  breakerState(name: string, target: string, direction: FlowDirection, namespace: string, state: BreakerStatus): void {
    for (const s of ['closed', 'open', 'half-open'] as const) {
      this.c.cbState.set({ name, policy: 'circuitbreaker', target, flow_direction: direction, namespace, status: s }, s === state ? 1 : 0);
    }
  }

  breakerRejected(target: string): void {
    this.c.cbRejected.inc({ target });
  }

  retry(target: string): void {
    this.c.retries.inc({ target });
  }

  retryBudgetExhausted(target: string): void {
    this.c.budgetExhausted.inc({ target });
  }

  outlierEjected(target: string, endpoint: string): void {
    this.c.ejections.inc({ target, endpoint });
  }

  /** The ejected-endpoints gauge reads this at scrape time. */
  watchOutliers(counts: () => Array<[string, number]>): void {
    this.outliers = counts;
  }

  /** The app-health gauge reads this at scrape time (undefined = no health checks: not exported). */
  watchAppHealth(healthy: () => boolean | undefined): void {
    this.appHealth = healthy;
  }
}

const GRPC_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
function grpcStatusName(code: number): string {
  return GRPC_NAMES[code] ?? String(code);
}

function declare(r: Registry, buckets: number[], appHealth: () => boolean | undefined, outliers: () => Array<[string, number]>, componentInits: () => Array<[string, number]>) {
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [r] });
  const histogram = (name: string, help: string, labelNames: string[], b = buckets) => new Histogram({ name, help, labelNames, buckets: b, registers: [r] });
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [r] });
  const bytes = [1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];
  const aclLabels = ['src_app_id', 'trust_domain', 'namespace'];
  const resLabels = ['name', 'policy', 'target', 'flow_direction', 'namespace', 'status'];
  return {
    httpServerCount: counter('dapr_http_server_request_count', 'Number of HTTP requests started in the server', ['method', 'status']),
    httpServerLatency: histogram('dapr_http_server_latency', 'HTTP request end-to-end latency in the server (ms)', ['method', 'status']),
    httpServerReqBytes: histogram('dapr_http_server_request_bytes', 'HTTP request body size (bytes)', ['method'], bytes),
    httpServerResBytes: histogram('dapr_http_server_response_bytes', 'HTTP response body size (bytes)', ['method', 'status'], bytes),
    grpcServerCompleted: counter('dapr_grpc_io_server_completed_rpcs', 'Count of RPCs by method and status', ['grpc_server_method', 'grpc_server_status']),
    grpcServerLatency: histogram('dapr_grpc_io_server_server_latency', 'Server-side RPC latency (ms)', ['grpc_server_method', 'grpc_server_status']),
    grpcClientCompleted: counter('dapr_grpc_io_client_completed_rpcs', 'Count of client RPCs by method and status', ['grpc_client_method', 'grpc_client_status']),
    grpcClientLatency: histogram('dapr_grpc_io_client_roundtrip_latency', 'Client-side RPC round-trip latency (ms)', ['grpc_client_method', 'grpc_client_status']),
    httpClientCount: counter('dapr_http_client_completed_count', 'Count of completed HTTP requests from the sidecar', ['method', 'status']),
    httpClientLatency: histogram('dapr_http_client_roundtrip_latency', 'Round-trip latency of HTTP requests from the sidecar (ms)', ['method', 'status']),
    invokeSent: counter('dapr_runtime_service_invocation_req_sent_total', 'Number of service invocation requests sent', ['dst_app_id']),
    invokeRecv: counter('dapr_runtime_service_invocation_req_recv_total', 'Number of service invocation requests received', ['src_app_id']),
    invokeLatency: histogram('dapr_runtime_service_invocation_res_recv_latency_ms', 'Latency of service invocation responses (ms)', ['dst_app_id', 'status']),
    component: Object.fromEntries(COMPONENT_FAMILIES.map((f) => [f, {
      count: counter(`dapr_component_${f}_count`, `Number of operations performed on ${f} components`, ['component', 'namespace', 'operation', 'success']),
      latency: histogram(`dapr_component_${f}_latencies`, `Latency of the ${f} components' answers (ms)`, ['component', 'namespace', 'operation', 'success']),
    }])) as Record<ComponentMetricFamily, CallFamily>,
    pubsubEgress: {
      count: counter('dapr_component_pubsub_egress_count', 'Number of messages published to pub/sub components', ['component', 'namespace', 'success', 'topic']),
      latency: histogram('dapr_component_pubsub_egress_latencies', 'Latency of the pub/sub components\' publish answers (ms)', ['component', 'namespace', 'success', 'topic']),
    },
    pubsubBulkEgress: {
      count: counter('dapr_component_pubsub_egress_bulk_count', 'Number of bulk publish calls to pub/sub components', ['component', 'namespace', 'success', 'topic']),
      latency: histogram('dapr_component_pubsub_egress_bulk_latencies', 'Latency of bulk publish calls (ms)', ['component', 'namespace', 'success', 'topic']),
    },
    pubsubBulkEgressEvents: counter('dapr_component_pubsub_egress_bulk_event_count', 'Number of messages published through bulk publish', ['component', 'namespace', 'success', 'topic']),
    pubsubIngress: {
      count: counter('dapr_component_pubsub_ingress_count', 'Number of messages delivered from pub/sub components', ['component', 'namespace', 'process_status', 'topic', 'status']),
      latency: histogram('dapr_component_pubsub_ingress_latencies', 'Time the subscriber took to process a message (ms)', ['component', 'namespace', 'process_status', 'topic', 'status']),
    },
    inputBinding: {
      count: counter('dapr_component_input_binding_count', 'Number of events delivered from input bindings', ['component', 'namespace', 'success']),
      latency: histogram('dapr_component_input_binding_latencies', 'Time the app took to process an input-binding event (ms)', ['component', 'namespace', 'success']),
    },
    componentInit: new Counter({
      name: 'dapr_runtime_component_init_total', help: 'Number of initialised components', labelNames: ['component'], registers: [r],
      collect() {
        this.reset();
        for (const [component, n] of componentInits()) this.inc({ component }, n);
      },
    }),
    aclGlobal: {
      allowed: counter('dapr_runtime_acl_global_policy_action_allowed_total', 'Requests allowed by the global access-control action', aclLabels),
      blocked: counter('dapr_runtime_acl_global_policy_action_blocked_total', 'Requests blocked by the global access-control action', aclLabels),
    },
    aclApp: {
      allowed: counter('dapr_runtime_acl_app_policy_action_allowed_total', 'Requests allowed by an app access-control policy', aclLabels),
      blocked: counter('dapr_runtime_acl_app_policy_action_blocked_total', 'Requests blocked by an app access-control policy', aclLabels),
    },
    apiDenied: counter('outrigger_api_denied_total', 'Requests refused by the API allow/deny lists', ['protocol', 'api']),
    rateLimited: counter('outrigger_ratelimit_rejected_total', 'Requests rejected with 429 by middleware.http.ratelimit', ['middleware']),
    bearerDenied: counter('outrigger_bearer_denied_total', 'Requests refused by middleware.http.bearer', ['middleware', 'reason']),
    resiliencyLoaded: counter('dapr_resiliency_loaded', 'Number of resiliency policies loaded', ['name', 'namespace']),
    resiliencyCount: counter('dapr_resiliency_count', 'Number of times a resiliency policy was applied', resLabels),
    resiliencyActivations: counter('dapr_resiliency_activations_total', 'Number of times a resiliency policy acted', resLabels),
    cbState: gauge('dapr_resiliency_cb_state', 'Circuit breaker state: 1 for the current state', resLabels),
    cbRejected: counter('outrigger_circuit_breaker_rejected_total', 'Calls failed fast by an open circuit breaker', ['target']),
    retries: counter('outrigger_retries_total', 'Retries attempted', ['target']),
    budgetExhausted: counter('outrigger_retry_budget_exhausted_total', 'Retries skipped because the retry budget was spent', ['target']),
    ejections: counter('outrigger_outlier_ejections_total', 'Endpoints ejected by outlier detection', ['target', 'endpoint']),
    ejectedNow: new Gauge({
      name: 'outrigger_outlier_ejected_endpoints', help: 'Endpoints currently ejected', labelNames: ['target'], registers: [r],
      collect() {
        this.reset();
        for (const [target, n] of outliers()) this.set({ target }, n);
      },
    }),
    appHealthy: new Gauge({
      name: 'outrigger_app_healthy', help: 'App health as seen by the health checks (1 healthy, 0 not)', registers: [r],
      collect() {
        const h = appHealth();
        if (h === undefined) this.reset();
        else this.set(h ? 1 : 0);
      },
    }),
  };
}
