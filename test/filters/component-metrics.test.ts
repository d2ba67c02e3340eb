/**
 * Dapr's component metrics on --metrics-port, from a running sidecar with real components (the
 * embedded SQLite state store, in-memory pub/sub with a declarative subscription to a real app,
 * local-storage output binding, cron input binding, env secret store, Redis configuration store),
 * parsed with a real Prometheus text-format parser: counts per operation and outcome, with
 * Dapr's labels (app_id, component, namespace, operation / topic, success / process_status).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resourcesWith, startApp, startTestSidecar, tempDir, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { callDapr, daprGrpcClient } from '../helpers/dapr-grpc';
import type { SidecarHandle } from '../../runtime/sidecar';
import { call, eventually, metricValue, scrape, type Metrics } from './helpers';
import { componentYaml, resiliencyYaml, RETRY_ONCE, subscriptionYaml } from '../helpers/resource-yaml';

describe('Dapr component metrics', () => {
  let app: TestApp;
  let sidecar: SidecarHandle;
  const appId = uniqueAppId('comp-metrics');
  const post = (path: string, body: unknown) => call(sidecar.httpPort, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const value = (m: Metrics, name: string, labels: Record<string, string>) => metricValue(m, name, { app_id: appId, namespace: 'default', ...labels });

  before(async () => {
    app = await startApp((req, res) => {
      if (req.url === '/orders') { res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"SUCCESS"}'); return; }
      if (req.url === '/refused') { res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"DROP"}'); return; }
      res.writeHead(200).end();
    });
    const dataDir = tempDir('outrigger-metrics-');
    sidecar = await startTestSidecar({
      appId, appPort: app.port, enableMetrics: true, dataDir,
      resourcesPaths: [resourcesWith({
        'store.yaml': componentYaml('store', 'state.sqlite', { connectionString: `${dataDir}/m.db` }),
        'bus.yaml': componentYaml('bus', 'pubsub.in-memory', {}),
        'files.yaml': componentYaml('files', 'bindings.localstorage', { rootPath: tempDir('outrigger-files-') }),
        'ticker.yaml': componentYaml('ticker', 'bindings.cron', { schedule: '@every 200ms', direction: 'input' }),
        'env.yaml': componentYaml('env', 'secretstores.local.env', {}),
        'cfg.yaml': componentYaml('cfg', 'configuration.redis', { redisHost: '127.0.0.1:6379' }),
        'sub.yaml': subscriptionYaml('orders-sub', { pubsubname: 'bus', topic: 'orders', routes: { default: '/orders' } }),
        'refused.yaml': subscriptionYaml('refused-sub', { pubsubname: 'bus', topic: 'refused', routes: { default: '/refused' } }),
        'resiliency.yaml': resiliencyYaml('metrics-policies', {
          policies: { retries: { once: RETRY_ONCE } },
          targets: { components: { store: { outbound: { retry: 'once' } } } },
        }),
      })],
    });
    const health = await call(sidecar.httpPort, '/v1.0/healthz');
    assert.equal(health.status, 204, `every component loaded: ${health.text}`);
  });

  after(async () => {
    await sidecar?.stop('test done');
    await app?.close();
  });

  test('state operations are counted per operation and outcome', async () => {
    assert.equal((await post('/v1.0/state/store', [{ key: 'a', value: 1 }, { key: 'b', value: 2 }])).status, 204);
    assert.equal((await call(sidecar.httpPort, '/v1.0/state/store/a')).status, 200);
    assert.equal((await call(sidecar.httpPort, '/v1.0/state/store/a')).status, 200);
    assert.equal((await post('/v1.0/state/store/bulk', { keys: ['a', 'b'] })).status, 200);
    assert.equal((await call(sidecar.httpPort, '/v1.0/state/store/b', { method: 'DELETE' })).status, 204);
    assert.equal((await post('/v1.0/state/store/transaction', { operations: [{ operation: 'upsert', request: { key: 'c', value: 3 } }] })).status, 204);
    assert.equal((await post('/v1.0/state/store', [{ key: 'a', value: 9, etag: '12345' }])).status, 409);
    // The gRPC API goes through the same component calls.
    const client = daprGrpcClient(sidecar.grpcPort);
    try {
      await callDapr(client, 'GetState', { storeName: 'store', key: 'c' });
    } finally {
      client.close();
    }

    const m = await scrape(sidecar.metricsPort);
    assert.equal(m.types.get('dapr_component_state_count'), 'COUNTER');
    assert.equal(m.types.get('dapr_component_state_latencies'), 'HISTOGRAM');
    // A store without a native bulk read answers a bulk get with one get per key.
    const bulk = value(m, 'dapr_component_state_count', { component: 'store', operation: 'bulk_get', success: 'true' });
    assert.equal(value(m, 'dapr_component_state_count', { component: 'store', operation: 'get', success: 'true' }), bulk === 1 ? 3 : 5);
    assert.equal(value(m, 'dapr_component_state_count', { component: 'store', operation: 'set', success: 'true' }), 2, 'one set per item (SQLite has no native bulk set)');
    assert.equal(value(m, 'dapr_component_state_count', { component: 'store', operation: 'set', success: 'false' }), 1, 'the ETag conflict');
    assert.equal(value(m, 'dapr_component_state_count', { component: 'store', operation: 'delete', success: 'true' }), 1);
    assert.equal(value(m, 'dapr_component_state_count', { component: 'store', operation: 'transaction', success: 'true' }), 1);
    assert.equal(value(m, 'dapr_resiliency_count', { name: 'metrics-policies', policy: 'retry', target: 'Statestore_store', flow_direction: 'outbound' }) >= 7, true);
    assert.equal(value(m, 'dapr_resiliency_activations_total', { policy: 'retry', target: 'Statestore_store' }), 0, 'the ETag conflict was not retried');
  });

  test('publish and delivery are counted as pub/sub egress and ingress by topic', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await post('/v1.0/publish/bus/orders', { i })).status, 204);
    await eventually(() => (app.requests.filter((r) => r.url === '/orders').length >= 3 ? true : undefined), 'three deliveries');
    const m = await eventually(async () => {
      const s = await scrape(sidecar.metricsPort);
      return value(s, 'dapr_component_pubsub_ingress_count', { component: 'bus', topic: 'orders', process_status: 'success' }) === 3 ? s : undefined;
    }, 'the ingress count');
    assert.equal(value(m, 'dapr_component_pubsub_egress_count', { component: 'bus', topic: 'orders', success: 'true' }), 3);
    assert.equal(m.types.get('dapr_component_pubsub_egress_latencies'), 'HISTOGRAM');
    assert.equal(m.types.get('dapr_component_pubsub_ingress_latencies'), 'HISTOGRAM');
  });

  test('a message the app answers DROP is counted with process_status drop, not success', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await post('/v1.0/publish/bus/refused', { i })).status, 204);
    const m = await eventually(async () => {
      const s = await scrape(sidecar.metricsPort);
      return value(s, 'dapr_component_pubsub_ingress_count', { component: 'bus', topic: 'refused', process_status: 'drop' }) === 2 ? s : undefined;
    }, 'two drops counted');
    assert.equal(value(m, 'dapr_component_pubsub_ingress_count', { component: 'bus', topic: 'refused', process_status: 'success' }), 0);
  });

  test('bindings, secrets and configuration calls carry their operation and outcome', async () => {
    assert.equal((await post('/v1.0/bindings/files', { operation: 'create', data: 'hi', metadata: { fileName: 'x.txt' } })).status, 200);
    assert.equal((await post('/v1.0/bindings/files', { operation: 'get', metadata: { fileName: 'missing.txt' } })).status, 500);
    assert.equal((await call(sidecar.httpPort, '/v1.0/secrets/env/HOME')).status, 200);
    assert.equal((await call(sidecar.httpPort, '/v1.0/secrets/env/bulk')).status, 200);
    assert.ok([200, 204].includes((await call(sidecar.httpPort, '/v1.0/configuration/cfg?key=outrigger-metrics-absent')).status));
    const m = await eventually(async () => {
      const s = await scrape(sidecar.metricsPort);
      return value(s, 'dapr_component_input_binding_count', { component: 'ticker', success: 'true' }) >= 1 ? s : undefined;
    }, 'a cron event delivered');
    assert.equal(value(m, 'dapr_component_output_binding_count', { component: 'files', operation: 'create', success: 'true' }), 1);
    assert.equal(value(m, 'dapr_component_output_binding_count', { component: 'files', operation: 'get', success: 'false' }), 1);
    assert.equal(value(m, 'dapr_component_secret_count', { component: 'env', operation: 'get', success: 'true' }), 1);
    assert.equal(value(m, 'dapr_component_secret_count', { component: 'env', operation: 'bulk_get', success: 'true' }), 1);
    assert.equal(value(m, 'dapr_component_configuration_count', { component: 'cfg', operation: 'get', success: 'true' }), 1);
    for (const h of ['dapr_component_output_binding_latencies', 'dapr_component_input_binding_latencies', 'dapr_component_secret_latencies', 'dapr_component_configuration_latencies']) {
      assert.equal(m.types.get(h), 'HISTOGRAM', h);
    }
  });

  test('runtime: components initialised and resiliency resources loaded', async () => {
    const m = await scrape(sidecar.metricsPort);
    for (const c of ['store', 'bus', 'files', 'ticker', 'env', 'cfg']) {
      assert.equal(metricValue(m, 'dapr_runtime_component_init_total', { app_id: appId, component: c }), 1, c);
    }
    assert.equal(metricValue(m, 'dapr_runtime_component_loaded', { app_id: appId }), 6);
    assert.equal(metricValue(m, 'dapr_resiliency_loaded', { app_id: appId, name: 'metrics-policies', namespace: 'default' }), 1);
  });
});
