/**
 * The inbound capture listener (iptables REDIRECT target of inbound TCP). A connection whose
 * original destination port is one of the app's ports is served as HTTP when its first bytes say so:
 *  - HTTP/1.1: each request runs the sidecar's inbound chain (`onHttp`), whose terminal filter is
 *    the app channel;
 *  - HTTP/2 with prior knowledge (h2c, e.g. gRPC) when `onH2` is given: each stream runs the
 *    inbound filters and is relayed to the app (inbound-h2.ts).
 * Everything else is relayed as TCP to the same port on loopback, where the app listens.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import type net from 'node:net';
import { newExchange } from '../http-listener';
import { sendLocalReply } from '../local-reply';
import type { Exchange } from '../contracts';
import type { Logger } from '../../observability/logger';
import { originalDestination, type OriginalDstResult, type SocketTuple } from './original-dst';
import { sniff } from './sniff';
import { passthrough } from './tcp-passthrough';
import { createCaptureServer, type CaptureServer, type ListenAddress, type ListenResult } from './capture-server';
import type { InboundH2Handler } from './inbound-h2';
import { daprError, GrpcCode } from '../../errors/dapr-error';

export interface InboundCaptureOptions {
  /** "::" (dual-stack, falling back to 0.0.0.0): PREROUTING redirects to the address of the
   *  interface the packet came in on, of either family. */
  readonly addresses: readonly ListenAddress[];
  readonly port: number;
  readonly logger: Logger;
  readonly maxHeaderSize: number;
  readonly sniffTimeoutMs: number;
  /** Destination ports served as HTTP through the inbound chain (the app port). */
  readonly httpPorts: readonly number[];
  /** Runs the inbound chain for one exchange (see capture-adapters.ts). */
  readonly onHttp: (ex: Exchange) => void;
  /** Serves HTTP/2 (h2c) streams to those ports; absent: h2c connections are relayed as TCP. */
  readonly onH2?: InboundH2Handler;
  /** Where the app listens for relayed TCP (default 127.0.0.1). */
  readonly appHost?: string;
  /** Ports that must never be dialed back (the capture ports). */
  readonly selfPorts: readonly number[];
  readonly originalDst?: (socket: SocketTuple) => Promise<OriginalDstResult>;
}

export const LISTENER_INBOUND = 'inbound-capture';

const appUnreachable = (why: string) => daprError(502, 'ERR_UPSTREAM', `captured inbound stream not relayed: ${why}`, GrpcCode.UNAVAILABLE);

export function createInboundCapture(opts: InboundCaptureOptions): CaptureServer & { start(): Promise<ListenResult> } {
  const findDst = opts.originalDst ?? originalDestination;
  const appHost = opts.appHost ?? '127.0.0.1';

  const onSocket = (socket: net.Socket, h1: http.Server, h2: http2.Http2Server): void => {
    void findDst(socket).then(async (dst) => {
      if (!dst.ok || opts.selfPorts.includes(dst.dst.port)) {
        opts.logger.warn('inbound captured connection dropped', { reason: dst.ok ? 'destination is a capture port' : dst.reason });
        return socket.destroy();
      }
      const port = dst.dst.port;
      if (opts.httpPorts.includes(port)) {
        const kind = await sniff(socket, opts.sniffTimeoutMs);
        if (kind === 'closed') return socket.destroy();
        if (kind === 'http1') {
          h1.emit('connection', socket);
          socket.resume();
          return;
        }
        if (kind === 'h2' && opts.onH2) {
          h2.emit('connection', socket); // the session reads the preface bytes sniffing put back
          return;
        }
      }
      passthrough(socket, { host: appHost, port }, (err) => opts.logger.debug('inbound passthrough failed', { port, error: err.message }));
    });
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    opts.onHttp(newExchange(LISTENER_INBOUND, req, res));
  };

  // HTTP/2: a session's original destination is its connection's (session.socket forwards the
  // address fields), read once per session.
  const sessionDst = new WeakMap<http2.Http2Session, Promise<OriginalDstResult>>();
  const dstOfSession = (session: http2.Http2Session): Promise<OriginalDstResult> => {
    let p = sessionDst.get(session);
    if (!p) sessionDst.set(session, (p = findDst(session.socket)));
    return p;
  };
  const onH2Request = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void => {
    const session = req.stream.session;
    const reply = (why: string): void => {
      if (res.stream.destroyed) return;
      sendLocalReply({ protocol: (req.headers['content-type'] ?? '').startsWith('application/grpc') ? 'grpc' : 'http', res }, appUnreachable(why));
    };
    if (!session || !opts.onH2) return reply('connection closed');
    const handler = opts.onH2;
    void dstOfSession(session).then((dst) => {
      if (!dst.ok) return reply(dst.reason);
      if (!opts.httpPorts.includes(dst.dst.port)) return reply(`port ${dst.dst.port} is not an app port`);
      if (res.stream.destroyed) return;
      handler.handle(req, res, { host: appHost, port: dst.dst.port });
    }).catch((err: unknown) => {
      opts.logger.error('inbound capture: unexpected error', { error: (err as Error).message });
      reply('internal error');
    });
  };

  const server = createCaptureServer(opts.maxHeaderSize, opts.logger, onSocket, onRequest, onH2Request);
  return {
    ...server,
    start: () => server.listen(opts.addresses, opts.port),
    close: async (graceMs) => {
      await server.close(graceMs);
      opts.onH2?.close();
    },
  };
}
