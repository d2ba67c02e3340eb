/**
 * Lean unary gRPC client for the load generator, on node:http2 (grpc-js costs several times more
 * CPU per call, and the generator shares its CPU with the app). `connections` HTTP/2 sessions,
 * round-robin; one length-prefixed message each way; status from grpc-status (trailers, or
 * headers for trailers-only answers). The gRPC apps themselves are grpc-js servers.
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import type { GrpcTargetSpec } from './types';
import type { Requester } from './requester';

const GRPC_OK = '0';

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = 0;
  out.writeUInt32BE(payload.length, 1);
  payload.copy(out, 5);
  return out;
}

export function grpcH2Requester(t: GrpcTargetSpec, connections: number, timeoutMs: number, expectBytes: number): Requester {
  const sessions: ClientHttp2Session[] = [];
  const open = (i: number): ClientHttp2Session => {
    const s = sessions[i];
    if (s && !s.closed && !s.destroyed) return s;
    const fresh = connect(`http://127.0.0.1:${t.port}`);
    fresh.on('error', () => undefined); // surfaced per stream
    sessions[i] = fresh;
    return fresh;
  };
  const body = frame(Buffer.from('ping'));
  const headers = {
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: t.method,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...t.metadata,
  };
  let next = 0;
  return {
    send() {
      return new Promise((resolve) => {
        let bytes = 0;
        let status: string | undefined;
        let message = '';
        const take = (h: IncomingHttpHeaders): void => {
          if (h['grpc-status'] !== undefined) {
            status = String(h['grpc-status']);
            message = decodeURIComponent(String(h['grpc-message'] ?? ''));
          }
        };
        let stream;
        try {
          stream = open(next++ % Math.max(1, connections)).request(headers);
        } catch (e) {
          resolve(`grpc transport: ${(e as Error).message}`);
          return;
        }
        stream.setTimeout(timeoutMs, () => stream.close(constants.NGHTTP2_CANCEL));
        stream.on('response', take);
        stream.on('trailers', take);
        stream.on('data', (c: Buffer) => (bytes += c.length));
        stream.on('error', (e: Error) => resolve(`grpc transport: ${e.message}`));
        stream.on('close', () => {
          if (status === undefined) resolve('grpc: no grpc-status');
          else if (status !== GRPC_OK) resolve(`grpc status ${status}: ${message.slice(0, 160)}`);
          else if (expectBytes > 0 && bytes - 5 !== expectBytes) resolve(`body ${bytes - 5} bytes, expected ${expectBytes}`);
          else resolve(undefined);
        });
        stream.end(body);
      });
    },
    async close() {
      for (const s of sessions) s?.close();
    },
  };
}
