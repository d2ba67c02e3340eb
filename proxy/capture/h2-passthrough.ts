/**
 * Relays one captured HTTP/2 stream (h2c with prior knowledge, e.g. gRPC) to the connection's
 * original destination, over one upstream HTTP/2 session per captured connection. Protocol-neutral:
 * the request and response headers, DATA and trailers cross unchanged (minus connection-specific
 * fields), a trailers-only response stays trailers-only, a reset by the destination resets the
 * caller's stream with the same code and a caller's reset cancels the upstream stream. Used for outbound streams whose :authority does not name a mesh app,
 * and for captured inbound streams once the inbound filters let them through (inbound-h2.ts).
 */
import http2 from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http2';
import { forwardableHeaders } from '../headers';
import { respondOrReset } from '../local-reply';
import { resetStream } from '../http2-stream-reset';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_FLAG_END_STREAM } = http2.constants;

/** Request headers for the upstream stream: pseudo-headers kept, hop-by-hop fields dropped. */
export function h2RequestHeaders(h: http2.IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {
    ...forwardableHeaders(h),
    ':method': h[':method'] ?? 'GET',
    ':path': h[':path'] ?? '/',
    ':scheme': h[':scheme'] ?? 'http',
    ':authority': h[':authority'] ?? h.host ?? '',
  };
  if (h.te === 'trailers') out.te = 'trailers'; // gRPC requires it; the only TE value HTTP/2 allows
  return out;
}

/**
 * Relays `req`/`res` over `session`. `onFailure` answers a stream that failed before any response
 * header (the caller knows whether that should be a gRPC status or an HTTP 502).
 */
export function relayH2Stream(
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
  session: http2.ClientHttp2Session,
  onFailure: (why: string) => void,
): void {
  const downstream = res.stream;
  let up: http2.ClientHttp2Stream;
  try {
    up = session.request(h2RequestHeaders(req.headers), { endStream: false });
  } catch (err) {
    onFailure((err as Error).message);
    return;
  }
  let finished = false;
  const fail = (why: string): void => {
    if (finished) return;
    finished = true;
    if (!up.destroyed) up.close(NGHTTP2_CANCEL);
    if (!downstream.headersSent) onFailure(why);
    else resetStream(downstream, NGHTTP2_INTERNAL_ERROR);
  };

  req.pipe(up);
  let trailers: http2.IncomingHttpHeaders | undefined;
  up.on('response', (headers, flags) => {
    if (finished || downstream.destroyed) return;
    const out: OutgoingHttpHeaders = { ...forwardableHeaders(headers), ':status': Number(headers[':status']) };
    if (flags & NGHTTP2_FLAG_END_STREAM) {
      finished = true;
      respondOrReset(downstream, out, { endStream: true });
    } else {
      respondOrReset(downstream, out, { waitForTrailers: true });
      // Body only after the head: Node emits 'response' a tick after parsing HEADERS but 'data'
      // at once, and a write before respond() would make Node send a bare :status 200 itself.
      up.on('data', (chunk: Buffer) => {
        if (finished || downstream.destroyed) return;
        if (!downstream.write(chunk)) up.pause();
      });
      downstream.on('drain', () => up.resume());
    }
  });
  up.on('trailers', (t) => { trailers = t; });
  let endedCleanly = false;
  up.on('end', () => {
    if (finished) return;
    // A reset without END_STREAM ends the readable side too (before 'close'), with the code set.
    const code = up.rstCode;
    if (code) {
      finished = true;
      if (!downstream.headersSent) onFailure(`stream reset by the original destination (code ${code})`);
      else resetStream(downstream, code, { awaitingTrailers: true });
      return;
    }
    if (!downstream.headersSent) return fail('the original destination ended the stream without a response');
    finished = true;
    endedCleanly = true;
    // The compat response answers 'wantTrailers' with what addTrailers() set.
    if (trailers) res.addTrailers(forwardableHeaders(trailers));
    downstream.end();
  });
  up.on('error', (err) => fail(err.message));
  up.on('close', () => {
    const code = up.rstCode;
    if (finished) {
      // END_STREAM then RST_STREAM (what Node's close(code) sends while the caller still sends):
      // the reset follows the end on the caller's stream too, if that is still open.
      if (endedCleanly && code) resetStream(downstream, code);
      return;
    }
    finished = true;
    if (!downstream.headersSent) onFailure(`stream reset by the original destination (code ${code})`);
    else resetStream(downstream, code || NGHTTP2_INTERNAL_ERROR, { awaitingTrailers: true });
  });
  downstream.on('close', () => {
    if (finished) return;
    finished = true; // the client went away first
    if (!up.destroyed) up.close(NGHTTP2_CANCEL);
  });
}
