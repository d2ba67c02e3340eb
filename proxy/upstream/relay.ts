/**
 * Relays one exchange to an upstream through an undici dispatcher, streaming both bodies with
 * backpressure and no buffering: the request body is the incoming stream, response chunks are
 * written to the client as they arrive (so SSE and large bodies flow). Failures before the
 * response starts become a local reply; after that, the client stream is cut.
 */
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Exchange } from '../contracts';
import type { DaprError } from '../../errors/dapr-error';
import { sendLocalReply } from '../local-reply';

const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'proxy-authenticate']);

export interface RelayRequest {
  /** Path plus "?query" as sent upstream. */
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  /** The request body stream, or null for none. */
  readonly body: Readable | null;
  /** Maps a transport error into the local reply sent when no response has started. */
  readonly onError: (err: Error) => DaprError;
  /** Called with the upstream status once known (for metrics, retries, health). */
  readonly onStatus?: (status: number) => void;
  /** A failure before the response started for which this returns true is not answered: the caller retries. */
  readonly retryOnError?: (err: Error) => boolean;
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const conn = headers.connection;
  const listed = conn ? new Set(String(conn).split(',').map((t) => t.trim().toLowerCase())) : undefined;
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP_RESPONSE.has(name) || listed?.has(name)) continue;
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Resolves when the exchange is finished (successfully or not). Never rejects. */
export function relay(dispatcher: Dispatcher, ex: Exchange, req: RelayRequest): Promise<void> {
  return new Promise((resolve) => {
    const res = ex.res;
    let controller: Dispatcher.DispatchController | undefined;
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      res.off('close', onClientClose);
      resolve();
    };
    const onClientClose = (): void => {
      if (!res.writableFinished) controller?.abort(new Error('client closed the connection'));
      done();
    };
    res.on('close', onClientClose);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (finished) c.abort(new Error('client closed the connection'));
      },
      onResponseStart(c, statusCode, headers) {
        if (statusCode < 200) return;
        req.onStatus?.(statusCode);
        res.writeHead(statusCode, responseHeaders(headers));
        // Flush headers at once so streaming responses (SSE) reach the client before the first chunk.
        if (typeof (res as { flushHeaders?: () => void }).flushHeaders === 'function') (res as { flushHeaders: () => void }).flushHeaders();
        void c;
      },
      onResponseData(c, chunk) {
        if (!(res as NodeJS.WritableStream).write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        res.end();
        done();
      },
      onResponseError(_c, err) {
        if (!res.headersSent && req.retryOnError?.(err)) { done(); return; }
        if (!res.headersSent) sendLocalReply(ex, req.onError(err));
        else res.destroy(err);
        done();
      },
    };
    dispatcher.dispatch(
      { path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body },
      handler,
    );
  });
}
