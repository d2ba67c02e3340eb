/**
 * Relays an HTTP/1.1 Upgrade (WebSocket) handshake to an upstream through undici, then splices
 * the two sockets together. Failures before the 101 answer the client with an HTTP error.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { httpErrorBody, type DaprError } from '../errors/dapr-error';
import { forwardableHeaders } from './headers';

export interface UpgradeTarget {
  readonly dispatcher: Dispatcher;
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
}

export function rejectUpgrade(socket: Duplex, err: DaprError): void {
  const body = httpErrorBody(err);
  socket.end(`HTTP/1.1 ${err.status} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Request headers for the upstream handshake: end-to-end ones plus the upgrade token. */
export function upgradeRequestHeaders(req: IncomingMessage, drop: ReadonlySet<string>): Record<string, string | string[]> {
  const headers = forwardableHeaders(req.headers, { drop });
  delete headers.connection;
  delete headers.upgrade;
  return headers;
}

export async function relayUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: UpgradeTarget, onError: (e: Error) => DaprError): Promise<void> {
  const protocol = String(req.headers.upgrade ?? 'websocket');
  let upstream: Duplex;
  let headers: Record<string, string | string[] | undefined>;
  try {
    const r = await target.dispatcher.upgrade({ path: target.path, method: req.method as 'GET', headers: target.headers, protocol });
    upstream = r.socket;
    headers = r.headers as Record<string, string | string[] | undefined>;
  } catch (err) {
    rejectUpgrade(client, onError(err as Error));
    return;
  }
  let response = 'HTTP/1.1 101 Switching Protocols\r\n';
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) response += `${k}: ${one}\r\n`;
  }
  client.write(response + '\r\n');
  if (head.length > 0) upstream.write(head);
  upstream.pipe(client);
  client.pipe(upstream);
  const closeBoth = (): void => { upstream.destroy(); client.destroy(); };
  upstream.on('error', closeBoth);
  client.on('error', closeBoth);
  upstream.on('close', () => client.end());
  client.on('close', () => upstream.end());
}
