/**
 * HTTP head of output bindings: POST|PUT /v1.0/bindings/:name {data, operation, metadata}.
 * `data` is re-serialised as JSON (a string arrives quoted, as daprd sends it); trace headers are
 * added to the metadata. 200 with the binding's bytes and `metadata.<k>` headers, or 204.
 */
import type { ApiRouteDef } from '../router';
import type { Exchange } from '../../proxy/contracts';
import { parseJson, readBody, sendNoContent, sendRaw } from '../http-util';
import { sendLocalReply } from '../../proxy/local-reply';
import { isDaprError } from '../../errors/dapr-error';
import { BindingsApi, type BindingsApiDeps } from './bindings-api';
import { BindingErrors } from './errors';

const TRACE_HEADERS = ['traceparent', 'tracestate', 'baggage'] as const;

export function bindingsRoutes(deps: BindingsApiDeps | BindingsApi, maxBodySize: number): ApiRouteDef[] {
  const api = deps instanceof BindingsApi ? deps : new BindingsApi(deps);

  const invoke = async (ex: Exchange): Promise<void> => {
    const raw = await readBody(ex, maxBodySize);
    if (isDaprError(raw)) return sendLocalReply(ex, raw);
    const parsed = parseJson(raw);
    if (!parsed.ok) return sendLocalReply(ex, parsed.error);
    const body = (parsed.value ?? {}) as { data?: unknown; operation?: unknown; metadata?: unknown };
    if (typeof body !== 'object' || Array.isArray(body)) return sendLocalReply(ex, BindingErrors.malformed('failed deserializing HTTP body: expected a JSON object'));
    if (body.operation !== undefined && typeof body.operation !== 'string') return sendLocalReply(ex, BindingErrors.malformed('failed deserializing HTTP body: "operation" must be a string'));
    const metadata: Record<string, string> = {};
    if (body.metadata !== undefined && body.metadata !== null) {
      if (typeof body.metadata !== 'object' || Array.isArray(body.metadata)) return sendLocalReply(ex, BindingErrors.malformed('failed deserializing HTTP body: "metadata" must be an object of strings'));
      for (const [k, v] of Object.entries(body.metadata)) if (v !== undefined && v !== null) metadata[k] = typeof v === 'string' ? v : String(v);
    }
    for (const h of TRACE_HEADERS) {
      const v = ex.headers[h];
      if (typeof v === 'string' && v) metadata[h] = v;
    }
    const data = Buffer.from(JSON.stringify(body.data === undefined ? null : body.data), 'utf8');
    const r = await api.invoke(ex.route?.params.name ?? '', (body.operation as string | undefined) ?? '', data, metadata);
    if (!r.ok) return sendLocalReply(ex, r.error);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.value.metadata ?? {})) if (/^[\x21-\x7e]+$/.test(k)) headers[`metadata.${k}`] = v.replace(/[\r\n]/g, ' ');
    const out = r.value.data;
    if (!out || out.length === 0) return sendNoContent(ex.res, headers);
    if (r.value.contentType) headers['content-type'] = r.value.contentType;
    sendRaw(ex.res, 200, out, headers);
  };

  return [{ methods: ['POST', 'PUT'], path: '/v1.0/bindings/:name', api: 'bindings', version: 'v1', handler: invoke }];
}
