/**
 * HTTP head of the actors API (/v1.0/actors/{type}/{id}/...): method calls, state, timers and
 * reminders. Everything else lives in runtime/actors/actor-runtime.ts.
 */
import type { ApiRouteDef } from '../router';
import type { Exchange } from '../../proxy/contracts';
import { parseJson, readBody, sendJson, sendNoContent, sendRaw } from '../http-util';
import { sendLocalReply } from '../../proxy/local-reply';
import { forwardableHeaders } from '../../proxy/headers';
import { isDaprError } from '../../errors/dapr-error';
import type { ActorRuntime } from '../../runtime/actors/actor-runtime';
import type { ActorStateOp } from '../../runtime/actors/actor-store';
import { ActorErrors } from '../../runtime/actors/errors';

/** Headers for the sidecar only; never passed to the actor. */
const DROP_TO_APP = new Set(['dapr-api-token', 'dapr-app-id', 'host', 'content-length', 'authorization']);
/** Response headers not relayed (the listener sets its own framing). */
const DROP_FROM_APP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

export function actorRoutes(runtime: ActorRuntime, maxBodySize: number): ApiRouteDef[] {
  const params = (ex: Exchange): { type: string; id: string } => ({ type: ex.route?.params.actorType ?? '', id: ex.route?.params.actorId ?? '' });

  /** The JSON body, or undefined after replying with the error. */
  const jsonBody = async (ex: Exchange): Promise<{ value: unknown } | undefined> => {
    const body = await readBody(ex, maxBodySize);
    if (isDaprError(body)) { sendLocalReply(ex, body); return undefined; }
    const parsed = parseJson(body);
    if (!parsed.ok) { sendLocalReply(ex, ActorErrors.malformed(parsed.error.message)); return undefined; }
    return { value: parsed.value };
  };

  const method = async (ex: Exchange): Promise<void> => {
    const { type, id } = params(ex);
    const body = await readBody(ex, maxBodySize);
    if (isDaprError(body)) return sendLocalReply(ex, body);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(forwardableHeaders(ex.headers, { drop: DROP_TO_APP }))) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    headers['dapr-api-call'] = 'true';
    const ct = ex.headers['content-type'];
    const res = await runtime.invoke({ type, id, method: ex.route?.params.method ?? '', headers, body, ...(typeof ct === 'string' ? { contentType: ct } : {}) });
    if (isDaprError(res)) return sendLocalReply(ex, res);
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) if (!DROP_FROM_APP.has(k.toLowerCase())) out[k] = v;
    ex.res.writeHead(res.status, { ...out, 'content-length': res.body.length });
    ex.res.end(res.body);
  };

  const stateTransaction = async (ex: Exchange): Promise<void> => {
    const { type, id } = params(ex);
    const body = await jsonBody(ex);
    if (!body) return;
    const list = body.value ?? [];
    if (!Array.isArray(list)) return sendLocalReply(ex, ActorErrors.malformed('failed deserializing HTTP body: expected a JSON array of operations'));
    const ops: ActorStateOp[] = [];
    for (const raw of list) {
      const o = raw as { operation?: unknown; request?: { key?: unknown; value?: unknown; metadata?: unknown } } | null;
      if (!o || typeof o !== 'object' || !o.request || typeof o.request !== 'object') return sendLocalReply(ex, ActorErrors.malformed('each operation needs "operation" and "request"'));
      if (o.operation !== 'upsert' && o.operation !== 'delete') return sendLocalReply(ex, ActorErrors.malformed(`operation type ${String(o.operation)} not supported`));
      if (typeof o.request.key !== 'string' || o.request.key === '') return sendLocalReply(ex, ActorErrors.malformed('"key" is a required field'));
      const metadata = stringMap(o.request.metadata);
      ops.push({
        operation: o.operation, key: o.request.key,
        ...(o.operation === 'upsert' ? { value: Buffer.from(JSON.stringify(o.request.value ?? null)) } : {}),
        ...(metadata ? { metadata } : {}),
      });
    }
    const res = await runtime.stateTransaction(type, id, ops);
    if (isDaprError(res)) return sendLocalReply(ex, res);
    sendNoContent(ex.res);
  };

  const stateGet = async (ex: Exchange): Promise<void> => {
    const { type, id } = params(ex);
    const res = await runtime.getState(type, id, ex.route?.params.key ?? '');
    if (isDaprError(res)) return sendLocalReply(ex, res);
    if (!res) return sendNoContent(ex.res);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [k, v] of Object.entries(res.metadata ?? {})) headers[`metadata.${k}`] = v;
    sendRaw(ex.res, 200, res.data, headers);
  };

  /** The body as a JSON object (absent = {}); undefined once a 400 has been sent. */
  const objectBody = async (ex: Exchange): Promise<Record<string, unknown> | undefined> => {
    const body = await jsonBody(ex);
    if (!body) return undefined;
    const b = body.value ?? {};
    if (typeof b === 'object' && !Array.isArray(b)) return b as Record<string, unknown>;
    sendLocalReply(ex, ActorErrors.malformed('failed deserializing HTTP body: expected a JSON object'));
    return undefined;
  };

  const timer = async (ex: Exchange): Promise<void> => {
    const { type, id } = params(ex);
    const name = ex.route?.params.name ?? '';
    if (ex.method === 'DELETE') {
      const r = await runtime.deleteTimer(type, id, name);
      return isDaprError(r) ? sendLocalReply(ex, r) : sendNoContent(ex.res);
    }
    const f = await objectBody(ex);
    if (!f) return;
    const r = await runtime.createTimer({ type, id, name, ...times(f), ...(typeof f.callback === 'string' ? { callback: f.callback } : {}), data: f.data });
    return isDaprError(r) ? sendLocalReply(ex, r) : sendNoContent(ex.res);
  };

  const reminder = async (ex: Exchange): Promise<void> => {
    const { type, id } = params(ex);
    const name = ex.route?.params.name ?? '';
    if (ex.method === 'DELETE') {
      const r = await runtime.deleteReminder(type, id, name);
      return isDaprError(r) ? sendLocalReply(ex, r) : sendNoContent(ex.res);
    }
    if (ex.method === 'GET') {
      const r = await runtime.getReminder(type, id, name);
      return isDaprError(r) ? sendLocalReply(ex, r) : sendJson(ex.res, 200, r);
    }
    const f = await objectBody(ex);
    if (!f) return;
    const r = await runtime.createReminder({ type, id, name, ...times(f), data: f.data, ...(typeof f.overwrite === 'boolean' ? { overwrite: f.overwrite } : {}) });
    return isDaprError(r) ? sendLocalReply(ex, r) : sendNoContent(ex.res);
  };

  const v1 = (methods: ApiRouteDef['methods'], path: string, handler: ApiRouteDef['handler']): ApiRouteDef => ({ methods, path, api: 'actors', version: 'v1', handler });
  const base = '/v1.0/actors/:actorType/:actorId';
  return [
    v1(['GET', 'POST', 'PUT', 'DELETE'], `${base}/method/:method`, method),
    v1(['POST', 'PUT'], `${base}/state`, stateTransaction),
    v1(['GET'], `${base}/state/:key`, stateGet),
    v1(['POST', 'PUT', 'DELETE'], `${base}/timers/:name`, timer),
    v1(['POST', 'PUT', 'GET', 'DELETE'], `${base}/reminders/:name`, reminder),
  ];
}

function times(f: Record<string, unknown>): { dueTime?: string; period?: string; ttl?: string } {
  const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
  const dueTime = s(f.dueTime);
  const period = s(f.period);
  const ttl = s(f.ttl);
  return { ...(dueTime !== undefined ? { dueTime } : {}), ...(period !== undefined ? { period } : {}), ...(ttl !== undefined ? { ttl } : {}) };
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  return Object.keys(out).length ? out : undefined;
}
