/**
 * Local replies: the one place a DaprError becomes bytes on the wire, in the shape of the
 * listener's protocol (Dapr's JSON error body on HTTP, a trailers-only gRPC status on gRPC).
 */
import type { ServerResponse } from 'node:http';
import { constants, type Http2ServerResponse, type OutgoingHttpHeaders, type ServerHttp2Stream, type ServerStreamResponseOptions } from 'node:http2';
import { httpErrorBody, type DaprError } from '../errors/dapr-error';
import type { Protocol, ResponseLike } from './contracts';
import { grpcErrorTrailers } from './grpc-status';
import { resetStream } from './http2-stream-reset';

export function sendLocalReply(target: { protocol: Protocol; res: ResponseLike }, err: DaprError): void {
  if (target.protocol === 'grpc') sendGrpcError(target.res as Http2ServerResponse, err);
  else sendHttpError(target.res, err);
}

export function sendHttpError(res: ResponseLike, err: DaprError): void {
  if (res.headersSent) {
    // The upstream already started answering: all we can do is cut the stream.
    (res as ServerResponse).destroy?.();
    return;
  }
  const body = httpErrorBody(err);
  res.writeHead(err.status, {
    'content-type': err.plainText ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A trailers-only gRPC response: HTTP 200 and grpc-status in the HEADERS frame that ends the stream. */
export function sendGrpcError(res: Http2ServerResponse, err: DaprError): void {
  const stream = res.stream;
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    // Too late for a status: reset the stream so the client sees an error, never a success.
    resetStream(stream, constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  respondOrReset(stream, { ':status': 200, 'content-type': 'application/grpc', ...grpcErrorTrailers(err) }, { endStream: true });
}

/**
 * stream.respond() throws if the response was already initiated (two parties answering one stream,
 * or a write before respond(), which makes Node answer with a bare :status 200 on its own); on the
 * request path that must never escape as an exception, so the stream is reset instead and the
 * client sees an error, never a success. A guard: the relays answer each stream once.
 */
export function respondOrReset(stream: ServerHttp2Stream, headers: OutgoingHttpHeaders, options: ServerStreamResponseOptions): void {
  if (stream.destroyed || stream.closed) return;
  try {
    stream.respond(headers, options);
  } catch {
    resetStream(stream, constants.NGHTTP2_INTERNAL_ERROR);
  }
}
