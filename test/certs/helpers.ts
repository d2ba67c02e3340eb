/** Shared helpers for the certs tests: temp dirs, a real mTLS echo server and client. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { EventEmitter } from 'node:events';
import { peerIdentityFromCertificate, type PeerIdentityResult } from '../../certs/spiffe';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outrigger-certs-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface EchoServer {
  server: tls.Server;
  port: number;
  /** Identities of clients that completed the handshake, in order. */
  peers: PeerIdentityResult[];
  /** Handshake failures seen by the server. */
  clientErrors: Error[];
  close(): Promise<void>;
}

/** A TLS server that answers each authenticated client with "hello <client spiffe id>\n". */
export async function startEchoServer(options: tls.TlsOptions): Promise<EchoServer> {
  const peers: PeerIdentityResult[] = [];
  const clientErrors: Error[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(options, (socket) => {
    const peer = peerIdentityFromCertificate(socket.getPeerCertificate());
    peers.push(peer);
    socket.end(`hello ${peer.ok ? peer.identity.spiffeId : peer.reason}\n`);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (e) => clientErrors.push(e));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    peers,
    clientErrors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type ClientOutcome = { ok: true; greeting: string; serverCert: tls.PeerCertificate } | { ok: false; error: string };

/** Connects with TLS and waits for the server's greeting (sent only after a full handshake). */
export function tlsRoundTrip(port: number, options: tls.ConnectionOptions): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    let data = '';
    let serverCert: tls.PeerCertificate | undefined;
    let settled = false;
    const done = (o: ClientOutcome): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(o);
    };
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => (serverCert = socket.getPeerCertificate()));
    socket.on('data', (d: string) => (data += d));
    socket.on('end', () => {
      if (data.startsWith('hello ') && serverCert) done({ ok: true, greeting: data.trim(), serverCert });
      else done({ ok: false, error: 'closed without greeting' });
    });
    socket.on('error', (e) => done({ ok: false, error: e.message }));
    socket.on('close', () => done({ ok: false, error: data ? `unexpected reply ${data}` : 'closed without greeting' }));
  });
}

/** Plain TCP: sends bytes and reports what came back before the server closed. */
export function plainRoundTrip(port: number): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
    s.on('error', () => undefined);
    s.on('close', () => resolve(data));
  });
}

/** Resolves with the next `event` payload, or rejects after `ms` (a guard, not a timing assert). */
export function nextEvent<T>(emitter: EventEmitter, event: string, ms = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' event within ${ms} ms`));
    }, ms);
    const on = (v: T): void => {
      clearTimeout(t);
      resolve(v);
    };
    emitter.once(event, on);
  });
}
