/**
 * Request-body limits for streamed bodies (--max-body-size). A declared Content-Length over the
 * limit is refused before anything is sent upstream; a chunked body is counted as it streams and
 * cut at the limit, which aborts the upstream request and yields a 413.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { RequestLike } from './contracts';

export class BodyTooLargeError extends Error {
  readonly code = 'ERR_BODY_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

class CountingLimit extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) cb(new BodyTooLargeError(this.limit));
    else cb(null, chunk);
  }
}

export type BodyPlan =
  | { readonly ok: true; readonly body: Readable | null }
  | { readonly ok: false; readonly declared: number };

/** True when the request carries a body (RFC 9112: Content-Length or Transfer-Encoding). */
export function hasBody(req: RequestLike): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  if (cl !== undefined) return cl !== '0';
  // HTTP/2 requests may stream a body with neither header.
  return req.httpVersionMajor === 2 && !(req as { readableEnded?: boolean }).readableEnded;
}

/** Decides how to stream the request body upstream under a byte limit. */
export function planBody(req: RequestLike, limit: number): BodyPlan {
  if (!hasBody(req)) return { ok: true, body: null };
  const cl = req.headers['content-length'];
  if (cl !== undefined) {
    const declared = Number(cl);
    if (declared > limit) return { ok: false, declared };
    return { ok: true, body: req as Readable };
  }
  return { ok: true, body: (req as Readable).pipe(new CountingLimit(limit)) };
}
