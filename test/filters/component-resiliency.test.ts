/**
 * Resiliency on component calls, through a running sidecar against real stores: a private
 * redis-server (spawned here on a free port, stopped and started by the test) behind state.redis
 * and pubsub.redis components, and the shared Mosquitto behind an MQTT input binding.
 *
 * Outbound: retries carry a save across a store outage; a circuit breaker opens after N failures
 * and then answers at once with the block's error code (never a 200) even once the store is back;
 * a timeout turns a stalled store call into ERR_STATE_GET; ETag conflicts are not retried.
 * Inbound: an input-binding event the app refuses is retried under the component's inbound policy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { freePort, resourcesWith, startApp, startTestSidecar, uniqueAppId, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import { call, eventually, metricValue, scrape } from './helpers';
import { BREAKER_AFTER_THREE_FAILURES, componentYaml, resiliencyYaml } from '../helpers/resource-yaml';

/** A redis-server of our own (no persistence), so the test can take it down and bring it back. */
class PrivateRedis {
  private proc: ChildProcess | undefined;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => proc.once('error', reject));
    this.proc = proc;
    await Promise.race([failed, eventually(async () => {
      const c = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => undefined);
      try {
        await c.connect();
        return (await c.ping()) === 'PONG' ? true : undefined;
      } catch {
        return undefined;
      } finally {
        c.disconnect();
      }
    }, `redis-server on ${this.port}`)]);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  }

  async command(...args: [string, ...string[]]): Promise<unknown> {
    const c = new Redis({ port: this.port, host: '127.0.0.1' });
    try {
      return await c.call(...args);
    } finally {
      c.disconnect();
    }
  }
}

const RESILIENCY = resiliencyYaml('component-policies', {
  policies: {
    timeouts: { short: '300ms' },
    retries: {
      patient: { policy: 'constant', duration: '200ms', maxRetries: 60 },
      quick: { policy: 'constant', duration: '20ms', maxRetries: 3 },
    },
    circuitBreakers: { cb: BREAKER_AFTER_THREE_FAILURES },
  },
  targets: {
    components: {
      flaky: { outbound: { retry: 'patient' } },
      fragile: { outbound: { circuitBreaker: 'cb' } },
      timed: { outbound: { timeout: 'short' } },
      bus: { outbound: { circuitBreaker: 'cb' } },
      mq: { inbound: { retry: 'quick' } },
    },
  },
});

describe('resiliency on component calls', () => {
  let redis: PrivateRedis;
  let app: TestApp;
  let sidecar: SidecarHandle;
  const mqTopic = `outrigger/component-resiliency/${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let refusalsLeft = 2;

  before(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    app = await startApp((req, res, body) => {
      if (req.url === '/mq' && req.method === 'POST' && body.toString() === '{"n":42}') {
        if (refusalsLeft > 0) {
          refusalsLeft--;
          res.writeHead(500).end('not now');
          return;
        }
      }
      res.writeHead(200).end();
    });
    const host = `127.0.0.1:${redis.port}`;
    sidecar = await startTestSidecar({
      appId: uniqueAppId('comp-res'), appPort: app.port, enableMetrics: true,
      resourcesPaths: [resourcesWith({
        'flaky.yaml': componentYaml('flaky', 'state.redis', { redisHost: host }),
        'fragile.yaml': componentYaml('fragile', 'state.redis', { redisHost: host }),
        'timed.yaml': componentYaml('timed', 'state.redis', { redisHost: host }),
        'bus.yaml': componentYaml('bus', 'pubsub.redis', { redisHost: host }),
        'mq.yaml': componentYaml('mq', 'bindings.mqtt3', { url: 'mqtt://127.0.0.1:1883', topic: mqTopic, qos: '1', direction: 'input, output' }),
        'resiliency.yaml': RESILIENCY,
      })],
    });
    const health = await call(sidecar.httpPort, '/v1.0/healthz');
    assert.equal(health.status, 204, `every component loaded: ${health.text}`);
  });

  after(async () => {
    await sidecar?.stop('test done');
    await app?.close();
    await redis?.stop();
  });

  const state = (store: string, path = ''): string => `/v1.0/state/${store}${path}`;
  const save = (store: string, items: unknown): Promise<Awaited<ReturnType<typeof call>>> =>
    call(sidecar.httpPort, state(store), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(items) });
  const errorOf = (r: Awaited<ReturnType<typeof call>>): { errorCode: string; message: string } => r.json() as { errorCode: string; message: string };
  const retries = async (target: string, direction = 'outbound'): Promise<number> =>
    metricValue(await scrape(sidecar.metricsPort), 'dapr_resiliency_activations_total', { policy: 'retry', target, flow_direction: direction });

  test('an ETag conflict is answered at once, never retried', async () => {
    assert.equal((await save('flaky', [{ key: 'k', value: 'v1' }])).status, 204);
    const got = await call(sidecar.httpPort, state('flaky', '/k'));
    assert.equal(got.status, 200);
    const etag = got.headers.get('etag');
    assert.ok(etag, 'redis state answers an ETag');
    const conflict = await save('flaky', [{ key: 'k', value: 'v2', etag: `${etag}9` }]);
    assert.equal(conflict.status, 409);
    assert.equal(errorOf(conflict).errorCode, 'ERR_STATE_SAVE');
    const m = await scrape(sidecar.metricsPort);
    assert.equal(metricValue(m, 'dapr_resiliency_activations_total', { policy: 'retry', target: 'Statestore_flaky' }), 0, 'no retry of the conflict');
    assert.equal(metricValue(m, 'dapr_component_state_count', { component: 'flaky', operation: 'set', success: 'false' }), 1);
    assert.ok(metricValue(m, 'dapr_resiliency_count', { policy: 'retry', target: 'Statestore_flaky', flow_direction: 'outbound', name: 'component-policies' }) >= 3, 'the retry policy was applied to each call');
    assert.equal((await call(sidecar.httpPort, state('flaky', '/k'))).text, '"v1"');
  });

  test('a timeout policy turns a stalled store call into ERR_STATE_GET', async () => {
    await redis.command('client', 'pause', '1500', 'ALL');
    try {
      const r = await call(sidecar.httpPort, state('timed', '/slow'));
      assert.equal(r.status, 500);
      assert.equal(errorOf(r).errorCode, 'ERR_STATE_GET');
      assert.match(errorOf(r).message, /timed out after 300ms/);
    } finally {
      await redis.command('client', 'unpause');
    }
    const m = await scrape(sidecar.metricsPort);
    assert.equal(metricValue(m, 'dapr_resiliency_activations_total', { policy: 'timeout', target: 'Statestore_timed' }), 1);
    assert.equal(metricValue(m, 'dapr_component_state_count', { component: 'timed', operation: 'get', success: 'false' }), 1);
  });

  test('a circuit breaker opens after three failures and then fails fast with the block error code', async () => {
    await redis.stop();
    const statuses: Array<{ status: number; code: string; message: string }> = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(sidecar.httpPort, state('fragile', '/k'));
      statuses.push({ status: r.status, code: errorOf(r).errorCode, message: errorOf(r).message });
    }
    assert.ok(statuses.every((s) => s.status === 500 && s.code === 'ERR_STATE_GET'), JSON.stringify(statuses));
    assert.ok(statuses.slice(0, 3).every((s) => !/circuit breaker is open/.test(s.message)), 'the first three reached the store');
    assert.match(statuses[3]!.message, /circuit breaker is open/);

    // The same on the publish path.
    const published: Array<{ status: number; code: string; message: string }> = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(sidecar.httpPort, '/v1.0/publish/bus/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
      published.push({ status: r.status, code: errorOf(r).errorCode, message: errorOf(r).message });
    }
    assert.ok(published.every((s) => s.status === 500 && s.code === 'ERR_PUBSUB_PUBLISH_MESSAGE'), JSON.stringify(published));
    assert.match(published[3]!.message, /circuit breaker is open/);

    const m = await scrape(sidecar.metricsPort);
    assert.equal(metricValue(m, 'dapr_resiliency_cb_state', { target: 'Statestore_fragile', status: 'open', flow_direction: 'outbound' }), 1);
    assert.equal(metricValue(m, 'dapr_resiliency_cb_state', { target: 'Pubsub_bus', status: 'open' }), 1);
    assert.equal(metricValue(m, 'dapr_resiliency_activations_total', { policy: 'circuitbreaker', target: 'Statestore_fragile', status: 'open' }), 1);
  });

  test('retries carry a save across the store outage; the open breaker still fails fast', async () => {
    // The store is down (previous test). The save keeps retrying until the store is back.
    const before = await retries('Statestore_flaky');
    const pending = save('flaky', [{ key: 'outage', value: 'survived' }]);
    await eventually(async () => ((await retries('Statestore_flaky')) > before ? true : undefined), 'a retry of the save');
    await redis.start();
    const r = await pending;
    assert.equal(r.status, 204, r.text);
    assert.equal((await call(sidecar.httpPort, state('flaky', '/outage'))).text, '"survived"');

    // The store answers again, but the breaker stays open for its timeout: no call reaches it.
    const cut = await call(sidecar.httpPort, state('fragile', '/outage'));
    assert.equal(cut.status, 500);
    assert.equal(errorOf(cut).errorCode, 'ERR_STATE_GET');
    assert.match(errorOf(cut).message, /circuit breaker is open/);
    const m = await scrape(sidecar.metricsPort);
    assert.ok(metricValue(m, 'outrigger_circuit_breaker_rejected_total', { target: 'component:fragile:outbound' }) >= 2);
    assert.equal(metricValue(m, 'dapr_component_state_count', { component: 'flaky', operation: 'set', success: 'true' }), 2);
  });

  test('an input-binding event the app refuses is retried under the inbound policy', async () => {
    const publish = async (data: unknown): Promise<void> => {
      const r = await call(sidecar.httpPort, '/v1.0/bindings/mq', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operation: 'create', data }) });
      assert.ok(r.status === 200 || r.status === 204, r.text);
    };
    const posts = (text: string) => app.requests.filter((q) => q.url === '/mq' && q.method === 'POST' && q.body.toString() === text);
    // The binding starts reading once the app answers; warm up until an event arrives.
    await eventually(async () => {
      await publish({ warm: true });
      await new Promise((r) => setTimeout(r, 200));
      return posts('{"warm":true}').length > 0 ? true : undefined;
    }, 'the input binding to deliver');
    const okBefore = metricValue(await scrape(sidecar.metricsPort), 'dapr_component_input_binding_count', { component: 'mq', success: 'true' });
    await publish({ n: 42 });
    await eventually(() => (posts('{"n":42}').length >= 3 ? true : undefined), 'three deliveries of the refused event');
    const m = await eventually(async () => {
      const s = await scrape(sidecar.metricsPort);
      return metricValue(s, 'dapr_component_input_binding_count', { component: 'mq', success: 'true' }) > okBefore ? s : undefined;
    }, 'the input-binding metric');
    assert.equal(posts('{"n":42}').length, 3, 'two refusals, then accepted');
    assert.equal(metricValue(m, 'dapr_component_input_binding_count', { component: 'mq', success: 'false' }), 0, 'delivered in the end');
    assert.equal(metricValue(m, 'dapr_resiliency_activations_total', { policy: 'retry', target: 'Binding_mq', flow_direction: 'inbound' }), 2);
    assert.ok(metricValue(m, 'dapr_component_output_binding_count', { component: 'mq', operation: 'create', success: 'true' }) >= 2);
  });
});
