/**
 * Small helpers the HTTP heads of the building blocks share: bounded body reading and JSON replies.
 */
import type { Exchange, ResponseLike } from '../proxy/contracts';
import { Errors } from '../errors/codes';
import type { DaprError } from '../errors/dapr-error';

/**
 * Reads the whole request body, refusing more than `limit` bytes (413). Resolves to a DaprError
 * value instead of rejecting, so handlers stay free of try/catch for expected failures.
 */
export function readBody(ex: Exchange, limit: number): Promise<Buffer | DaprError> {
  const req = ex.req;
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.resolve(Errors.bodyTooLarge(limit));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Buffer | DaprError): void => {
      if (done) return;
      done = true;
      resolve(v);
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        finish(Errors.bodyTooLarge(limit));
        req.resume();
        return;
      }
      if (!done) chunks.push(c);
    });
    req.on('end', () => finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', (e: Error) => finish(Errors.malformedRequest(`failed reading request body: ${e.message}`)));
  });
}

/** Parses a JSON body; a parse failure is ERR_MALFORMED_REQUEST (400). */
export function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; error: DaprError } {
  if (body.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (e) {
    return { ok: false, error: Errors.malformedRequest(`failed to parse JSON body: ${(e as Error).message}`) };
  }
}

export function sendJson(res: ResponseLike, status: number, value: unknown, headers?: Record<string, string>): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendRaw(res: ResponseLike, status: number, body: Buffer | string, headers?: Record<string, string>): void {
  res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendNoContent(res: ResponseLike, headers?: Record<string, string>): void {
  res.writeHead(204, headers);
  res.end();
}

/** Query parameters `metadata.<k>=<v>` become request metadata `<k>` (first value wins). */
export function metadataFromQuery(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!query) return out;
  for (const [k, v] of new URLSearchParams(query)) {
    if (k.startsWith('metadata.')) {
      const key = k.slice('metadata.'.length);
      if (!(key in out)) out[key] = v;
    }
  }
  return out;
}

/**
 * Field lookup with Go encoding/json's rule: an exact key wins, else the first key that matches
 * case-insensitively (daprd accepts `entryID` for `entryId`, and SDKs rely on it).
 */
export function goField(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}
