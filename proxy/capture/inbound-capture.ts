/**
 * The inbound capture listener (iptables REDIRECT target of inbound TCP). A connection whose
 * original destination port is one of the app's HTTP ports and whose first bytes are HTTP/1.1 is
 * served as HTTP: each request runs the sidecar's inbound chain (`onHttp`), whose terminal filter
 * is the app channel. Everything else is relayed as TCP to the same port on loopback, where the
 * app listens.
 */
import type http from 'node:http';
import type net from 'node:net';
import { newExchange } from '../http-listener';
import type { Exchange } from '../contracts';
import type { Logger } from '../../observability/logger';
import { originalDestination, type OriginalDstResult, type SocketTuple } from './original-dst';
import { sniff } from './sniff';
import { passthrough } from './tcp-passthrough';
import { createCaptureServer, type CaptureServer } from './capture-server';

export interface InboundCaptureOptions {
  /** 0.0.0.0: PREROUTING redirects to the address of the interface the packet came in on. */
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly maxHeaderSize: number;
  readonly sniffTimeoutMs: number;
  /** Destination ports served as HTTP through the inbound chain (the app port). */
  readonly httpPorts: readonly number[];
  /** Runs the inbound chain for one exchange (see capture-adapters.ts). */
  readonly onHttp: (ex: Exchange) => void;
  /** Where the app listens for relayed TCP (default 127.0.0.1). */
  readonly appHost?: string;
  /** Ports that must never be dialed back (the capture ports). */
  readonly selfPorts: readonly number[];
  readonly originalDst?: (socket: SocketTuple) => Promise<OriginalDstResult>;
}

export const LISTENER_INBOUND = 'inbound-capture';

export function createInboundCapture(opts: InboundCaptureOptions): CaptureServer & { start(): Promise<number> } {
  const findDst = opts.originalDst ?? originalDestination;
  const appHost = opts.appHost ?? '127.0.0.1';

  const onSocket = (socket: net.Socket, h1: http.Server): void => {
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
      }
      passthrough(socket, { host: appHost, port }, (err) => opts.logger.debug('inbound passthrough failed', { port, error: err.message }));
    });
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    opts.onHttp(newExchange(LISTENER_INBOUND, req, res));
  };

  const server = createCaptureServer(opts.maxHeaderSize, opts.logger, onSocket, onRequest);
  return { ...server, start: () => server.listen(opts.host, opts.port) };
}
