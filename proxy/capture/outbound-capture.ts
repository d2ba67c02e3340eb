/**
 * The outbound capture listener (iptables REDIRECT target of the app's outbound TCP).
 *  - HTTP/1.1 whose Host names a mesh app (see host-app-id.ts and `isMeshApp`) becomes an
 *    invocation of that app: `invoke(ex, appId)` runs it through the sidecar's filter chain and
 *    the sidecar-to-sidecar channel (mTLS when enabled).
 *  - Other HTTP/1.1 requests are relayed, per request, to the connection's original destination.
 *  - Anything else (TLS, h2c, server-first or binary protocols) is relayed as TCP to the original
 *    destination, read from connection tracking (original-dst.ts).
 */
import type http from 'node:http';
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
import { originalDestination, type OriginalDstResult, type SocketTuple } from './original-dst';
import { sniff } from './sniff';
import { passthrough } from './tcp-passthrough';
import { appIdFromHost } from './host-app-id';
import { createCaptureServer, type CaptureServer } from './capture-server';

export interface OutboundCaptureOptions {
  /** 127.0.0.1 suffices: locally generated traffic is redirected to the loopback address. */
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly maxHeaderSize: number;
  /** How long to wait for the client's first bytes before treating it as server-first TCP. */
  readonly sniffTimeoutMs: number;
  readonly pools: UpstreamPools;
  /** Routes a captured request to a mesh app through the sidecar (see capture-adapters.ts). */
  readonly invoke: (ex: Exchange, appId: string) => void;
  /** True when the name resolver knows the app id (else the original destination is used). */
  readonly isMeshApp: (appId: string) => Promise<boolean>;
  /** Ports that must never be dialed back (the capture ports): a loop guard. */
  readonly selfPorts: readonly number[];
  readonly originalDst?: (socket: SocketTuple) => Promise<OriginalDstResult>;
}

export const LISTENER_OUTBOUND = 'outbound-capture';

const upstreamFailed = (why: string) => daprError(502, 'ERR_UPSTREAM', `original destination unreachable: ${why}`, GrpcCode.UNAVAILABLE);

export function createOutboundCapture(opts: OutboundCaptureOptions): CaptureServer & { start(): Promise<number> } {
  const findDst = opts.originalDst ?? originalDestination;
  const dstOf = new WeakMap<net.Socket, Promise<OriginalDstResult>>();
  const lookup = (socket: net.Socket): Promise<OriginalDstResult> => {
    let p = dstOf.get(socket);
    if (!p) dstOf.set(socket, (p = findDst(socket)));
    return p;
  };
  const looped = (port: number, host: string): boolean => opts.selfPorts.includes(port) && (host === '127.0.0.1' || host === '::1');

  const onSocket = (socket: net.Socket, h1: http.Server): void => {
    void lookup(socket); // conntrack is read while we wait for the first bytes
    void sniff(socket, opts.sniffTimeoutMs).then(async (kind) => {
      if (kind === 'closed') return socket.destroy();
      if (kind === 'http1') {
        h1.emit('connection', socket);
        socket.resume();
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

  const server = createCaptureServer(opts.maxHeaderSize, opts.logger, onSocket, onRequest);
  return { ...server, start: () => server.listen(opts.host, opts.port) };
}
