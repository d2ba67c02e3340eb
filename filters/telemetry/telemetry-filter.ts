/**
 * Tracing and metrics for one listener, in one filter so each exchange pays for a single
 * completion listener. Per request: validate baggage (400 when malformed), take the parent from
 * traceparent (gRPC: also grpc-trace-bin), decide sampling first, then either start an exported
 * span (sampled) or only mint ids (unsampled); rewrite traceparent so the next hop sees the same
 * trace id and a new parent span id; return traceparent/tracestate on API responses. On
 * completion: record Dapr's server/client metrics and end the span with Dapr-like attributes.
 *
 * Sides: 'api' (Dapr HTTP or gRPC API: dapr_http_server_* / dapr_grpc_io_server_*, CLIENT span
 * CallLocal/<target>/<method> for invocation), 'inbound' (sidecar-to-sidecar listener: SERVER
 * span CallLocal/<appId>/<method>, dapr_runtime_service_invocation_req_recv_total and
 * dapr_http_client_* for the call to the app).
 */
import type { Http2ServerResponse } from 'node:http2';
import { Continue, Stop, type Exchange, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';
import type { FilterStats } from '../metrics/filter-stats';
import { SpanKind, SpanStatusCode, decideSampled, type Span, type Tracing } from '../tracing/tracer';
import { formatGrpcTraceBin, formatTraceparent, newSpanId, newTraceId, parseGrpcTraceBin, parseTraceparent, validBaggage } from '../tracing/trace-context';

export interface TelemetryOptions {
  readonly side: 'api' | 'inbound';
  readonly appId: string;
  readonly tracing: Tracing;
  readonly stats: FilterStats;
}

const badBaggage = Errors.malformedRequest('invalid baggage header');

function grpcStatusOf(res: Http2ServerResponse): number {
  const stream = res.stream as { sentTrailers?: Record<string, unknown>; sentHeaders?: Record<string, unknown> } | undefined;
  const v = stream?.sentTrailers?.['grpc-status'] ?? stream?.sentHeaders?.['grpc-status'];
  return v === undefined ? 2 : Number(v);
}

function spanName(ex: Exchange, side: 'api' | 'inbound', appId: string): { name: string; kind: SpanKind } {
  if (side === 'inbound') return { name: `CallLocal/${appId}/${ex.invokeMethod ?? ex.path.slice(1)}`, kind: SpanKind.SERVER };
  if (ex.targetAppId !== undefined && ex.route?.api === 'invoke') return { name: `CallLocal/${ex.targetAppId}/${ex.invokeMethod ?? ''}`, kind: SpanKind.CLIENT };
  return { name: ex.path, kind: SpanKind.SERVER };
}

export function createTelemetryFilter(opts: TelemetryOptions): HttpFilter {
  const { side, appId, tracing, stats } = opts;
  const exporting = tracing.exporting;
  return {
    name: side === 'api' ? 'telemetry' : 'telemetry-inbound',
    onRequest(ex: Exchange): FilterStatus {
      if (ex.route?.api === 'healthz') return Continue; // health checks are neither traced nor counted
      const h = ex.headers;
      if (h.baggage !== undefined && !validBaggage(h.baggage)) {
        sendLocalReply(ex, badBaggage);
        return Stop;
      }
      const grpc = ex.protocol === 'grpc';
      const parent = parseTraceparent(h.traceparent) ?? (grpc ? parseGrpcTraceBin(h['grpc-trace-bin']) : undefined);
      const sampled = decideSampled(tracing.rate, parent);
      let span: Span | undefined;
      let traceId: string;
      let spanId: string;
      if (sampled && exporting) {
        const { name, kind } = spanName(ex, side, appId);
        span = tracing.startSpan(name, kind, parent, {
          'dapr.api': `${ex.method} ${ex.path}`,
          'dapr.protocol': ex.protocol,
          'http.request.method': ex.method,
          'url.full': ex.query ? `${ex.path}?${ex.query}` : ex.path,
          'rpc.service': ex.targetAppId !== undefined ? 'ServiceInvocation' : 'Dapr',
          ...(typeof h.host === 'string' ? { 'server.address': h.host } : {}),
          ...(ex.targetAppId !== undefined ? { 'net.peer.name': ex.targetAppId } : {}),
          ...(ex.caller?.appId ? { 'dapr.caller_app_id': ex.caller.appId } : {}),
        });
        const sc = span!.spanContext();
        traceId = sc.traceId;
        spanId = sc.spanId;
      } else {
        traceId = parent?.traceId ?? newTraceId();
        spanId = newSpanId();
      }
      const traceparent = formatTraceparent(traceId, spanId, sampled);
      const tracestate = typeof h.tracestate === 'string' ? h.tracestate : undefined;
      ex.trace = { traceId, spanId, sampled, ...(parent ? { parentSpanId: parent.spanId } : {}), ...(tracestate ? { traceState: tracestate } : {}), ...(typeof h.baggage === 'string' ? { baggage: h.baggage } : {}) };
      h.traceparent = traceparent;
      if (grpc && h['grpc-trace-bin'] !== undefined) h['grpc-trace-bin'] = formatGrpcTraceBin(traceId, spanId, sampled);
      const res = ex.res;
      if (side === 'api' && !res.headersSent) {
        res.setHeader('traceparent', traceparent);
        if (tracestate) res.setHeader('tracestate', tracestate);
      }
      if (side === 'inbound') stats.invocationReceived(ex.caller?.appId ?? '');
      res.once('close', () => {
        const ms = Number(process.hrtime.bigint() - ex.startTime) / 1e6;
        let status: number;
        if (grpc) {
          status = grpcStatusOf(res as Http2ServerResponse);
          if (side === 'api') stats.grpcServer(ex.path, status, ms);
        } else {
          status = res.statusCode;
          if (side === 'api') {
            const reqBytes = Number(h['content-length'] ?? 0) || 0;
            const resBytes = Number(res.getHeader('content-length') ?? 0) || 0;
            stats.httpServer(ex.method, status, ms, reqBytes, resBytes);
          } else {
            stats.httpClient(ex.method, status, ms);
          }
        }
        if (span) {
          span.setAttribute('dapr.status_code', status);
          if (grpc ? status !== 0 : status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
      });
      return Continue;
    },
  };
}
