/**
 * HTTP head of the state API: /v1.0/state/... and /v1.0-alpha1/state/:storeName/query. Values are
 * stored as the bytes of the JSON `value`; GET returns them raw with content-type application/json,
 * bulk get and query embed them as raw JSON, as daprd does.
 */
import type { ApiRouteDef } from '../router';
import type { Exchange } from '../../proxy/contracts';
import { metadataFromQuery, parseJson, readBody, sendNoContent, sendRaw } from '../http-util';
import { sendLocalReply } from '../../proxy/local-reply';
import { isDaprError } from '../../errors/dapr-error';
import { StateApi, type DeleteItem, type SaveItem, type StateApiDeps, type TxOperation } from './state-api';
import { StateErrors } from './errors';
import { decodeOptions, decodeSaveItem, rawJson } from './http-codec';

export function stateRoutes(deps: StateApiDeps | StateApi): ApiRouteDef[] {
  const api = deps instanceof StateApi ? deps : new StateApi(deps);
  const limit = api.deps.maxBodySize;

  const storeOf = (ex: Exchange): string => ex.route?.params.storeName ?? '';

  /** Reads and parses the JSON body; replies and resolves undefined on failure. */
  const jsonBody = async (ex: Exchange): Promise<{ value: unknown } | undefined> => {
    const body = await readBody(ex, limit);
    if (isDaprError(body)) {
      sendLocalReply(ex, body);
      return undefined;
    }
    const parsed = parseJson(body);
    if (!parsed.ok) {
      sendLocalReply(ex, StateErrors.malformed(parsed.error.message));
      return undefined;
    }
    return { value: parsed.value };
  };

  const save = async (ex: Exchange): Promise<void> => {
    const store = storeOf(ex);
    const r = api.resolve(store);
    if (!r.ok) return sendLocalReply(ex, r.error);
    const body = await jsonBody(ex);
    if (!body) return;
    if (body.value === undefined) return sendNoContent(ex.res);
    if (!Array.isArray(body.value)) return sendLocalReply(ex, StateErrors.malformed('failed deserializing HTTP body: expected a JSON array of state items'));
    const qmd = metadataFromQuery(ex.query);
    const items: SaveItem[] = [];
    for (const raw of body.value) {
      const it = decodeSaveItem(raw, qmd);
      if (isDaprError(it)) return sendLocalReply(ex, it);
      items.push(it);
    }
    const res = await api.save(store, items);
    if (!res.ok) return sendLocalReply(ex, res.error);
    sendNoContent(ex.res);
  };

  const get = async (ex: Exchange): Promise<void> => {
    const params = new URLSearchParams(ex.query);
    const consistency = params.get('consistency');
    const res = await api.get(storeOf(ex), ex.route?.params.key ?? '', metadataFromQuery(ex.query), consistency === 'strong' || consistency === 'eventual' ? consistency : undefined);
    if (!res.ok) return sendLocalReply(ex, res.error);
    if (!res.value) return sendNoContent(ex.res);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (res.value.etag !== undefined) headers.etag = res.value.etag;
    for (const [k, v] of Object.entries(res.value.metadata ?? {})) headers[`metadata.${k}`] = v;
    sendRaw(ex.res, 200, res.value.data, headers);
  };

  const del = async (ex: Exchange): Promise<void> => {
    const params = new URLSearchParams(ex.query);
    const ifMatch = ex.headers['if-match'];
    const item: DeleteItem = { key: ex.route?.params.key ?? '', metadata: metadataFromQuery(ex.query) };
    if (typeof ifMatch === 'string') item.etag = ifMatch;
    const options = decodeOptions({ concurrency: params.get('concurrency') ?? undefined, consistency: params.get('consistency') ?? undefined });
    if (isDaprError(options)) return sendLocalReply(ex, options);
    if (options) item.options = options;
    const res = await api.delete(storeOf(ex), [item]);
    if (!res.ok) return sendLocalReply(ex, res.error);
    sendNoContent(ex.res);
  };

  const bulk = async (ex: Exchange): Promise<void> => {
    const store = storeOf(ex);
    const r = api.resolve(store);
    if (!r.ok) return sendLocalReply(ex, r.error);
    const body = await jsonBody(ex);
    if (!body) return;
    const b = (body.value ?? {}) as { keys?: unknown; parallelism?: unknown; metadata?: unknown };
    if (typeof b !== 'object' || Array.isArray(b) || (b.keys !== undefined && (!Array.isArray(b.keys) || !b.keys.every((k) => typeof k === 'string')))) {
      return sendLocalReply(ex, StateErrors.malformed('failed deserializing HTTP body: keys must be an array of strings'));
    }
    const metadata = { ...stringMap(b.metadata), ...metadataFromQuery(ex.query) };
    const res = await api.bulkGet(store, (b.keys as string[] | undefined) ?? [], typeof b.parallelism === 'number' ? b.parallelism : 0, metadata);
    if (!res.ok) return sendLocalReply(ex, res.error);
    const parts = res.value.map((it) => {
      let s = `{"key":${JSON.stringify(it.key)}`;
      if (it.data !== undefined) s += `,"data":${rawJson(it.data)}`;
      if (it.etag !== undefined) s += `,"etag":${JSON.stringify(it.etag)}`;
      if (it.metadata) s += `,"metadata":${JSON.stringify(it.metadata)}`;
      if (it.error) s += `,"error":${JSON.stringify(it.error)}`;
      return s + '}';
    });
    sendRaw(ex.res, 200, `[${parts.join(',')}]`, { 'content-type': 'application/json' });
  };

  const transaction = async (ex: Exchange): Promise<void> => {
    const store = storeOf(ex);
    const r = api.resolve(store);
    if (!r.ok) return sendLocalReply(ex, r.error);
    if (!r.value.store.multi) return sendLocalReply(ex, StateErrors.transactionsNotSupported(store));
    const body = await jsonBody(ex);
    if (!body) return;
    const b = (body.value ?? {}) as { operations?: unknown; metadata?: unknown };
    if (typeof b !== 'object' || Array.isArray(b) || (b.operations !== undefined && b.operations !== null && !Array.isArray(b.operations))) {
      return sendLocalReply(ex, StateErrors.malformed('failed deserializing HTTP body: operations must be an array'));
    }
    const ops: TxOperation[] = [];
    for (const raw of (b.operations as unknown[] | null | undefined) ?? []) {
      const o = raw as { operation?: unknown; request?: unknown };
      if (typeof o !== 'object' || o === null || typeof o.operation !== 'string') return sendLocalReply(ex, StateErrors.malformed('failed deserializing HTTP body: each operation needs "operation" and "request"'));
      if (o.operation !== 'upsert' && o.operation !== 'delete') return sendLocalReply(ex, StateErrors.unsupportedOperation(o.operation));
      const it = decodeSaveItem(o.request, {});
      if (isDaprError(it)) return sendLocalReply(ex, it);
      ops.push({ operation: o.operation, request: it });
    }
    const res = await api.transaction(store, ops, { ...stringMap(b.metadata), ...metadataFromQuery(ex.query) });
    if (!res.ok) return sendLocalReply(ex, res.error);
    sendNoContent(ex.res);
  };

  const query = async (ex: Exchange): Promise<void> => {
    const store = storeOf(ex);
    const r = api.resolve(store);
    if (!r.ok) return sendLocalReply(ex, r.error);
    const body = await readBody(ex, limit);
    if (isDaprError(body)) return sendLocalReply(ex, body);
    const res = await api.query(store, body.toString('utf8'), metadataFromQuery(ex.query));
    if (!res.ok) return sendLocalReply(ex, res.error);
    if (res.value.results.length === 0) return sendNoContent(ex.res);
    const items = res.value.results.map((it) => `{"key":${JSON.stringify(it.key)},"data":${rawJson(it.data)}${it.etag !== undefined ? `,"etag":${JSON.stringify(it.etag)}` : ''}}`);
    const token = res.value.token ? `,"token":${JSON.stringify(res.value.token)}` : '';
    sendRaw(ex.res, 200, `{"results":[${items.join(',')}]${token}}`, { 'content-type': 'application/json' });
  };

  const v1 = (methods: ApiRouteDef['methods'], path: string, handler: ApiRouteDef['handler']): ApiRouteDef => ({ methods, path, api: 'state', version: 'v1', handler });
  return [
    v1(['POST', 'PUT'], '/v1.0/state/:storeName', save),
    v1(['POST', 'PUT'], '/v1.0/state/:storeName/bulk', bulk),
    v1(['POST', 'PUT'], '/v1.0/state/:storeName/transaction', transaction),
    v1(['GET'], '/v1.0/state/:storeName/:key', get),
    v1(['DELETE'], '/v1.0/state/:storeName/:key', del),
    { methods: ['POST', 'PUT'], path: '/v1.0-alpha1/state/:storeName/query', api: 'state', version: 'v1alpha1', handler: query },
  ];
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  return out;
}
