/**
 * The sidecar-to-sidecar listener. One port serves HTTP/1.1 (invocation relays, WebSocket
 * upgrades) and HTTP/2 (gRPC proxying): plain TCP connections are told apart by the HTTP/2
 * preface; TLS connections (mTLS) by ALPN.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from '../observability/logger';
import { ReplaySocket } from '../proxy/replay-socket';
import { ConnectionDrain } from '../proxy/graceful-close';

export interface InternalListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxHeaderSize: number;
  readonly logger: Logger;
  readonly onHttp1: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  readonly onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly onHttp2: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
  /** mTLS: serve only clients whose certificate chains to the trust anchors. */
  readonly tls?: tls.TlsOptions;
}

export interface InternalListener {
  listen(): Promise<number>;
  /** Swap certificate/anchors for new handshakes (rotation); open connections are unaffected. */
  setSecureContext(options: tls.SecureContextOptions): void;
  close(graceMs: number): Promise<void>;
  inFlight(): number;
}

export function createInternalListener(opts: InternalListenerOptions): InternalListener {
  let active = 0;
  const count = (res: http.ServerResponse | http2.Http2ServerResponse): void => {
    active++;
    res.once('close', () => { active--; });
  };
  const h1 = http.createServer({ maxHeaderSize: opts.maxHeaderSize, keepAlive: true, requestTimeout: 0 }, (req, res) => {
    count(res);
    opts.onHttp1(req, res);
  });
  h1.keepAliveTimeout = 65_000;
  h1.on('upgrade', opts.onUpgrade);
  h1.on('clientError', (_e, socket: Duplex) => socket.destroy());
  const h2 = http2.createServer({ maxSessionMemory: 64 }, (req, res) => {
    count(res);
    opts.onHttp2(req, res);
  });
  const drain = new ConnectionDrain();
  drain.trackSessions(h2);
  const plain = (socket: net.Socket): void => {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      const isH2 = first[0] === 0x50 && (first.length < 2 || first[1] === 0x52); // "PR" of "PRI * HTTP/2.0"
      if (isH2) {
        // node:http2 consumes a real socket's handle directly; replay the sniffed bytes through JS.
        h2.emit('connection', new ReplaySocket(socket, first));
        return;
      }
      socket.unshift(first);
      h1.emit('connection', socket);
      socket.resume();
    });
  };
  const track = (socket: net.Socket): void => {
    drain.trackSocket(socket);
    socket.setNoDelay(true);
  };
  const front: net.Server = opts.tls
    ? tls.createServer({ ...opts.tls, ALPNProtocols: ['h2', 'http/1.1'] }, (socket) => {
        track(socket);
        (socket.alpnProtocol === 'h2' ? h2 : h1).emit('connection', socket);
      })
    : net.createServer((socket) => {
        track(socket);
        plain(socket);
      });
  if (opts.tls) front.on('tlsClientError', (err: Error) => opts.logger.debug('mTLS handshake refused', { error: err.message }));
  return {
    inFlight: () => active,
    setSecureContext: (options) => {
      if (front instanceof tls.Server) front.setSecureContext(options);
    },
    listen: () => new Promise((resolve, reject) => {
      front.once('error', reject);
      front.listen(opts.port, opts.host, () => {
        front.off('error', reject);
        const a = front.address();
        resolve(typeof a === 'object' && a ? a.port : opts.port);
      });
    }),
    close: (graceMs) => drain.close(front, h1, graceMs),
  };
}
