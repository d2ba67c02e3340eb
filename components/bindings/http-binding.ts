/**
 * bindings.http (output): one HTTP request per invocation to `url` + request metadata `path`.
 * Operations: create (= POST), get, head, post, put, patch, delete, options, trace.
 * Request metadata keys that start with an upper-case letter are sent as headers (daprd's rule),
 * plus traceparent/tracestate. Response metadata: statusCode, status and the response headers.
 * A status outside 2xx fails the invocation unless metadata errorIfNot2XX is "false".
 * Metadata: url (required), errorIfNot2XX, responseTimeout (Go duration).
 */
import { request } from 'undici';
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { parseDurationMs } from '../state/common/duration';
import { BindingError, boolMeta, type BindingInvokeRequest, type BindingInvokeResponse, type OutputBinding } from './contract';

const OPS = ['create', 'get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace'] as const;
type Verb = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'TRACE';

export class HttpBinding implements OutputBinding {
  private readonly base: string;
  private readonly errorIfNot2XX: boolean;
  private readonly timeoutMs: number;

  constructor(component: ResolvedComponent) {
    this.base = component.metadata.url ?? '';
    this.errorIfNot2XX = boolMeta(component.metadata.errorIfNot2XX, true);
    this.timeoutMs = parseDurationMs(component.metadata.responseTimeout, 0);
  }

  async init(): Promise<void> {
    if (!this.base) throw new Error('http binding: required metadata "url" is missing');
    new URL(this.base);
  }

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {}

  operations(): readonly string[] {
    return OPS;
  }

  async invoke(req: BindingInvokeRequest): Promise<BindingInvokeResponse> {
    const verb = (req.operation === 'create' ? 'POST' : req.operation.toUpperCase()) as Verb;
    const path = req.metadata.path ?? '';
    const url = this.base.replace(/\/+$/, '') + (path ? (path.startsWith('/') ? path : `/${path}`) : '');
    const headers: Record<string, string> = { accept: 'application/json; charset=utf-8' };
    const hasBody = req.data.length > 0 && verb !== 'GET' && verb !== 'HEAD';
    if (hasBody) headers['content-type'] = 'application/json; charset=utf-8';
    for (const [k, v] of Object.entries(req.metadata)) {
      if (/^[A-Z]/.test(k) || k === 'traceparent' || k === 'tracestate') headers[k] = v;
    }
    const res = await request(url, {
      method: verb,
      headers,
      ...(hasBody ? { body: req.data } : {}),
      ...(this.timeoutMs > 0 ? { headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs } : {}),
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    const metadata: Record<string, string> = { statusCode: String(res.statusCode), status: `${res.statusCode}` };
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) metadata[k] = Array.isArray(v) ? v[0] ?? '' : v;
    if (this.errorIfNot2XX && (res.statusCode < 200 || res.statusCode > 299)) {
      throw new BindingError(`received status code ${res.statusCode}`);
    }
    return { data: body, metadata };
  }
}

export const httpBindingDriver: ComponentDriver<HttpBinding> = {
  types: ['bindings.http'],
  versions: ['v1'],
  create: (c) => new HttpBinding(c),
};
