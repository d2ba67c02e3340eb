/**
 * The outbound capture listener (iptables REDIRECT target of the app's outbound TCP).
 *  - HTTP/1.1 whose Host names a mesh app (see host-app-id.ts and `isMeshApp`) becomes an
 *    invocation of that app: `invoke(ex, appId)` runs it through the sidecar's filter chain and
 *    the sidecar-to-sidecar channel (mTLS when enabled).
 *  - Other HTTP/1.1 requests are relayed, per request, to the connection's original destination.
 *  - HTTP/2 with prior knowledge (h2c, e.g. a gRPC client calling `orders:50051`) is served by an
 *    internal HTTP/2 server: each gRPC stream whose :authority names a mesh app becomes a gRPC
 *    invocation of that app (`invokeGrpc`: the sidecar's gRPC proxy path, as if the app had called
 *    the sidecar with `dapr-app-id` metadata); every other stream is relayed to the original
 *    destination over one upstream HTTP/2 session per captured connection.
 *  - Anything else (TLS, server-first or binary protocols) is relayed as TCP to the original
 *    destination, read from connection tracking (original-dst.ts).
 */
import type http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { newExchange } from '../http-listener';
import { normalisePath } from '../path';
import { sendLocalReply } from '../local-reply';
import { forwardableHeaders } from '../headers';
import { relay } from '../upstream/relay';
import type { UpstreamPools } from '../upstream/pools';
import type { Exchange } from '../contracts';
import { Errors } from '../../errors/codes';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import type { Logger } from '../../observability/logger';
import { canonicalAddress, originalDestination, type OriginalDstResult, type SocketTuple } from './original-dst';
import { sniff } from './sniff';
import { passthrough } from './tcp-passthrough';
import { appIdFromHost } from './host-app-id';
import { createCaptureServer, type CaptureServer, type ListenAddress, type ListenResult } from './capture-server';
import { relayH2Stream } from './h2-passthrough';

/** Routes one captured gRPC stream to a mesh app through the sidecar (see capture-adapters.ts). */
export type GrpcInvoke = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, appId: string) => void;

export interface OutboundCaptureOptions {
  /** Loopback of each family: REDIRECT sends locally generated IPv4 to 127.0.0.1, IPv6 to ::1. */
  readonly addresses: readonly ListenAddress[];
  readonly port: number;
  readonly logger: Logger;
  readonly maxHeaderSize: number;
  /** How long to wait for the client's first bytes before treating it as server-first TCP. */
  readonly sniffTimeoutMs: number;
  readonly pools: UpstreamPools;
  /** Routes a captured request to a mesh app through the sidecar (see capture-adapters.ts). */
  readonly invoke: (ex: Exchange, appId: string) => void;
  /** Routes a captured gRPC stream to a mesh app; absent: h2c connections are relayed as TCP. */
  readonly invokeGrpc?: GrpcInvoke;
  /** True when the name resolver knows the app id (else the original destination is used). */
  readonly isMeshApp: (appId: string) => Promise<boolean>;
  /** Ports that must never be dialed back (the capture ports): a loop guard. */
  readonly selfPorts: readonly number[];
  readonly originalDst?: (socket: SocketTuple) => Promise<OriginalDstResult>;
}

export const LISTENER_OUTBOUND = 'outbound-capture';

const upstreamFailed = (why: string) => daprError(502, 'ERR_UPSTREAM', `original destination unreachable: ${why}`, GrpcCode.UNAVAILABLE);

const LOOPBACKS: ReadonlySet<string> = new Set(['127.0.0.1', '::1'].map(canonicalAddress));

const isGrpc = (h: http2.IncomingHttpHeaders): boolean => (h['content-type'] ?? '').startsWith('application/grpc');

export function createOutboundCapture(opts: OutboundCaptureOptions): CaptureServer & { start(): Promise<ListenResult> } {
  const findDst = opts.originalDst ?? originalDestination;
  const dstOf = new WeakMap<net.Socket, Promise<OriginalDstResult>>();
  const lookup = (socket: net.Socket): Promise<OriginalDstResult> => {
    let p = dstOf.get(socket);
    if (!p) dstOf.set(socket, (p = findDst(socket)));
    return p;
  };
  // Conntrack prints IPv6 expanded, so compare canonical forms.
  const looped = (port: number, host: string): boolean => opts.selfPorts.includes(port) && LOOPBACKS.has(canonicalAddress(host));

  const onSocket = (socket: net.Socket, h1: http.Server, h2: http2.Http2Server): void => {
    void lookup(socket); // conntrack is read while we wait for the first bytes
    void sniff(socket, opts.sniffTimeoutMs).then(async (kind) => {
      if (kind === 'closed') return socket.destroy();
      if (kind === 'http1') {
        h1.emit('connection', socket);
        socket.resume();
        return;
      }
      if (kind === 'h2' && opts.invokeGrpc) {
        h2.emit('connection', socket); // the session reads the preface bytes sniffing put back
        return;
      }
      const dst = await lookup(socket);
      if (!dst.ok || looped(dst.dst.port, dst.dst.host)) {
        opts.logger.warn('captured connection dropped', { reason: dst.ok ? 'destination is the capture listener' : dst.reason });
        return socket.destroy();
      }
      passthrough(socket, dst.dst, (err) => opts.logger.debug('passthrough failed', { dst: `${dst.dst.host}:${dst.dst.port}`, error: err.message }));
    });
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const ex = newExchange(LISTENER_OUTBOUND, req, res);
    const appId = appIdFromHost(req.headers.host);
    void (appId ? opts.isMeshApp(appId) : Promise.resolve(false)).then(async (mesh) => {
      const norm = normalisePath(ex.path);
      if (!norm.ok) return sendLocalReply(ex, Errors.badPath(norm.reason));
      if (mesh && appId) {
        ex.path = norm.path;
        return opts.invoke(ex, appId);
      }
      const dst = await lookup(req.socket);
      if (!dst.ok) return sendLocalReply(ex, upstreamFailed(dst.reason));
      if (looped(dst.dst.port, dst.dst.host)) return sendLocalReply(ex, upstreamFailed('destination is the capture listener'));
      const h = dst.dst.host.includes(':') ? `[${dst.dst.host}]` : dst.dst.host;
      const query = ex.query ? `?${ex.query}` : '';
      return relay(opts.pools.get(`http://${h}:${dst.dst.port}`), ex, {
        path: ex.path + query, method: ex.method, headers: forwardableHeaders(ex.headers), body: req,
        onError: (err) => upstreamFailed(err.message),
      });
    }, (err: unknown) => sendLocalReply(ex, Errors.internal(`capture: ${(err as Error).message}`)));
  };

  // HTTP/2: the original destination of a session is that of its connection (session.socket
  // forwards the address fields); one upstream session per captured session, closed with it.
  const sessionDst = new WeakMap<http2.Http2Session, Promise<OriginalDstResult>>();
  const upstreams = new WeakMap<http2.Http2Session, http2.ClientHttp2Session>();
  const dstOfSession = (session: http2.Http2Session): Promise<OriginalDstResult> => {
    let p = sessionDst.get(session);
    if (!p) sessionDst.set(session, (p = findDst(session.socket)));
    return p;
  };
  const upstreamFor = (session: http2.Http2Session, origin: string): http2.ClientHttp2Session => {
    let up = upstreams.get(session);
    if (up && !up.closed && !up.destroyed) return up;
    up = http2.connect(origin);
    up.on('error', (err) => opts.logger.debug('original destination HTTP/2 session error', { origin, error: err.message }));
    const created = up;
    session.once('close', () => created.close());
    upstreams.set(session, up);
    return up;
  };
  const h2Failed = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, why: string): void => {
    if (res.stream.destroyed) return;
    sendLocalReply({ protocol: isGrpc(req.headers) ? 'grpc' : 'http', res }, upstreamFailed(why));
  };

  const onH2Request = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void => {
    const appId = appIdFromHost(req.headers[':authority'] ?? req.headers.host);
    // gRPC only: the gRPC proxy path forwards gRPC; other h2c streams keep their destination.
    const candidate = appId !== undefined && isGrpc(req.headers) ? appId : undefined;
    void (candidate ? opts.isMeshApp(candidate) : Promise.resolve(false)).then(async (mesh) => {
      if (mesh && candidate && opts.invokeGrpc) return opts.invokeGrpc(req, res, candidate);
      const session = req.stream.session;
      if (!session) return h2Failed(req, res, 'connection closed');
      const dst = await dstOfSession(session);
      if (!dst.ok) return h2Failed(req, res, dst.reason);
      if (looped(dst.dst.port, dst.dst.host)) return h2Failed(req, res, 'destination is the capture listener');
      const h = dst.dst.host.includes(':') ? `[${dst.dst.host}]` : dst.dst.host;
      relayH2Stream(req, res, upstreamFor(session, `http://${h}:${dst.dst.port}`), (why) => h2Failed(req, res, why));
    }, (err: unknown) => h2Failed(req, res, `capture: ${(err as Error).message}`));
  };

  const server = createCaptureServer(opts.maxHeaderSize, opts.logger, onSocket, onRequest, onH2Request);
  return { ...server, start: () => server.listen(opts.addresses, opts.port) };
}
