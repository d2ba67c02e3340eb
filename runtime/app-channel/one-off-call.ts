/**
 * One buffered HTTP/1.1 request on its own connection, with node:http (or node:https). The app
 * channel uses it for the reads the sidecar makes once at start-up (GET /dapr/config,
 * GET /dapr/subscribe), so an app that is never called does not cost the pooled client (undici)
 * and its memory. Transport failures become a DaprError via `onError`.
 */
import http from 'node:http';
import https from 'node:https';
import type { DaprError } from '../../errors/dapr-error';
import type { UnaryInvokeResponse } from '../../api/invoke/contract';

export interface OneOffTarget {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

export interface OneOffRequest {
  readonly path: string;
  readonly query: string;
  readonly verb: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export function oneOffCall(target: OneOffTarget, req: OneOffRequest, onError: (err: Error) => DaprError): Promise<UnaryInvokeResponse | DaprError> {
  return new Promise((resolve) => {
    const withBody = req.body.length > 0 || (req.verb !== 'GET' && req.verb !== 'HEAD');
    const headers: Record<string, string> = { ...req.headers, connection: 'close' };
    if (withBody) headers['content-length'] = String(req.body.length);
    const options: https.RequestOptions = {
      host: target.host, port: target.port, method: req.verb, path: req.query ? `${req.path}?${req.query}` : req.path, headers, agent: false,
      // Like the pooled channel: local HTTPS apps usually have self-signed certificates.
      ...(target.protocol === 'https' ? { rejectUnauthorized: false } : {}),
    };
    const r = (target.protocol === 'https' ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => resolve(onError(err)));
      res.on('end', () => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = v;
        const ct = res.headers['content-type'];
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks), ...(typeof ct === 'string' ? { contentType: ct } : {}) });
      });
    });
    r.on('error', (err) => resolve(onError(err)));
    r.end(withBody ? req.body : undefined);
  });
}
