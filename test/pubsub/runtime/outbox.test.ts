/** Transactional outbox: state transaction + pub/sub, with the state API's key prefixing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedComponent } from '../../../components/contract';
import type { StateStore } from '../../../components/state/contract';
import { InMemoryStateStore } from '../../../components/state/in-memory/in-memory-store';
import { postgresStateDriver } from '../../../components/state/postgresql/postgresql-store';
import { StateApi, type TxOperation } from '../../../api/state/state-api';
import { createPubsubRuntime } from '../../../runtime/pubsub';
import { testLogger } from '../../helpers/sidecar';
import { collect, pubsubComponents, waitFor } from './helpers';

async function run(storeComponent: ResolvedComponent, store: StateStore): Promise<void> {
  const ps = pubsubComponents({ ps: {} });
  const stores = new Map<string, StateStore>([[storeComponent.name, store]]);
  const componentOf = (n: string): ResolvedComponent | undefined => (n === storeComponent.name ? storeComponent : ps.componentOf(n));
  const runtime = createPubsubRuntime({
    appId: 'obx', namespace: 'default', logger: testLogger(), maxBodySize: 1 << 20, pubsubs: () => ps.map, componentOf,
    appChannel: undefined, appProtocol: 'http', declarative: () => [], stateStores: () => stores,
  });
  const state = new StateApi({ appId: 'obx', namespace: 'default', logger: testLogger(), maxBodySize: 1 << 20, stores: { get: (n) => stores.get(n), has: (n) => stores.has(n), get size() { return stores.size; }, configOf: componentOf } });
  await runtime.start();
  const events = await collect(ps.map.get('ps')!, 'orders');
  try {
    const ops: TxOperation[] = [
      { operation: 'upsert', request: { key: 'order1', value: Buffer.from('{"id":1,"secret":"x"}'), metadata: { 'cloudevent.type': 'order.saved' } } },
      { operation: 'upsert', request: { key: 'order1', value: Buffer.from('{"id":1}'), metadata: { 'outbox.projection': 'true' } } },
    ];
    const plan = await runtime.outbox.prepare(storeComponent.name, storeComponent.metadata, ops);
    assert.ok(plan.ok);
    assert.equal(plan.value.ops.length, 2, 'the projection is not saved; one marker is added');
    assert.match(plan.value.ops[1]!.request.key, /^outbox-[0-9a-f-]{36}$/);
    const tx = await state.transaction(storeComponent.name, plan.value.ops, {});
    assert.ok(tx.ok, tx.ok ? '' : tx.error.message);
    plan.value.afterCommit();
    await waitFor(() => events.messages.length === 1, 8000, 'the outbox event');
    const ce = JSON.parse(events.messages[0]!.data.toString()) as Record<string, unknown>;
    assert.deepEqual(ce.data, { id: 1 });
    assert.equal(ce.type, 'order.saved');
    assert.equal(ce.topic, 'orders');
    assert.equal(ce.pubsubname, 'ps');
    assert.equal(ce.source, 'obx');
    const saved = await state.get(storeComponent.name, 'order1', {});
    assert.ok(saved.ok && saved.value);
    assert.deepEqual(JSON.parse(saved.value.data.toString()), { id: 1, secret: 'x' });
    // The marker key is removed after the relay published.
    const marker = plan.value.ops[1]!.request.key;
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      const m = await state.get(storeComponent.name, marker, {});
      gone = m.ok && m.value === undefined;
      if (!gone) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(gone, 'marker key deleted');
    // An uncommitted transaction publishes nothing (the relay discards after the wait).
    const lost = await runtime.outbox.prepare(storeComponent.name, storeComponent.metadata, [{ operation: 'upsert', request: { key: 'never', value: Buffer.from('1') } }]);
    assert.ok(lost.ok);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(events.messages.length, 1);
  } finally {
    await events.stop();
    await runtime.stop(500);
  }
}

const outboxMd = { outboxPublishPubsub: 'ps', outboxPublishTopic: 'orders', outboxDiscardWhenMissingState: 'true' };

test('outbox with state.in-memory publishes after commit, projection replaces the payload', async () => {
  const c: ResolvedComponent = { name: 'mem', type: 'state.in-memory', version: 'v1', metadata: outboxMd, source: 'test' };
  const store = new InMemoryStateStore(c);
  await store.init();
  try {
    await run(c, store);
  } finally {
    await store.close();
  }
});

test('outbox with state.postgresql', async (t) => {
  const table = `outbox_test_${process.pid}_${Date.now()}`;
  const c: ResolvedComponent = { name: 'pg', type: 'state.postgresql', version: 'v1', metadata: { ...outboxMd, connectionString: 'host=127.0.0.1 port=5432 user=postgres dbname=test', tableName: table }, source: 'test' };
  const store = postgresStateDriver.create(c, { appId: 'obx', namespace: 'default', dataDir: '/tmp', logger: testLogger() });
  try {
    await store.init();
  } catch (e) {
    if (process.env.CI === 'true') throw e;
    t.skip(`PostgreSQL not reachable: ${(e as Error).message}`);
    return;
  }
  try {
    await run(c, store);
  } finally {
    await store.close();
  }
});
