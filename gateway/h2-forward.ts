/**
 * Forwarding to an h2c cluster (HTTP/2 prior knowledge; h2 over TLS when the cluster has tls).
 * One HTTP/2 session per endpoint, shared by every stream (proxy/grpc/upstream-sessions.ts).
 *  - gRPC calls (downstream HTTP/2, application/grpc) go through the shared gRPC relay
 *    (proxy/grpc/grpc-relay.ts): all four streaming kinds, headers and trailers (grpc-status,
 *    grpc-message, details) unchanged, cancellation both ways; failures are gRPC statuses.
 *  - Other HTTP requests (from HTTP/1.1 or HTTP/2 clients) are relayed as one HTTP/2 stream.
 * The route timeout covers the whole call: before a response it answers 504 /
 * DEADLINE_EXCEEDED; after, it resets the stream (set timeout: 0 for long-lived streams).
 * Retries do not apply here (a stream is not buffered).
 */
import http2, { type Http2ServerResponse, type OutgoingHttpHeaders } from 'node:http2';
import { pipeline, type Readable } from 'node:stream';
import type { Exchange } from '../proxy/contracts';
import { sendLocalReply } from '../proxy/local-reply';
import { relayGrpc } from '../proxy/grpc/grpc-relay';
import type { UpstreamSessions } from '../proxy/grpc/upstream-sessions';
import { daprError, GrpcCode, type DaprError } from '../errors/dapr-error';
import type { Logger } from '../observability/logger';
import type { Cluster, UpstreamPick } from './clusters';
import type { GatewayStats } from './stats';

const { NGHTTP2_CANCEL } = http2.constants;
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'http2-settings']);

export interface H2Request {
  readonly cluster: Cluster;
  readonly pick: UpstreamPick;
  /** Upstream :path (prefix, rewrite and query applied). */
  readonly path: string;
  readonly authority: string;
  /** Forwardable request headers (no hop-by-hop, no pseudo headers), gateway headers added. */
  readonly headers: Record<string, string | string[]>;
  /** 0: none. */
  readonly timeoutMs: number;
  readonly timedOut: DaprError;
  readonly upstreamError: (why: string) => DaprError;
}

export interface H2Deps {
  readonly sessions: UpstreamSessions;
  readonly stats: GatewayStats;
  readonly logger: Logger;
}

function grpcStatusOf(res: Http2ServerResponse): string {
  const stream = res.stream as { sentTrailers?: Record<string, unknown>; sentHeaders?: Record<string, unknown> } | undefined;
  const v = stream?.sentTrailers?.['grpc-status'] ?? stream?.sentHeaders?.['grpc-status'];
  return v === undefined ? '' : String(v);
}

function upstreamHeaders(r: H2Request, method: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {
    ':method': method,
    ':scheme': r.cluster.tls ? 'https' : 'http',
    ':path': r.path,
    ':authority': r.authority,
  };
  for (const [k, v] of Object.entries(r.headers)) if (k !== 'host') out[k] = v;
  return out;
}

export function forwardH2(ex: Exchange, r: H2Request, deps: H2Deps): void {
  const { cluster, pick } = r;
  const session = deps.sessions.get({ host: pick.host, port: pick.port, ...(cluster.tls ? { tls: { servername: pick.host } } : {}) });
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  if (ex.protocol === 'grpc') {
    const res = ex.res as Http2ServerResponse;
    const headers = upstreamHeaders(r, 'POST');
    headers.te = 'trailers';
    if (r.timeoutMs > 0) {
      timer = setTimeout(() => {
        deps.stats.upstreamFailure(cluster.name, 'timeout');
        if (!res.stream.headersSent) sendLocalReply(ex, r.timedOut);
        else if (!res.stream.destroyed) res.stream.close(NGHTTP2_CANCEL);
      }, r.timeoutMs);
    }
    res.once('close', () => {
      clearTimeout(timer);
      pick.release();
      deps.stats.upstream(cluster.name, grpcStatusOf(res) || 'reset', performance.now() - started);
    });
    relayGrpc({ res, session, headers, targetAppId: cluster.name, logger: deps.logger });
    return;
  }

  const hasBody = ex.method !== 'GET' && ex.method !== 'HEAD' && (ex.headers['content-length'] !== '0' || ex.headers['transfer-encoding'] !== undefined || ex.req.httpVersionMajor === 2);
  let upstream: http2.ClientHttp2Stream;
  try {
    upstream = session.request(upstreamHeaders(r, ex.method), { endStream: !hasBody });
  } catch (err) {
    pick.release();
    deps.stats.upstreamFailure(cluster.name, 'connect_failure');
    return sendLocalReply(ex, r.upstreamError((err as Error).message));
  }
  let status = 0;
  const done = (): void => {
    clearTimeout(timer);
    pick.release();
    deps.stats.upstream(cluster.name, status || 'reset', performance.now() - started);
  };
  ex.res.once('close', () => {
    if (!upstream.destroyed) upstream.close(NGHTTP2_CANCEL);
  });
  if (r.timeoutMs > 0) {
    timer = setTimeout(() => {
      deps.stats.upstreamFailure(cluster.name, 'timeout');
      upstream.close(NGHTTP2_CANCEL);
      if (!ex.res.headersSent) sendLocalReply(ex, r.timedOut);
      else ex.res.destroy();
    }, r.timeoutMs);
  }
  if (hasBody) pipeline(ex.req as Readable, upstream, () => undefined);
  upstream.on('response', (h) => {
    status = Number(h[':status']);
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(h)) if (v !== undefined && k[0] !== ':' && !HOP.has(k)) out[k] = v as string | string[];
    if (ex.res.headersSent || ex.res.destroyed) return;
    ex.res.writeHead(status, out);
    pipeline(upstream, ex.res as NodeJS.WritableStream, () => undefined);
  });
  upstream.on('trailers', (t) => {
    if (ex.req.httpVersionMajor !== 2) return; // HTTP/1.1 replies here are not chunked with trailers
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(t)) if (v !== undefined && k[0] !== ':') out[k] = String(v);
    (ex.res as Http2ServerResponse).addTrailers(out);
  });
  upstream.on('error', (err) => {
    deps.logger.debug('h2c upstream stream error', { cluster: cluster.name, error: err.message });
  });
  upstream.on('close', () => {
    done();
    if (status === 0 && !ex.res.headersSent && !ex.res.destroyed) {
      deps.stats.upstreamFailure(cluster.name, 'connect_failure');
      sendLocalReply(ex, r.upstreamError(`stream closed before a response (code ${upstream.rstCode})`));
    }
  });
}

/** gRPC to a cluster that only speaks HTTP/1.1: a gRPC status, never an HTTP body. */
export const grpcNeedsH2c = (cluster: string): DaprError =>
  daprError(502, 'ERR_GATEWAY_PROTOCOL', `cluster ${cluster} speaks HTTP/1.1; gRPC needs protocol: h2c`, GrpcCode.UNIMPLEMENTED);
