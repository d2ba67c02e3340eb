/**
 * An HTTP/1.1 listener: accepts connections, enforces the header-size limit (431), turns each
 * request into an Exchange and hands it to the listener's dispatcher. Tracks open connections so
 * shutdown can drain in-flight requests and close idle keep-alive sockets.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { splitTarget } from './path';
import type { Exchange } from './contracts';
import { sendHttpError } from './local-reply';
import { Errors } from '../errors/codes';
import { httpErrorBody } from '../errors/dapr-error';
import type { Logger } from '../observability/logger';

export interface HttpListenerOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Max bytes of request headers; larger requests get 431. */
  readonly maxHeaderSize: number;
  readonly logger: Logger;
  readonly onExchange: (ex: Exchange) => void;
  /** WebSocket and other upgrades. */
  readonly onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface HttpListener {
  readonly server: http.Server;
  listen(): Promise<number>;
  /** Stop accepting, let in-flight requests finish up to graceMs, then destroy what remains. */
  close(graceMs: number): Promise<void>;
  inFlight(): number;
}

export function newExchange(listener: string, req: http.IncomingMessage, res: http.ServerResponse): Exchange {
  const { path, query } = splitTarget(req.url ?? '/');
  return { listener, protocol: 'http', req, res, method: req.method ?? 'GET', path, query, headers: req.headers, startTime: process.hrtime.bigint() };
}

export function createHttpListener(opts: HttpListenerOptions): HttpListener {
  let active = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer({ maxHeaderSize: opts.maxHeaderSize, keepAlive: true, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
    active++;
    res.once('close', () => { active--; });
    opts.onExchange(newExchange(opts.name, req, res));
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.once('close', () => sockets.delete(s));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      const body = httpErrorBody(Errors.headersTooLarge(opts.maxHeaderSize));
      socket.end(`HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    if (err.code === 'ECONNRESET') return socket.destroy();
    const body = httpErrorBody(Errors.malformedRequest(`bad request: ${err.code ?? err.message}`));
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  if (opts.onUpgrade) server.on('upgrade', opts.onUpgrade);

  return {
    server,
    inFlight: () => active,
    listen: () => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : opts.port);
      });
    }),
    close: async (graceMs) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { for (const s of sockets) s.destroy(); }, graceMs);
        timer.unref();
        server.close(() => { clearTimeout(timer); resolve(); });
        server.closeIdleConnections();
        // Sockets that become idle later are closed as their responses finish.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        sweep.unref();
        server.once('close', () => clearInterval(sweep));
      });
    },
  };
}

/** Renders an error on a listener that has no Exchange yet (e.g. before routing). */
export function replyError(res: http.ServerResponse, err: Parameters<typeof sendHttpError>[1]): void {
  sendHttpError(res, err);
}
