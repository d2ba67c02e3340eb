/**
 * Distributed lock on lock.redis and lock.postgresql: two "sidecars" (separate API cores and store
 * connections) contend for one lock and never both hold it; statuses, expiry, errors over HTTP and gRPC.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import Redis from 'ioredis';
import { redisLockDriver } from '../../components/lock/redis-lock';
import { postgresLockDriver } from '../../components/lock/postgresql-lock';
import type { LockStore } from '../../components/lock/contract';
import { LockApi } from '../../api/lock/lock-api';
import { lockRoutes } from '../../api/lock/http-routes';
import { lockGrpcHandlers } from '../../api/lock/grpc-handlers';
import { lockKey } from '../../api/lock/lock-key';
import { eventually, fetchJson, instance, serveRoutes, uid, type RouteServer } from './harness';

const PG = 'host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable';

const targets: Array<{ name: string; make: () => Promise<LockStore> }> = [
  { name: 'lock.redis', make: () => instance(redisLockDriver, 'lockstore', { redisHost: '127.0.0.1:6379' }) },
  { name: 'lock.postgresql', make: () => instance(postgresLockDriver, 'lockstore', { connectionString: PG, tableName: 'outrigger_lock_test' }) },
];

for (const t of targets) {
  describe(`${t.name}`, () => {
    let a: LockStore;
    let b: LockStore;
    let apiA: LockApi;
    let apiB: LockApi;
    before(async () => {
      a = await t.make();
      b = await t.make();
      // Two sidecars with different app ids share locks through keyPrefix "name".
      apiA = new LockApi({ appId: 'app-a', stores: () => new Map([['lockstore', a]]), metadataOf: () => ({ keyPrefix: 'name' }) });
      apiB = new LockApi({ appId: 'app-b', stores: () => new Map([['lockstore', b]]), metadataOf: () => ({ keyPrefix: 'name' }) });
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    it('contention: exactly one of many concurrent tryLocks wins', async () => {
      const res = uid('res');
      const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? apiA : apiB).tryLock('lockstore', res, `owner-${i}`, 30)));
      const winners = attempts.filter((r) => r.ok && r.value);
      assert.equal(winners.length, 1);
      assert.ok(attempts.every((r) => r.ok));
    });

    it('unlock statuses: belongs to others, success, does not exist', async () => {
      const res = uid('res');
      assert.deepEqual(await apiA.tryLock('lockstore', res, 'alice', 30), { ok: true, value: true });
      assert.deepEqual(await apiB.tryLock('lockstore', res, 'bob', 30), { ok: true, value: false });
      assert.deepEqual(await apiB.unlock('lockstore', res, 'bob'), { ok: true, value: 2 });
      assert.deepEqual(await apiA.unlock('lockstore', res, 'alice'), { ok: true, value: 0 });
      assert.deepEqual(await apiA.unlock('lockstore', res, 'alice'), { ok: true, value: 1 });
      assert.deepEqual(await apiB.tryLock('lockstore', res, 'bob', 30), { ok: true, value: true });
      assert.deepEqual(await apiB.unlock('lockstore', res, 'bob'), { ok: true, value: 0 });
    });

    it('an expired lock can be taken by another owner', async () => {
      const res = uid('res');
      assert.deepEqual(await apiA.tryLock('lockstore', res, 'alice', 1), { ok: true, value: true });
      const taken = await eventually(async () => {
        const r = await apiB.tryLock('lockstore', res, 'bob', 30);
        return r.ok && r.value ? true : undefined;
      }, 10_000, 'the lock to expire');
      assert.equal(taken, true);
      assert.deepEqual(await apiA.unlock('lockstore', res, 'alice'), { ok: true, value: 2 });
    });
  });
}

describe('lock API heads', () => {
  let store: LockStore;
  let server: RouteServer;
  let api: LockApi;
  before(async () => {
    store = await instance(redisLockDriver, 'redislock', { redisHost: '127.0.0.1:6379' });
    api = new LockApi({ appId: 'lock-heads', stores: () => new Map([['redislock', store]]), metadataOf: () => ({}) });
    server = await serveRoutes(lockRoutes(api, 1024 * 1024));
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  const post = (path: string, body: unknown) => fetchJson(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('HTTP lock/unlock answer {success} and {status}, false and 0 included', async () => {
    const res = uid('http');
    const r1 = await post('/v1.0-alpha1/lock/redislock', { resourceId: res, lockOwner: 'o1', expiryInSeconds: 30 });
    assert.equal(r1.status, 200);
    assert.deepEqual(r1.json(), { success: true });
    assert.deepEqual((await post('/v1.0-alpha1/lock/redislock', { resourceId: res, lockOwner: 'o2', expiryInSeconds: 30 })).json(), { success: false });
    assert.deepEqual((await post('/v1.0-alpha1/unlock/redislock', { resourceId: res, lockOwner: 'o2' })).json(), { status: 2 });
    assert.deepEqual((await post('/v1.0-alpha1/unlock/redislock', { resourceId: res, lockOwner: 'o1' })).json(), { status: 0 });
    // daprd's default key prefix is the app id.
    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    try {
      await post('/v1.0-alpha1/lock/redislock', { resourceId: res, lockOwner: 'o3', expiryInSeconds: 30 });
      await redis.connect();
      assert.equal(await redis.get(`lock||lock-heads||${res}`), 'o3');
    } finally {
      redis.disconnect();
    }
  });

  it('HTTP errors: unknown store, empty ids, bad expiry', async () => {
    const nf = await post('/v1.0-alpha1/lock/nope', { resourceId: 'r', lockOwner: 'o', expiryInSeconds: 1 });
    assert.equal(nf.status, 400);
    assert.equal((nf.json() as { errorCode: string }).errorCode, 'ERR_LOCK_STORE_NOT_FOUND');
    for (const body of [{ lockOwner: 'o', expiryInSeconds: 1 }, { resourceId: 'r', expiryInSeconds: 1 }, { resourceId: 'r', lockOwner: 'o', expiryInSeconds: 0 }]) {
      const r = await post('/v1.0-alpha1/lock/redislock', body);
      assert.equal(r.status, 400);
      assert.equal((r.json() as { errorCode: string }).errorCode, 'ERR_MALFORMED_REQUEST');
    }
    const none = await serveRoutes(lockRoutes({ appId: 'x', stores: () => new Map(), metadataOf: () => undefined }, 1024));
    try {
      const r = await fetchJson(`${none.url}/v1.0-alpha1/unlock/any`, { method: 'POST', body: '{"resourceId":"r","lockOwner":"o"}' });
      assert.equal(r.status, 500);
      assert.equal((r.json() as { errorCode: string }).errorCode, 'ERR_LOCK_STORE_NOT_CONFIGURED');
    } finally {
      await none.close();
    }
  });

  it('gRPC TryLockAlpha1 / UnlockAlpha1', async () => {
    const h = lockGrpcHandlers(api);
    const tryLock = h.tryLockAlpha1 as unknown as (r: object) => Promise<{ success: boolean }>;
    const unlock = h.unlockAlpha1 as unknown as (r: object) => Promise<{ status: number }>;
    const res = uid('grpc');
    assert.equal((await tryLock({ storeName: 'redislock', resourceId: res, lockOwner: 'g1', expiryInSeconds: 10 })).success, true);
    assert.equal((await tryLock({ storeName: 'redislock', resourceId: res, lockOwner: 'g2', expiryInSeconds: 10 })).success, false);
    assert.equal((await unlock({ storeName: 'redislock', resourceId: res, lockOwner: 'g1' })).status, 0);
    const err = await tryLock({ storeName: 'redislock', resourceId: '', lockOwner: 'g1', expiryInSeconds: 10 }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.InvalidArgument);
  });

  it('key prefix strategies follow daprd', () => {
    assert.equal(lockKey('r', 's', 'app', undefined), 'lock||app||r');
    assert.equal(lockKey('r', 's', 'app', 'name'), 'lock||s||r');
    assert.equal(lockKey('r', 's', 'app', 'none'), 'lock||r');
    assert.equal(lockKey('r', 's', 'app', 'shared'), 'lock||shared||r');
    assert.ok(lockKey('a||b', 's', 'app', undefined) instanceof Error);
  });
});
