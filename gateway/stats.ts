/**
 * The gateway's own Prometheus statistics, on the same registry as the shared filters' (rate
 * limiting, bearer, dapr_http_server_* from telemetry), served by the admin listener. Envoy-style
 * names under outrigger_gateway_*; latencies in milliseconds. Label values are bounded by the
 * config (listener, route, cluster, filter and policy names) and by status codes.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const LATENCY_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];

export type UpstreamFailure = 'no_healthy_upstream' | 'connect_failure' | 'timeout' | 'protocol';

export class GatewayStats {
  private readonly requests: Counter<'listener' | 'route' | 'cluster' | 'status' | 'grpc_status'>;
  private readonly upstreamTime: Histogram<'cluster' | 'status'>;
  private readonly upstreamFailures: Counter<'cluster' | 'reason'>;
  private readonly retries: Counter<'cluster'>;
  private readonly rbac: Counter<'filter' | 'policy' | 'action'>;
  private readonly jwtDenied: Counter<'filter' | 'reason'>;
  private readonly reloads: Counter<'result'>;
  private readonly version: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'outrigger_gateway_requests_total', help: 'Requests completed by the gateway, by listener, route (none: no route matched), cluster and status', labelNames: ['listener', 'route', 'cluster', 'status', 'grpc_status'], registers });
    this.upstreamTime = new Histogram({ name: 'outrigger_gateway_upstream_request_duration_ms', help: 'Time from sending the upstream request to the end of its response, by cluster and status', labelNames: ['cluster', 'status'], buckets: LATENCY_BUCKETS, registers });
    this.upstreamFailures = new Counter({ name: 'outrigger_gateway_upstream_failures_total', help: 'Upstream requests that got no response, by cluster and reason', labelNames: ['cluster', 'reason'], registers });
    this.retries = new Counter({ name: 'outrigger_gateway_retries_total', help: 'Upstream retries, by cluster', labelNames: ['cluster'], registers });
    this.rbac = new Counter({ name: 'outrigger_gateway_rbac_decisions_total', help: 'Access control decisions, by rbac filter, deciding policy (default: none matched) and action', labelNames: ['filter', 'policy', 'action'], registers });
    this.jwtDenied = new Counter({ name: 'outrigger_gateway_jwt_denied_total', help: 'Requests refused by jwt_authn, by filter and reason (missing, malformed, invalid)', labelNames: ['filter', 'reason'], registers });
    this.reloads = new Counter({ name: 'outrigger_gateway_config_reloads_total', help: 'Config reloads, by result (ok, rejected)', labelNames: ['result'], registers });
    this.version = new Gauge({ name: 'outrigger_gateway_config_version', help: 'The active config version (1 at start, +1 per accepted reload)', registers });
  }

  request(listener: string, route: string, cluster: string, status: number, grpcStatus: string): void {
    this.requests.inc({ listener, route, cluster, status: String(status), grpc_status: grpcStatus });
  }

  upstream(cluster: string, status: number | string, ms: number): void {
    this.upstreamTime.observe({ cluster, status: String(status) }, ms);
  }

  upstreamFailure(cluster: string, reason: UpstreamFailure): void {
    this.upstreamFailures.inc({ cluster, reason });
  }

  retry(cluster: string): void {
    this.retries.inc({ cluster });
  }

  rbacDecision(filter: string, policy: string, action: 'allow' | 'deny'): void {
    this.rbac.inc({ filter, policy, action });
  }

  jwtRefused(filter: string, reason: string): void {
    this.jwtDenied.inc({ filter, reason });
  }

  configLoaded(ok: boolean, version: number): void {
    this.reloads.inc({ result: ok ? 'ok' : 'rejected' });
    this.version.set(version);
  }
}
