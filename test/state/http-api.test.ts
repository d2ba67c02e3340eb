/**
 * The state HTTP API against a real server (ApiRouter + stateRoutes) over in-memory stores:
 * wire shapes, status codes, error codes and details, key prefixing, bad input, failing stores.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryStateStore } from '../../components/state/in-memory/in-memory-store';
import type { StateStore } from '../../components/state/contract';
import { registry, startHarness, type Harness } from './http-harness';

const mem = (): InMemoryStateStore => {
  const s = new InMemoryStateStore({ name: 'm', type: 'state.in-memory', version: 'v1', metadata: {}, source: 'test' });
  void s.init();
  return s;
};

/** A store whose backend is down: every call rejects like a refused connection. */
const down: StateStore = {
  init: async () => {}, close: async () => {}, features: () => ['ETAG', 'TRANSACTIONAL'],
  get: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:1'); },
  set: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:1'); },
  delete: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:1'); },
  multi: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:1'); },
};

/** A store without transactions or query. */
const plainBase = mem();
const plain: StateStore = { init: async () => {}, close: async () => {}, features: () => ['ETAG'], get: (r) => plainBase.get(r), set: (r) => plainBase.set(r), delete: (r) => plainBase.delete(r) };

describe('state HTTP API', () => {
  const main = mem();
  const byName = mem();
  const none = mem();
  const custom = mem();
  const ns = mem();
  let h: Harness;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(h.url + path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });

  before(async () => {
    h = await startHarness(registry({
      statestore: { store: main },
      byname: { store: byName, metadata: { keyPrefix: 'name' } },
      bare: { store: none, metadata: { keyPrefix: 'none' } },
      custom: { store: custom, metadata: { keyPrefix: 'shared' } },
      ns: { store: ns, metadata: { keyPrefix: 'namespace' } },
      down: { store: down },
      plain: { store: plain },
    }));
  });
  after(async () => {
    await h.close();
    for (const s of [main, byName, none, custom, ns, plainBase]) await s.close();
  });

  it('saves, gets raw JSON with ETag, deletes; missing key is 204', async () => {
    let r = await call('POST', '/v1.0/state/statestore', [{ key: 'order', value: { id: 7, note: 'héllo' } }, { key: 's', value: 'text' }]);
    assert.equal(r.status, 204);
    r = await call('GET', '/v1.0/state/statestore/order');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.ok(r.headers.get('etag'));
    assert.equal(await r.text(), '{"id":7,"note":"héllo"}');
    assert.equal(await (await call('GET', '/v1.0/state/statestore/s')).text(), '"text"');
    assert.equal((await main.get({ key: 'myapp||order' }))?.data.toString(), '{"id":7,"note":"héllo"}');
    assert.equal((await call('DELETE', '/v1.0/state/statestore/order')).status, 204);
    r = await call('GET', '/v1.0/state/statestore/order');
    assert.equal(r.status, 204);
    assert.equal((await call('PUT', '/v1.0/state/statestore', [])).status, 204);
  });

  it('applies each keyPrefix strategy', async () => {
    for (const store of ['byname', 'bare', 'custom', 'ns']) assert.equal((await call('POST', `/v1.0/state/${store}`, [{ key: 'k', value: 1 }])).status, 204);
    assert.ok(await byName.get({ key: 'byname||k' }));
    assert.ok(await none.get({ key: 'k' }));
    assert.ok(await custom.get({ key: 'shared||k' }));
    assert.ok(await ns.get({ key: 'prod.myapp||k' }));
    assert.equal(await (await call('GET', '/v1.0/state/custom/k')).text(), '1');
  });

  it('refuses keys containing || with DAPR_STATE_ILLEGAL_KEY', async () => {
    const r = await call('POST', '/v1.0/state/statestore', [{ key: 'a||b', value: 1 }]);
    assert.equal(r.status, 400);
    const body = await r.json() as { errorCode: string; details: { reason?: string; '@type': string }[] };
    assert.equal(body.errorCode, 'ERR_MALFORMED_REQUEST');
    assert.ok(body.details.some((d) => d.reason === 'DAPR_STATE_ILLEGAL_KEY'));
    assert.ok(body.details.some((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest'));
  });

  it('reports unknown stores, malformed JSON, missing keys, oversized bodies', async () => {
    let r = await call('GET', '/v1.0/state/nope/k');
    assert.equal(r.status, 400);
    const nf = await r.json() as { errorCode: string; details: { reason: string; metadata: Record<string, string> }[] };
    assert.equal(nf.errorCode, 'ERR_STATE_STORE_NOT_FOUND');
    assert.deepEqual(nf.details[0], { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'DAPR_STATE_NOT_FOUND', domain: 'dapr.io', metadata: { appID: 'myapp' } });
    r = await call('POST', '/v1.0/state/statestore', '[{"key": "x", "value": ');
    assert.equal(r.status, 400);
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_MALFORMED_REQUEST');
    r = await call('POST', '/v1.0/state/statestore', [{ value: 1 }]);
    assert.equal(r.status, 400);
    assert.match((await r.json() as { message: string }).message, /"key" is a required field/);
    r = await call('POST', '/v1.0/state/statestore', [{ key: 'big', value: 'x'.repeat(70 * 1024) }]);
    assert.equal(r.status, 413);
    assert.equal(await main.get({ key: 'myapp||big' }), undefined);
  });

  it('ETag: stale save is 409 ERR_STATE_SAVE, stale If-Match delete is 409 ERR_STATE_DELETE', async () => {
    await call('POST', '/v1.0/state/statestore', [{ key: 'e', value: 1 }]);
    const e1 = (await call('GET', '/v1.0/state/statestore/e')).headers.get('etag')!;
    assert.equal((await call('POST', '/v1.0/state/statestore', [{ key: 'e', value: 2, etag: e1 }])).status, 204);
    let r = await call('POST', '/v1.0/state/statestore', [{ key: 'e', value: 3, etag: e1, options: { concurrency: 'first-write' } }]);
    assert.equal(r.status, 409);
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_STATE_SAVE');
    r = await call('DELETE', '/v1.0/state/statestore/e?concurrency=first-write', undefined, { 'if-match': e1 });
    assert.equal(r.status, 409);
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_STATE_DELETE');
    const e2 = (await call('GET', '/v1.0/state/statestore/e')).headers.get('etag')!;
    assert.equal((await call('DELETE', '/v1.0/state/statestore/e', undefined, { 'if-match': e2 })).status, 204);
    r = await call('POST', '/v1.0/state/statestore', [{ key: 'e', value: 1, options: { concurrency: 'sometimes' } }]);
    assert.equal(r.status, 400);
  });

  it('TTL from item metadata and query metadata comes back as metadata.ttlExpireTime', async () => {
    await call('POST', '/v1.0/state/statestore', [{ key: 't1', value: 1, metadata: { ttlInSeconds: '100' } }]);
    await call('POST', '/v1.0/state/statestore?metadata.ttlInSeconds=200', [{ key: 't2', value: 1 }]);
    for (const [key, secs] of [['t1', 100], ['t2', 200]] as const) {
      const exp = (await call('GET', `/v1.0/state/statestore/${key}`)).headers.get('metadata.ttlexpiretime');
      assert.ok(exp);
      const delta = (Date.parse(exp) - Date.now()) / 1000;
      assert.ok(delta > secs - 30 && delta <= secs + 1, `ttl ${delta}`);
    }
  });

  it('bulk get returns data (raw), etag, and nothing for missing keys', async () => {
    await call('POST', '/v1.0/state/statestore', [{ key: 'b1', value: { a: 1 } }, { key: 'b2', value: 'two' }]);
    const r = await call('POST', '/v1.0/state/statestore/bulk', { keys: ['b1', 'b2', 'b3'], parallelism: 2 });
    assert.equal(r.status, 200);
    const items = await r.json() as { key: string; data?: unknown; etag?: string }[];
    assert.deepEqual(items.map((i) => [i.key, i.data]), [['b1', { a: 1 }], ['b2', 'two'], ['b3', undefined]]);
    assert.ok(items[0]!.etag && !('etag' in items[2]!));
  });

  it('transactions: atomic upsert/delete, no partial writes on failure, bad operations', async () => {
    await call('POST', '/v1.0/state/statestore', [{ key: 'tx-old', value: 0 }]);
    let r = await call('POST', '/v1.0/state/statestore/transaction', { operations: [
      { operation: 'upsert', request: { key: 'tx-a', value: 'a' } },
      { operation: 'delete', request: { key: 'tx-old' } },
    ], metadata: null });
    assert.equal(r.status, 204);
    assert.equal(await (await call('GET', '/v1.0/state/statestore/tx-a')).text(), '"a"');
    assert.equal((await call('GET', '/v1.0/state/statestore/tx-old')).status, 204);
    r = await call('POST', '/v1.0/state/statestore/transaction', { operations: [
      { operation: 'upsert', request: { key: 'tx-b', value: 'b' } },
      { operation: 'upsert', request: { key: 'tx-a', value: 'x', etag: 'not-the-etag' } },
    ] });
    assert.equal(r.status, 500);
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_STATE_TRANSACTION');
    assert.equal((await call('GET', '/v1.0/state/statestore/tx-b')).status, 204);
    r = await call('POST', '/v1.0/state/statestore/transaction', { operations: [{ operation: 'merge', request: { key: 'x' } }] });
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_NOT_SUPPORTED_STATE_OPERATION');
    assert.equal((await call('POST', '/v1.0/state/statestore/transaction', { operations: [] })).status, 204);
    r = await call('POST', '/v1.0/state/plain/transaction', { operations: [] });
    assert.equal(r.status, 500);
    const ns = await r.json() as { errorCode: string; details: { reason?: string }[] };
    assert.equal(ns.errorCode, 'ERR_STATE_STORE_NOT_SUPPORTED');
    assert.ok(ns.details.some((d) => d.reason === 'DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED'));
  });

  it('query (alpha1): results with stripped keys, paging token, 204 when empty', async () => {
    await call('POST', '/v1.0/state/statestore', [1, 2, 3].map((i) => ({ key: `q${i}`, value: { kind: 'q', i } })));
    let r = await call('POST', '/v1.0-alpha1/state/statestore/query', { filter: { EQ: { kind: 'q' } }, sort: [{ key: 'i', order: 'DESC' }], page: { limit: 2 } });
    assert.equal(r.status, 200);
    const page = await r.json() as { results: { key: string; data: { i: number } }[]; token: string };
    assert.deepEqual(page.results.map((x) => [x.key, x.data.i]), [['q3', 3], ['q2', 2]]);
    r = await call('POST', '/v1.0-alpha1/state/statestore/query', { filter: { EQ: { kind: 'q' } }, sort: [{ key: 'i', order: 'DESC' }], page: { limit: 2, token: page.token } });
    assert.deepEqual((await r.json() as { results: { key: string }[] }).results.map((x) => x.key), ['q1']);
    assert.equal((await call('POST', '/v1.0-alpha1/state/statestore/query', { filter: { EQ: { kind: 'none' } } })).status, 204);
    r = await call('POST', '/v1.0-alpha1/state/statestore/query', { filter: { LIKE: { kind: 'q' } } });
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_STATE_QUERY');
    r = await call('POST', '/v1.0-alpha1/state/plain/query', {});
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_STATE_STORE_NOT_SUPPORTED');
  });

  it('a store that is down gives 500 errors and the server keeps serving', async () => {
    let r = await call('GET', '/v1.0/state/down/k');
    assert.equal(r.status, 500);
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_STATE_GET');
    r = await call('POST', '/v1.0/state/down', [{ key: 'k', value: 1 }]);
    assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_STATE_SAVE');
    r = await call('POST', '/v1.0/state/down/bulk', { keys: ['a'] });
    assert.equal(r.status, 200);
    assert.match((await r.json() as { error: string }[])[0]!.error, /ECONNREFUSED/);
    assert.equal((await call('GET', '/v1.0/state/statestore/s')).status, 200);
  });

  it('no state stores at all is ERR_STATE_STORE_NOT_CONFIGURED', async () => {
    const empty = await startHarness(registry({}));
    try {
      const r = await fetch(`${empty.url}/v1.0/state/statestore/k`);
      assert.equal(r.status, 500);
      assert.equal((await r.json() as { errorCode: string }).errorCode, 'ERR_STATE_STORE_NOT_CONFIGURED');
    } finally {
      await empty.close();
    }
  });
});
