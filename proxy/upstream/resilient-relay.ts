/**
 * The upstream call used when a resiliency policy applies: one attempt is sent with undici's
 * request() so its status can be judged BEFORE anything is written to the client; a retriable
 * answer is drained and dropped, the final one is committed (head, then the body streamed with
 * backpressure). Buffering rule: a request body is replayable only when it is held in memory —
 * callers buffer bodies whose declared Content-Length is at most RETRY_BUFFER_LIMIT; chunked or
 * larger bodies are streamed once (timeout and circuit breaker still apply, retries do not).
 */
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { Exchange, RequestLike } from '../contracts';

/** Largest request body (bytes, declared by Content-Length) buffered so that it can be retried. */
export const RETRY_BUFFER_LIMIT = 1024 * 1024;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'proxy-authenticate']);

export interface AttemptRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | Readable | null;
  readonly signal?: AbortSignal | undefined;
}

export type AttemptResult =
  | { readonly kind: 'response'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Readable & { dump?: () => Promise<void> } }
  | { readonly kind: 'error'; readonly error: Error };

/** Sends one attempt; transport errors are values. */
export async function sendAttempt(dispatcher: Dispatcher, req: AttemptRequest): Promise<AttemptResult> {
  try {
    const res = await dispatcher.request({
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return { kind: 'response', status: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: res.body };
  } catch (err) {
    return { kind: 'error', error: err as Error };
  }
}

/** Drops an attempt's answer (its body is drained so the connection is reused). */
export function discardAttempt(r: AttemptResult): void {
  if (r.kind === 'response') void (r.body.dump ? r.body.dump() : Promise.resolve(r.body.resume())).catch(() => undefined);
}

/** Writes the final answer to the client. Resolves when the response is finished or cut. */
export function commitAttempt(ex: Exchange, r: Extract<AttemptResult, { kind: 'response' }>): Promise<void> {
  const res = ex.res;
  const conn = r.headers.connection;
  const listed = conn ? new Set(String(conn).split(',').map((t) => t.trim().toLowerCase())) : undefined;
  const out: OutgoingHttpHeaders = {};
  for (const name in r.headers) {
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    const v = r.headers[name];
    if (v !== undefined) out[name] = v;
  }
  res.writeHead(r.status, out);
  if (typeof (res as { flushHeaders?: () => void }).flushHeaders === 'function') (res as { flushHeaders: () => void }).flushHeaders();
  return new Promise((resolve) => {
    pipeline(r.body, res as NodeJS.WritableStream, () => resolve());
  });
}

/** Reads a request body of known, bounded length into memory (for replay on retry). */
export function bufferBody(req: RequestLike, limit: number): Promise<Buffer | Error> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const r = req as Readable;
    r.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        r.destroy();
        resolve(new Error(`request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    r.once('end', () => resolve(Buffer.concat(chunks, size)));
    r.once('error', (err) => resolve(err));
  });
}

/** True when the request body can be buffered for retries (no body, or a small declared length). */
export function replayable(req: RequestLike): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return false;
  const cl = h['content-length'];
  if (cl === undefined) return req.httpVersionMajor !== 2;
  const n = Number(cl);
  return Number.isFinite(n) && n <= RETRY_BUFFER_LIMIT;
}
