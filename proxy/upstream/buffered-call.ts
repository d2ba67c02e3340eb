/**
 * A buffered request through an undici dispatcher (gRPC InvokeService, runtime calls to the app):
 * the whole response body is read. Transport failures become a DaprError via `onError`.
 */
import type { Dispatcher } from 'undici';
import type { DaprError } from '../../errors/dapr-error';
import type { UnaryInvokeResponse } from '../../api/invoke/contract';

export interface BufferedRequest {
  readonly path: string;
  readonly query: string;
  readonly verb: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export async function bufferedCall(dispatcher: Dispatcher, req: BufferedRequest, onError: (err: Error) => DaprError): Promise<UnaryInvokeResponse | DaprError> {
  try {
    const res = await dispatcher.request({
      path: req.query ? `${req.path}?${req.query}` : req.path,
      method: req.verb as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body.length > 0 || (req.verb !== 'GET' && req.verb !== 'HEAD') ? req.body : null,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = v;
    const ct = res.headers['content-type'];
    return { status: res.statusCode, headers, body, ...(typeof ct === 'string' ? { contentType: ct } : {}) };
  } catch (err) {
    return onError(err as Error);
  }
}
