/**
 * The SPIFFE id of a request's client certificate on an https listener with client_validation:
 * the URI SAN starting with spiffe://, and only when the TLS handshake verified the chain against
 * the listener's ca_file (an unverified certificate proves nothing).
 */
import { X509Certificate } from 'node:crypto';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Exchange } from '../proxy/contracts';
import { uriSans } from '../certs/spiffe';

function tlsSocketOf(ex: Exchange): TLSSocket | undefined {
  const req = ex.req;
  const socket = req.httpVersionMajor === 2 ? (req as Http2ServerRequest).stream?.session?.socket : req.socket;
  return socket && typeof (socket as TLSSocket).getPeerCertificate === 'function' ? (socket as TLSSocket) : undefined;
}

export function clientSpiffeId(ex: Exchange): string | undefined {
  const socket = tlsSocketOf(ex);
  if (!socket?.authorized) return undefined;
  const raw = socket.getPeerCertificate()?.raw;
  if (!raw || raw.length === 0) return undefined;
  try {
    return uriSans(new X509Certificate(raw)).find((u) => u.startsWith('spiffe://'));
  } catch {
    return undefined;
  }
}
