/**
 * The gRPC head of the state API called directly: values as raw bytes, Dapr's codes and details.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { GetStateRequestSchema, SaveStateRequestSchema, ExecuteStateTransactionRequestSchema, GetBulkStateRequestSchema } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import { stateGrpcHandlers } from '../../api/state/grpc-handlers';
import { InMemoryStateStore } from '../../components/state/in-memory/in-memory-store';
import { createLogger } from '../../observability/logger';
import { registry } from './http-harness';

describe('state gRPC handlers', () => {
  it('round-trips bytes and maps failures to gRPC codes with details', async () => {
    const store = new InMemoryStateStore({ name: 's', type: 'state.in-memory', version: 'v1', metadata: {}, source: 'test' });
    await store.init();
    const h = stateGrpcHandlers({ appId: 'app', namespace: 'default', logger: createLogger({ level: 'error', json: false }), maxBodySize: 1 << 20, stores: registry({ s: { store } }) });
    const ctx = {} as HandlerContext;
    try {
      const bytes = new Uint8Array([0, 1, 2, 250]);
      await h.saveState!(create(SaveStateRequestSchema, { storeName: 's', states: [{ key: 'k', value: bytes }] }), ctx);
      assert.deepEqual(Buffer.from((await store.get({ key: 'app||k' }))!.data), Buffer.from(bytes));
      const got = await h.getState!(create(GetStateRequestSchema, { storeName: 's', key: 'k' }), ctx) as { data: Uint8Array; etag: string };
      assert.deepEqual(Buffer.from(got.data), Buffer.from(bytes));
      assert.ok(got.etag);
      const missing = await h.getState!(create(GetStateRequestSchema, { storeName: 's', key: 'nope' }), ctx) as { data?: Uint8Array };
      assert.equal(missing.data, undefined);
      const bulk = await h.getBulkState!(create(GetBulkStateRequestSchema, { storeName: 's', keys: ['k', 'nope'] }), ctx) as { items: { key: string; data: Uint8Array }[] };
      assert.deepEqual(bulk.items.map((i) => [i.key, i.data.length]), [['k', 4], ['nope', 0]]);

      const codeOf = async (p: Promise<unknown>): Promise<{ code: Code; details: string }> => {
        try {
          await p;
        } catch (e) {
          assert.ok(e instanceof ConnectError);
          return { code: e.code, details: e.metadata.get('grpc-status-details-bin') ?? '' };
        }
        assert.fail('expected an error');
      };
      let r = await codeOf(Promise.resolve(h.getState!(create(GetStateRequestSchema, { storeName: 'other', key: 'k' }), ctx)));
      assert.equal(r.code, Code.InvalidArgument);
      assert.match(Buffer.from(r.details, 'base64').toString('latin1'), /DAPR_STATE_NOT_FOUND/);
      r = await codeOf(Promise.resolve(h.saveState!(create(SaveStateRequestSchema, { storeName: 's', states: [{ key: 'a||b', value: bytes }] }), ctx)));
      assert.equal(r.code, Code.InvalidArgument);
      assert.match(Buffer.from(r.details, 'base64').toString('latin1'), /DAPR_STATE_ILLEGAL_KEY/);
      r = await codeOf(Promise.resolve(h.saveState!(create(SaveStateRequestSchema, { storeName: 's', states: [{ key: 'k', value: bytes, etag: { value: 'stale' } }] }), ctx)));
      assert.equal(r.code, Code.Aborted);
      r = await codeOf(Promise.resolve(h.executeStateTransaction!(create(ExecuteStateTransactionRequestSchema, { storeName: 's', operations: [{ operationType: 'upsert', request: { key: 'n', value: bytes } }, { operationType: 'delete', request: { key: 'k', etag: { value: 'stale' } } }] }), ctx)));
      assert.equal(r.code, Code.Internal);
      assert.equal(await store.get({ key: 'app||n' }), undefined, 'no partial write');
    } finally {
      await store.close();
    }
  });
});
