/**
 * Input bindings delivered to a real HTTP app (OPTIONS discovery, POST /<name> or `route`), to a
 * gRPC-style app (ListInputBindings/OnBindingEvent with `to`), pausing while the app is unhealthy:
 * bindings.cron, bindings.mqtt3, bindings.rabbitmq.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import amqp from 'amqplib';
import type { ComponentInstance } from '../../components/contract';
import { cronBindingDriver, startSchedule } from '../../components/bindings/cron-binding';
import { mqttBindingDriver } from '../../components/bindings/mqtt-binding';
import { rabbitmqBindingDriver } from '../../components/bindings/rabbitmq-binding';
import { BindingsApi } from '../../api/bindings/bindings-api';
import { bindingsRoutes } from '../../api/bindings/http-routes';
import { InputBindings } from '../../runtime/bindings/input-bindings';
import type { GrpcBindingApp } from '../../runtime/bindings/app-delivery';
import { HttpAppChannel } from '../../runtime/app-channel/http-app-channel';
import { startApp, type RecordedRequest, type TestApp } from '../helpers/sidecar';
import { eventually, fetchJson, instance, quietLogger, serveRoutes, uid, type RouteServer } from './harness';

class FakeHealth extends EventEmitter {
  healthy = true;
  isHealthy(): boolean {
    return this.healthy;
  }
  set(v: boolean): void {
    this.healthy = v;
    this.emit('change', v);
  }
}

describe('input bindings to an HTTP app', () => {
  let app: TestApp;
  let server: RouteServer;
  let input: InputBindings;
  let health: FakeHealth;
  const insts = new Map<string, ComponentInstance>();
  const md: Record<string, Record<string, string>> = {};
  const topic = uid('outrigger/bindings');
  const queue = uid('outrigger-binding-q');
  const posts = (path: string): RecordedRequest[] => app.requests.filter((r) => r.method === 'POST' && r.url === path);

  before(async () => {
    let failedOnce = false;
    app = await startApp((req, res, body) => {
      if (req.method === 'OPTIONS' && req.url === '/unwanted') {
        res.writeHead(404);
        return res.end();
      }
      if (body.toString() === '"retry-me"' && !failedOnce) {
        failedOnce = true;
        res.writeHead(500);
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    insts.set('ticker', await instance(cronBindingDriver, 'ticker', { schedule: '* * * * * *' }));
    insts.set('unwanted', await instance(cronBindingDriver, 'unwanted', { schedule: '@every 100ms' }));
    insts.set('mq', await instance(mqttBindingDriver, 'mq', { url: 'mqtt://127.0.0.1:1883', topic, qos: '1' }));
    insts.set('rabbit', await instance(rabbitmqBindingDriver, 'rabbit', { host: 'amqp://guest:guest@127.0.0.1:5672', queueName: queue, deleteWhenUnused: 'false' }));
    md.rabbit = { route: '/rabbit-events' };
    md.mq = { direction: 'input, output' };
    health = new FakeHealth();
    const channel = new HttpAppChannel({ appId: 'bind-app', namespace: 'default', protocol: 'http', host: '127.0.0.1', port: app.port, maxConcurrency: -1, maxBodySize: 1 << 20 });
    const bindings = new BindingsApi({ bindings: () => insts, metadataOf: (n) => md[n] });
    server = await serveRoutes(bindingsRoutes(bindings, 1 << 20));
    input = new InputBindings({ logger: quietLogger, bindings: () => insts, metadataOf: (n) => md[n], appChannel: () => channel, appHealth: health });
    await input.start();
  });
  after(async () => {
    await input.stop();
    await server.close();
    for (const i of insts.values()) await i.close();
    await app.close();
    const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await conn.close();
  });

  it('asks OPTIONS /<name> (or the route) unless direction says input; 404 means not subscribed', () => {
    const options = app.requests.filter((r) => r.method === 'OPTIONS').map((r) => r.url).sort();
    assert.deepEqual(options, ['/rabbit-events', '/ticker', '/unwanted']);
    assert.deepEqual(input.active().sort(), ['mq', 'rabbit', 'ticker']);
  });

  it('bindings.cron (6 fields, seconds) posts to /<name> with its metadata', async () => {
    const ev = await eventually(() => posts('/ticker')[0], 10_000, 'a cron event');
    assert.equal(ev.headers['content-type'], 'application/json');
    assert.ok(ev.headers.readtimeutc);
    assert.equal(posts('/unwanted').length, 0);
  });

  it('an MQTT output binding comes back as an input binding', async () => {
    const r = await fetchJson(`${server.url}/v1.0/bindings/mq`, { method: 'POST', body: JSON.stringify({ operation: 'create', data: { hello: 'mqtt' } }) });
    assert.equal(r.status, 204);
    const ev = await eventually(() => posts('/mq').find((p) => p.body.toString() === '{"hello":"mqtt"}'), 10_000, 'the MQTT event');
    assert.equal(ev.headers.topic, topic);
  });

  it('rabbitmq redelivers an event the app failed', async () => {
    await fetchJson(`${server.url}/v1.0/bindings/rabbit`, { method: 'POST', body: JSON.stringify({ operation: 'create', data: 'retry-me' }) });
    const both = await eventually(() => {
      const got = posts('/rabbit-events').filter((p) => p.body.toString() === '"retry-me"');
      return got.length >= 2 ? got : undefined;
    }, 10_000, 'the redelivery');
    assert.equal(both.length, 2);
  });

  it('rabbitmq round trip to the route, and nothing is consumed while the app is unhealthy', async () => {
    await fetchJson(`${server.url}/v1.0/bindings/rabbit`, { method: 'POST', body: JSON.stringify({ operation: 'create', data: 'first' }) });
    await eventually(() => posts('/rabbit-events').find((p) => p.body.toString() === '"first"'), 10_000, 'the first rabbit event');

    health.set(false);
    await eventually(() => (input.active().length === 0 ? true : undefined), 5000, 'bindings to pause');
    await fetchJson(`${server.url}/v1.0/bindings/rabbit`, { method: 'POST', body: JSON.stringify({ operation: 'create', data: 'while-down' }) });
    const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    try {
      const ch = await conn.createChannel();
      const waiting = await eventually(async () => ((await ch.checkQueue(queue)).messageCount === 1 ? 1 : undefined), 5000, 'the message to wait in the queue');
      assert.equal(waiting, 1);
    } finally {
      await conn.close();
    }
    assert.equal(posts('/rabbit-events').filter((p) => p.body.toString() === '"while-down"').length, 0);

    health.set(true);
    await eventually(() => posts('/rabbit-events').find((p) => p.body.toString() === '"while-down"'), 10_000, 'delivery after recovery');
    assert.deepEqual(input.active().sort(), ['mq', 'rabbit', 'ticker']);
  });
});

describe('input bindings to a gRPC app', () => {
  it('ListInputBindings decides; OnBindingEvent replies with `to` are sent to output bindings', async () => {
    const events: Array<{ name: string; data: string }> = [];
    const outputs: Array<{ name: string; data: string }> = [];
    const app: GrpcBindingApp = {
      listInputBindings: async () => ({ ok: true, value: { bindings: ['Every'] } as never }),
      onBindingEvent: async (req) => {
        events.push({ name: String(req.name), data: Buffer.from(req.data ?? new Uint8Array(0)).toString() });
        return { ok: true, value: { storeName: '', states: [], to: ['sink'], data: Buffer.from('forwarded'), concurrency: 0 } as never };
      },
    };
    const every = await instance(cronBindingDriver, 'every', { schedule: '@every 50ms' });
    const other = await instance(cronBindingDriver, 'other', { schedule: '@every 50ms' });
    const input = new InputBindings({
      logger: quietLogger,
      bindings: () => new Map<string, ComponentInstance>([['every', every], ['other', other]]),
      metadataOf: () => undefined,
      grpcApp: () => app,
      invokeOutput: async (name, data) => {
        outputs.push({ name, data: data.toString() });
        return undefined;
      },
    });
    try {
      await input.start();
      assert.deepEqual(input.active(), ['every']);
      await eventually(() => outputs[0], 5000, 'a forwarded output');
      assert.equal(events[0]?.name, 'every');
      assert.deepEqual(outputs[0], { name: 'sink', data: 'forwarded' });
      assert.ok(events.every((e) => e.name === 'every'));
    } finally {
      await input.stop();
      await every.close();
      await other.close();
    }
  });

  it('reconcile starts added bindings, stops removed ones and restarts reloaded ones', async () => {
    const seen: string[] = [];
    const app: GrpcBindingApp = {
      listInputBindings: async () => ({ ok: true, value: { bindings: ['a', 'b'] } as never }),
      onBindingEvent: async (req) => {
        seen.push(String(req.name));
        return { ok: true, value: { storeName: '', states: [], to: [], data: new Uint8Array(0), concurrency: 0 } as never };
      },
    };
    const live = new Map<string, ComponentInstance>([['a', await instance(cronBindingDriver, 'a', { schedule: '@every 1h' })]]);
    const input = new InputBindings({ logger: quietLogger, bindings: () => live, metadataOf: () => undefined, grpcApp: () => app });
    try {
      await input.start();
      assert.deepEqual(input.active(), ['a']);
      live.set('b', await instance(cronBindingDriver, 'b', { schedule: '@every 50ms' }));
      await input.reconcile();
      assert.deepEqual(input.active().sort(), ['a', 'b']);
      await eventually(() => (seen.includes('b') ? true : undefined), 5000, 'events of the added binding');
      const oldA = live.get('a')!;
      live.set('a', await instance(cronBindingDriver, 'a', { schedule: '@every 50ms' }));
      await oldA.close();
      await live.get('b')!.close();
      live.delete('b');
      await input.reconcile();
      assert.deepEqual(input.active(), ['a']);
      await eventually(() => (seen.includes('a') ? true : undefined), 5000, 'events of the reloaded binding');
    } finally {
      await input.stop();
      for (const i of live.values()) await i.close();
    }
  });

  it('cron schedules: @every needs a valid duration; invalid expressions fail init', async () => {
    assert.throws(() => startSchedule('@every nope', undefined, () => undefined));
    await assert.rejects(instance(cronBindingDriver, 'bad', { schedule: 'not a cron' }));
    await assert.rejects(instance(cronBindingDriver, 'none', {}));
    const ok = startSchedule('0 30 * * * *', 'UTC', () => undefined);
    ok.stop();
  });
});
