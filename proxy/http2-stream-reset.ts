/**
 * Resetting a downstream (server) HTTP/2 stream with a given RST_STREAM code, shared by the relays
 * (gRPC relay, transparent-capture passthrough) so an upstream's reset reaches the caller as the
 * same code and never as a clean end.
 */
import type { ServerHttp2Stream } from 'node:http2';

export interface ResetOptions {
  /**
   * The stream was answered with `waitForTrailers` and its trailers are not sent yet. Node then
   * puts nothing on the wire when closing the writable side, so close(code) always resets.
   */
  readonly awaitingTrailers?: boolean;
}

/**
 * Resets a server stream with `code`. Node's close(code) first ends the writable side and flushes
 * what that queued before the RST_STREAM. Answered with waitForTrailers (trailers still pending),
 * that is nothing. Otherwise it is an END_STREAM: while the caller still sends, the stream stays
 * open and the RST_STREAM follows; once the caller has finished sending, that END_STREAM closes
 * the stream, the RST_STREAM is dropped and the caller would see a clean end (for gRPC: a call
 * without a status). There only destroy() still resets, and always with INTERNAL_ERROR.
 */
export function resetStream(stream: ServerHttp2Stream, code: number, opts: ResetOptions = {}): void {
  if (stream.destroyed || stream.closed) return;
  if (opts.awaitingTrailers || !stream.readableEnded) return stream.close(code);
  stream.on('error', () => undefined); // destroy(err) emits it; the reset is the whole message
  stream.destroy(new Error(`stream reset by the upstream (code ${code})`));
}
