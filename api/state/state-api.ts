/**
 * The state API, protocol-neutral: store lookup, validation, key prefixing, encryption at rest and
 * error mapping live here once; http-routes.ts and grpc-handlers.ts only translate wire formats.
 * Every method resolves to a result value; store rejections are turned into DaprErrors here.
 */
import { GrpcCode, type DaprError } from '../../errors/dapr-error';
import type { Logger } from '../../observability/logger';
import type { ResolvedComponent } from '../../components/contract';
import type { BulkGetItem, StateDeleteRequest, StateItem, StateOperation, StateOptions, StateSetRequest, StateStore } from '../../components/state/contract';
import { parseQuery } from '../../components/state/query/parse';
import { stateCipher, type StateCipher } from './encryption';
import { keyPrefixer, type KeyPrefixer } from './key-prefix';
import { StateErrors, storeFailure } from './errors';
import type { TransactionalOutbox } from '../pubsub/outbox';

export interface StateStoreRegistry {
  get(name: string): StateStore | undefined;
  has(name: string): boolean;
  readonly size: number;
  configOf?(name: string): ResolvedComponent | undefined;
}

export interface StateApiDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly maxBodySize: number;
  readonly stores: StateStoreRegistry;
  /** The transactional outbox (pub/sub), consulted for stores with outboxPublishPubsub set. */
  readonly outbox?: () => TransactionalOutbox | undefined;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DaprError };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: DaprError): Result<T> => ({ ok: false, error });

/** One item to save / delete as the wire gave it (value already the bytes to store). */
export interface SaveItem { key: string; value: Buffer; etag?: string; metadata?: Record<string, string>; options?: StateOptions }
export interface DeleteItem { key: string; etag?: string; metadata?: Record<string, string>; options?: StateOptions }
export type TxOperation = { operation: string; request: SaveItem };
export interface BulkGetResult { key: string; data?: Buffer; etag?: string; metadata?: Record<string, string>; error?: string }
export interface QueryResult { results: { key: string; data: Buffer; etag?: string }[]; token?: string }

interface StoreCtx {
  readonly name: string;
  readonly store: StateStore;
  readonly keys: KeyPrefixer;
  readonly cipher: StateCipher | undefined;
}

export class StateApi {
  private readonly ctxCache = new WeakMap<object, { keys: KeyPrefixer; cipher: StateCipher | undefined | Error }>();

  constructor(readonly deps: StateApiDeps) {}

  /** Looks the store up and builds (once per component config) its prefixer and cipher. */
  resolve(name: string): Result<StoreCtx> {
    const { stores, appId, namespace } = this.deps;
    if (stores.size === 0) return fail(StateErrors.notConfigured(name, appId));
    const store = stores.get(name);
    if (!store) return fail(StateErrors.notFound(name, appId));
    const config = stores.configOf?.(name);
    const cacheKey: object = config ?? store;
    let c = this.ctxCache.get(cacheKey);
    if (!c) {
      const md = config?.metadata ?? {};
      c = { keys: keyPrefixer(md.keyPrefix, name, appId, namespace), cipher: stateCipher(md) };
      this.ctxCache.set(cacheKey, c);
    }
    if (c.cipher instanceof Error) return fail(StateErrors.notConfigured(name, appId));
    return ok({ name, store, keys: c.keys, cipher: c.cipher });
  }

  private key(ctx: StoreCtx, key: string | undefined): Result<string> {
    if (key === undefined || key === '') return fail(StateErrors.malformed('"key" is a required field'));
    const k = ctx.keys.modify(key);
    return k.ok ? ok(k.key) : fail(StateErrors.illegalKey(ctx.name, key, k.message));
  }

  private open(ctx: StoreCtx, item: StateItem): Result<StateItem> {
    if (!ctx.cipher) return ok(item);
    const plain = ctx.cipher.decrypt(item.data);
    return plain instanceof Error ? fail(storeFailure(plain, 'ERR_STATE_GET', (m) => m)) : ok({ ...item, data: plain });
  }

  async get(storeName: string, key: string, metadata: Record<string, string>, consistency?: StateOptions['consistency']): Promise<Result<StateItem | undefined>> {
    const r = this.resolve(storeName);
    if (!r.ok) return r;
    const k = this.key(r.value, key);
    if (!k.ok) return k;
    try {
      const item = await r.value.store.get({ key: k.value, metadata, ...(consistency ? { consistency } : {}) });
      if (!item) return ok(undefined);
      const opened = this.open(r.value, item);
      return opened.ok ? opened : fail(storeFailure(new Error(opened.error.message), 'ERR_STATE_GET', (m) => `fail to get ${key} from state store ${storeName}: ${m}`));
    } catch (e) {
      return fail(storeFailure(e, 'ERR_STATE_GET', (m) => `fail to get ${key} from state store ${storeName}: ${m}`));
    }
  }

  async bulkGet(storeName: string, keys: string[], parallelism: number, metadata: Record<string, string>): Promise<Result<BulkGetResult[]>> {
    const r = this.resolve(storeName);
    if (!r.ok) return r;
    const ctx = r.value;
    const stored: string[] = [];
    for (const key of keys) {
      const k = this.key(ctx, key);
      if (!k.ok) return k;
      stored.push(k.value);
    }
    let items: BulkGetItem[];
    try {
      items = ctx.store.bulkGet
        ? await ctx.store.bulkGet(stored.map((key) => ({ key, metadata })))
        : await limitedMap(stored, parallelism > 0 ? parallelism : 100, async (key): Promise<BulkGetItem> => {
            try {
              const item = await ctx.store.get({ key, metadata });
              return item ? { key, item } : { key };
            } catch (e) {
              return { key, error: e instanceof Error ? e.message : String(e) };
            }
          });
    } catch (e) {
      return fail(storeFailure(e, 'ERR_STATE_BULK_GET', (m) => m));
    }
    return ok(items.map((it, i): BulkGetResult => {
      const key = keys[i] ?? ctx.keys.original(it.key);
      if (it.error !== undefined) return { key, error: it.error };
      if (!it.item) return { key };
      const opened = this.open(ctx, it.item);
      if (!opened.ok) return { key, error: opened.error.message };
      const out: BulkGetResult = { key, data: opened.value.data };
      if (opened.value.etag !== undefined) out.etag = opened.value.etag;
      if (opened.value.metadata) out.metadata = { ...opened.value.metadata };
      return out;
    }));
  }

  async save(storeName: string, items: SaveItem[]): Promise<Result<void>> {
    const r = this.resolve(storeName);
    if (!r.ok) return r;
    const ctx = r.value;
    const reqs: StateSetRequest[] = [];
    for (const it of items) {
      const k = this.key(ctx, it.key);
      if (!k.ok) return k;
      reqs.push({ ...it, key: k.value, value: ctx.cipher ? ctx.cipher.encrypt(it.value) : it.value });
    }
    if (reqs.length === 0) return ok(undefined);
    try {
      if (reqs.length > 1 && ctx.store.bulkSet) await ctx.store.bulkSet(reqs);
      else for (const req of reqs) await ctx.store.set(req);
      return ok(undefined);
    } catch (e) {
      return fail(storeFailure(e, 'ERR_STATE_SAVE', (m) => `failed saving state in state store ${storeName}: ${m}`));
    }
  }

  async delete(storeName: string, items: DeleteItem[]): Promise<Result<void>> {
    const r = this.resolve(storeName);
    if (!r.ok) return r;
    const ctx = r.value;
    const reqs: StateDeleteRequest[] = [];
    for (const it of items) {
      const k = this.key(ctx, it.key);
      if (!k.ok) return k;
      reqs.push({ ...it, key: k.value });
    }
    let current = '';
    try {
      if (reqs.length > 1 && ctx.store.bulkDelete) await ctx.store.bulkDelete(reqs);
      else for (let i = 0; i < reqs.length; i++) {
        current = items[i]!.key;
        await ctx.store.delete(reqs[i]!);
      }
      return ok(undefined);
    } catch (e) {
      return fail(storeFailure(e, 'ERR_STATE_DELETE', (m) => `failed deleting state with key ${current}: ${m}`));
    }
  }

  async transaction(storeName: string, ops: TxOperation[], metadata: Record<string, string>): Promise<Result<void>> {
    const r = this.resolve(storeName);
    if (!r.ok) return r;
    const ctx = r.value;
    if (!ctx.store.multi) return fail(StateErrors.transactionsNotSupported(storeName));
    if (ops.length === 0) return ok(undefined);
    // Outbox: events are staged inside the same transaction, so they are published iff it commits.
    let afterCommit: (() => void) | undefined;
    const storeMd = this.deps.stores.configOf?.(storeName)?.metadata;
    const outbox = this.deps.outbox?.();
    if (storeMd && outbox?.enabled(storeMd)) {
      const plan = await outbox.prepare(storeName, storeMd, ops);
      if (!plan.ok) return fail(plan.error);
      ops = plan.value.ops;
      afterCommit = plan.value.afterCommit;
    }
    const max = ctx.store.maxMultiOps;
    if (max !== undefined && ops.length > max) return fail(StateErrors.tooManyOperations(storeName, ops.length, max));
    const out: StateOperation[] = [];
    for (const op of ops) {
      if (op.operation !== 'upsert' && op.operation !== 'delete') return fail(StateErrors.unsupportedOperation(op.operation));
      const k = this.key(ctx, op.request.key);
      if (!k.ok) return k;
      const { value, ...rest } = op.request;
      if (op.operation === 'upsert') out.push({ operation: 'upsert', request: { ...rest, key: k.value, value: ctx.cipher ? ctx.cipher.encrypt(value) : value } });
      else out.push({ operation: 'delete', request: { ...rest, key: k.value } });
    }
    try {
      await ctx.store.multi(out, metadata);
      afterCommit?.();
      return ok(undefined);
    } catch (e) {
      // daprd answers every failed transaction (ETag conflicts included) with 500 / Internal.
      const err = storeFailure(e, 'ERR_STATE_TRANSACTION', (m) => `error while executing state transaction: ${m}`);
      return fail(err.status === 409 ? { ...err, status: 500, grpcCode: GrpcCode.INTERNAL } : err);
    }
  }

  /** `rawQuery` is the query JSON text as the caller sent it. */
  async query(storeName: string, rawQuery: string, metadata: Record<string, string>): Promise<Result<QueryResult>> {
    const r = this.resolve(storeName);
    if (!r.ok) return r;
    const ctx = r.value;
    if (!ctx.store.query || !ctx.store.features().includes('QUERY_API')) return fail(StateErrors.queryNotSupported(storeName));
    let query;
    try {
      query = parseQuery(JSON.parse(rawQuery) as unknown);
    } catch (e) {
      return fail(StateErrors.queryFailed(storeName, `failed to parse JSON query body: ${(e as Error).message}`));
    }
    try {
      const res = await ctx.store.query({ query, keyPrefix: ctx.keys.prefix, metadata });
      const results: QueryResult['results'] = [];
      for (const it of res.results) {
        const opened = this.open(ctx, { data: it.data });
        if (!opened.ok) return fail(StateErrors.queryFailed(storeName, opened.error.message));
        results.push(it.etag !== undefined ? { key: ctx.keys.original(it.key), data: opened.value.data, etag: it.etag } : { key: ctx.keys.original(it.key), data: opened.value.data });
      }
      return ok(res.token ? { results, token: res.token } : { results });
    } catch (e) {
      return fail(StateErrors.queryFailed(storeName, e instanceof Error ? e.message : String(e)));
    }
  }
}

/** Maps with at most `limit` calls in flight, keeping order. */
async function limitedMap<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
