/**
 * gRPC head of the state API (dapr.proto.runtime.v1.Dapr): GetState, GetBulkState, SaveState,
 * DeleteState, DeleteBulkState, ExecuteStateTransaction, QueryStateAlpha1. Values are the bytes
 * the caller sent; errors become ConnectErrors carrying Dapr's google.rpc.Status details.
 */
import type { ServiceImpl } from '@connectrpc/connect';
import type { Dapr } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import type { StateItem as PbStateItem, StateOptions as PbStateOptions } from '@dapr/dapr/proto/dapr/proto/common/v1/common_pb';
import type { StateOptions } from '../../components/state/contract';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import { StateApi, type DeleteItem, type Result, type SaveItem, type StateApiDeps } from './state-api';

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw connectErrorFromDaprError(r.error);
  return r.value;
}

/** Enum numbers from common.proto: concurrency 1 first-write / 2 last-write; consistency 1 eventual / 2 strong. */
function options(o: PbStateOptions | undefined): StateOptions | undefined {
  if (!o) return undefined;
  const concurrency = o.concurrency === 1 ? 'first-write' : o.concurrency === 2 ? 'last-write' : undefined;
  const consistency = o.consistency === 1 ? 'eventual' : o.consistency === 2 ? 'strong' : undefined;
  if (!concurrency && !consistency) return undefined;
  return { ...(concurrency ? { concurrency } : {}), ...(consistency ? { consistency } : {}) };
}

function saveItem(s: PbStateItem): SaveItem {
  const item: SaveItem = { key: s.key, value: Buffer.from(s.value.buffer, s.value.byteOffset, s.value.byteLength) };
  if (s.etag?.value) item.etag = s.etag.value;
  if (Object.keys(s.metadata).length > 0) item.metadata = { ...s.metadata };
  const o = options(s.options);
  if (o) item.options = o;
  return item;
}

function deleteItem(s: { key: string; etag?: { value: string } | undefined; metadata: Record<string, string>; options?: PbStateOptions | undefined }): DeleteItem {
  const item: DeleteItem = { key: s.key };
  if (s.etag?.value) item.etag = s.etag.value;
  if (Object.keys(s.metadata).length > 0) item.metadata = { ...s.metadata };
  const o = options(s.options);
  if (o) item.options = o;
  return item;
}

export function stateGrpcHandlers(deps: StateApiDeps | StateApi): Partial<ServiceImpl<typeof Dapr>> {
  const api = deps instanceof StateApi ? deps : new StateApi(deps);
  return {
    async getState(req) {
      const consistency = req.consistency === 2 ? 'strong' : req.consistency === 1 ? 'eventual' : undefined;
      const item = unwrap(await api.get(req.storeName, req.key, { ...req.metadata }, consistency));
      if (!item) return {};
      return { data: item.data, etag: item.etag ?? '', metadata: { ...(item.metadata ?? {}) } };
    },
    async getBulkState(req) {
      const items = unwrap(await api.bulkGet(req.storeName, req.keys, req.parallelism, { ...req.metadata }));
      return {
        items: items.map((it) => ({ key: it.key, data: it.data ?? new Uint8Array(0), etag: it.etag ?? '', error: it.error ?? '', metadata: it.metadata ?? {} })),
      };
    },
    async saveState(req) {
      unwrap(await api.save(req.storeName, req.states.map(saveItem)));
      return {};
    },
    async deleteState(req) {
      unwrap(await api.delete(req.storeName, [deleteItem(req)]));
      return {};
    },
    async deleteBulkState(req) {
      unwrap(await api.delete(req.storeName, req.states.map(deleteItem)));
      return {};
    },
    async executeStateTransaction(req) {
      const ops = req.operations.map((o) => ({ operation: o.operationType, request: o.request ? saveItem(o.request) : { key: '', value: Buffer.alloc(0) } }));
      unwrap(await api.transaction(req.storeName, ops, { ...req.metadata }));
      return {};
    },
    async queryStateAlpha1(req) {
      const res = unwrap(await api.query(req.storeName, req.query, { ...req.metadata }));
      return { results: res.results.map((r) => ({ key: r.key, data: r.data, etag: r.etag ?? '', error: '' })), token: res.token ?? '', metadata: {} };
    },
  };
}
