/**
 * The one streaming relay for gRPC over HTTP/2, shared by the Dapr gRPC proxy (app -> sidecar ->
 * app or peer sidecar) and the internal listener (peer sidecar -> local app). It pipes request and
 * response DATA frames with backpressure, relays response headers and trailers unchanged
 * (grpc-status, grpc-message, grpc-status-details-bin), and propagates cancellation both ways:
 * a client RST/abort cancels the upstream stream, an upstream reset resets the downstream one with
 * the same code (before any response header it answers with the gRPC status that code maps to).
 * All four streaming kinds are the same bytes here.
 */
import * as http2 from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { daprError, GrpcCode, type DaprError, type GrpcCodeValue } from '../../errors/dapr-error';
import type { Logger } from '../../observability/logger';
import { replyGrpcError } from './grpc-reply';
import { respondOrReset } from '../local-reply';
import { resetStream } from '../http2-stream-reset';
import { FrameGuard, messageTooLarge } from './frame-guard';

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_FLAG_END_STREAM } = http2.constants;

/** Connection-specific fields that must never cross an HTTP/2 hop (RFC 9113 section 8.2.2). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'host', 'te', 'trailer']);

export interface UpstreamHeaderOptions {
  readonly path: string;
  readonly authority: string;
  /** Lower-case names removed (e.g. dapr-app-id, dapr-api-token). */
  readonly drop?: ReadonlySet<string>;
  /** Set after dropping (overrides incoming values). */
  readonly add?: Readonly<Record<string, string>>;
}

/** Request headers for the upstream stream: incoming metadata minus hop-by-hop and dropped fields. */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, opts: UpstreamHeaderOptions): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {
    [http2.constants.HTTP2_HEADER_METHOD]: 'POST',
    [http2.constants.HTTP2_HEADER_SCHEME]: 'http',
    [http2.constants.HTTP2_HEADER_PATH]: opts.path,
    [http2.constants.HTTP2_HEADER_AUTHORITY]: opts.authority,
  };
  for (const name in incoming) {
    if (name.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(name) || opts.drop?.has(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  out.te = 'trailers';
  if (opts.add) for (const [k, v] of Object.entries(opts.add)) out[k] = v;
  return out;
}

function copyFields(src: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in src) {
    if (name.charCodeAt(0) === 58 || HOP_BY_HOP.has(name)) continue;
    const value = src[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** ERR_DIRECT_INVOKE with the gRPC code a relay failure maps to. */
export function relayError(appId: string, why: string, code: GrpcCodeValue): DaprError {
  return daprError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: ${why}`, code);
}

/** gRPC's mapping of a non-200 HTTP status from a would-be gRPC server. */
function grpcCodeForHttpResponse(status: number): GrpcCodeValue {
  switch (status) {
    case 400: return GrpcCode.INTERNAL;
    case 401: return GrpcCode.UNAUTHENTICATED;
    case 403: return GrpcCode.PERMISSION_DENIED;
    case 404: return GrpcCode.UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return GrpcCode.UNAVAILABLE;
    default: return GrpcCode.UNKNOWN;
  }
}

function grpcCodeForReset(rstCode: number): GrpcCodeValue {
  switch (rstCode) {
    case NGHTTP2_CANCEL: return GrpcCode.CANCELLED;
    case NGHTTP2_REFUSED_STREAM: return GrpcCode.UNAVAILABLE;
    case NGHTTP2_ENHANCE_YOUR_CALM: return GrpcCode.RESOURCE_EXHAUSTED;
    default: return GrpcCode.INTERNAL;
  }
}

export interface RelayOptions {
  /**
   * The downstream (compat) response; its stream carries the request DATA and receives the reply.
   * Trailers go through res.addTrailers because the compat layer answers 'wantTrailers' itself.
   */
  readonly res: http2.Http2ServerResponse;
  readonly session: http2.ClientHttp2Session;
  /** Full upstream request headers (see upstreamRequestHeaders). */
  readonly headers: OutgoingHttpHeaders;
  /** Target app id, for error messages. */
  readonly targetAppId: string;
  /** Largest request message accepted (bytes); undefined = unchecked. */
  readonly maxMessageBytes?: number;
  readonly logger: Logger;
}

/**
 * Relays one gRPC call. Never throws; every failure becomes a gRPC status or a stream reset, and
 * the caller's stream is answered exactly once: by the upstream's head (then its trailers or its
 * reset code), or by one local gRPC status.
 */
export function relayGrpc(opts: RelayOptions): void {
  const { res, logger, targetAppId } = opts;
  const downstream = res.stream;
  // The caller may have gone away while the target was resolved or an asynchronous filter ran:
  // nothing is left to answer, and an upstream stream opened now would never be cancelled.
  if (downstream.destroyed || downstream.closed) return;
  let finished = false;
  let upstream: http2.ClientHttp2Stream;
  try {
    upstream = opts.session.request(opts.headers, { endStream: false, waitForTrailers: false });
  } catch (err) {
    replyGrpcError(res, relayError(targetAppId, (err as Error).message, GrpcCode.UNAVAILABLE));
    return;
  }

  const fail = (err: DaprError): void => {
    if (finished) return;
    finished = true;
    if (!upstream.destroyed) upstream.close(NGHTTP2_CANCEL);
    replyGrpcError(res, err);
  };

  /**
   * The upstream reset the stream (RST_STREAM `code`): before any response head the caller gets
   * the gRPC status that code maps to; after it, the same reset code (the head went out with
   * waitForTrailers, so close(code) cannot turn into a clean end).
   */
  const upstreamReset = (code: number): void => {
    if (finished) return;
    finished = true;
    if (!downstream.headersSent) {
      replyGrpcError(res, relayError(targetAppId, `stream terminated by RST_STREAM with error code: ${code}`, grpcCodeForReset(code)));
    } else {
      resetStream(downstream, code, { awaitingTrailers: true });
    }
  };

  // Request direction: client DATA -> upstream, size-checked, with backpressure.
  const guard = opts.maxMessageBytes !== undefined ? new FrameGuard(opts.maxMessageBytes) : undefined;
  downstream.on('data', (chunk: Buffer) => {
    if (finished || upstream.destroyed || upstream.writableEnded) return;
    if (guard) {
      const over = guard.check(chunk);
      if (over >= 0) return fail(messageTooLarge(over, opts.maxMessageBytes as number));
    }
    if (!upstream.write(chunk)) downstream.pause();
  });
  upstream.on('drain', () => downstream.resume());
  downstream.on('end', () => {
    if (!upstream.destroyed && !upstream.writableEnded) upstream.end();
  });

  // Response direction: headers (or trailers-only), DATA with backpressure, then trailers.
  // Node emits 'response' on process.nextTick but 'data' as soon as a DATA frame is parsed; when
  // HEADERS and DATA are parsed in one go under one callback scope (TLS between sidecars under
  // load), 'data' comes first. Writing that chunk before respond() would make Node answer the
  // caller with a bare :status 200 on its own, and the relayed head could no longer be sent. So
  // the body is read only once the head is relayed: until then it waits in the stream's buffer.
  const onData = (chunk: Buffer): void => {
    if (finished || downstream.destroyed) return;
    if (!downstream.write(chunk)) upstream.pause();
  };
  let trailers: IncomingHttpHeaders | undefined;
  upstream.on('response', (headers, flags) => {
    upstream.on('data', onData); // also drains a body nobody relays, so the stream can end
    downstream.on('drain', () => upstream.resume());
    if (finished || downstream.destroyed) return;
    const status = Number(headers[http2.constants.HTTP2_HEADER_STATUS]);
    if (status !== 200) {
      return fail(relayError(targetAppId, `unexpected HTTP status code received from server: ${status}`, grpcCodeForHttpResponse(status)));
    }
    const out = { ...copyFields(headers), [http2.constants.HTTP2_HEADER_STATUS]: 200 };
    if (flags & NGHTTP2_FLAG_END_STREAM) {
      finished = true;
      respondOrReset(downstream, out, { endStream: true });
    } else {
      respondOrReset(downstream, out, { waitForTrailers: true });
    }
  });
  upstream.on('trailers', (t) => { trailers = t; });
  upstream.on('end', () => {
    // Without a relayed head, 'close' answers (with the reset's status, or "without a response").
    if (finished || !downstream.headersSent) return;
    if (trailers) {
      finished = true;
      // The compat response owns the stream's 'wantTrailers' event and sends what addTrailers() set.
      res.addTrailers(copyFields(trailers));
      downstream.end();
      return;
    }
    if (upstream.rstCode) return upstreamReset(upstream.rstCode);
    // Ended without trailers. A reset may be right behind (Node's close(code) on a stream answered
    // without waitForTrailers sends END_STREAM first): 'close' tells. Ending our side lets the
    // upstream stream close even while the caller still sends; the call is over either way.
    if (!upstream.destroyed && !upstream.writableEnded) upstream.end();
  });

  // Failures and cancellation.
  upstream.on('error', (err) => {
    logger.debug('gRPC relay upstream error', { app_id: targetAppId, err });
    if (finished) return;
    // A reset by the peer: its code, not the error's wording, decides what the caller sees.
    if ((err as NodeJS.ErrnoException).code === 'ERR_HTTP2_STREAM_ERROR' && upstream.rstCode) return upstreamReset(upstream.rstCode);
    if (!downstream.headersSent) fail(relayError(targetAppId, err.message, GrpcCode.UNAVAILABLE));
  });
  upstream.on('close', () => {
    if (finished) return;
    const code = upstream.rstCode;
    if (code) return upstreamReset(code);
    if (!downstream.headersSent) return fail(relayError(targetAppId, 'upstream ended the stream without a response', GrpcCode.INTERNAL));
    finished = true;
    res.addTrailers({ 'grpc-status': String(GrpcCode.INTERNAL), 'grpc-message': 'upstream ended the stream without trailers' });
    downstream.end();
  });
  downstream.on('error', (err) => logger.debug('gRPC relay downstream error', { app_id: targetAppId, err }));
  downstream.on('close', () => {
    if (finished) return;
    // The client went away (RST_STREAM or connection loss) before the call completed.
    finished = true;
    if (!upstream.destroyed) upstream.close(NGHTTP2_CANCEL);
  });
}
