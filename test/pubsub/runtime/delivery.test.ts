/** Publish -> broker (pubsub.in-memory) -> runtime -> a real HTTP app, through the pub/sub runtime. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createPubsubRuntime, type PubsubRuntime } from '../../../runtime/pubsub';
import { HttpAppChannel } from '../../../runtime/app-channel/http-app-channel';
import { startApp, testLogger, type TestApp } from '../../helpers/sidecar';
import { collect, FakeHealth, pubsubComponents, serveRoutes, waitFor } from './helpers';

interface Harness { app: TestApp; runtime: PubsubRuntime; api: { port: number; close(): Promise<void> }; channel: HttpAppChannel; ps: ReturnType<typeof pubsubComponents> }

async function harness(reply: (path: string, body: Buffer, n: number) => { status: number; body?: string }, opts: { md?: Record<string, Record<string, string>>; health?: FakeHealth; retries?: number } = {}): Promise<Harness> {
  let n = 0;
  const app = await startApp((req, res, body) => {
    const r = reply(req.url ?? '', body, n++);
    res.writeHead(r.status, { 'content-type': 'application/json' });
    res.end(r.body ?? '');
  });
  const ps = pubsubComponents(opts.md ?? { ps: {} });
  const channel = new HttpAppChannel({ protocol: 'http', host: '127.0.0.1', port: app.port, maxConcurrency: -1, maxBodySize: 1 << 20, appId: 'subapp', namespace: 'default' });
  const runtime = createPubsubRuntime({
    appId: 'subapp', namespace: 'default', logger: testLogger(), maxBodySize: 1 << 20,
    pubsubs: () => ps.map, componentOf: ps.componentOf, appChannel: channel, appProtocol: 'http',
    declarative: () => [], retryPolicy: () => ({ maxRetries: opts.retries ?? 2, intervalMs: 10 }),
    ...(opts.health ? { appHealth: opts.health } : {}),
  });
  await runtime.start();
  const api = await serveRoutes(runtime.routes());
  return { app, runtime, api, channel, ps };
}

async function close(h: Harness): Promise<void> {
  await h.runtime.stop(500);
  await h.api.close();
  await h.channel.close();
  await h.app.close();
}

function publish(port: number, path: string, body: string, ct = 'application/json', headers: Record<string, string> = {}) {
  return request(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers: { 'content-type': ct, ...headers } });
}

const events = (app: TestApp, path: string) => app.requests.filter((r) => r.url === path);

test('publish over HTTP reaches the subscribed route with the CloudEvent and headers', async () => {
  const h = await harness(() => ({ status: 200 }));
  try {
    await h.runtime.setProgrammaticSubscriptions([{ pubsubname: 'ps', topic: 'orders/eu', route: '/orders' }]);
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await publish(h.api.port, '/v1.0/publish/ps/orders/eu?metadata.cloudevent.type=custom&metadata.extra=1', '{"id":7}', 'application/json', { traceparent: tp });
    assert.equal(res.statusCode, 204);
    await res.body.dump();
    await waitFor(() => events(h.app, '/orders').length === 1, 5000, 'delivery');
    const got = events(h.app, '/orders')[0]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['content-type'], 'application/cloudevents+json');
    assert.equal(got.headers.pubsubname, 'ps');
    assert.equal(got.headers.extra, '1');
    assert.equal(got.headers.traceparent, tp);
    const ce = JSON.parse(got.body.toString()) as Record<string, unknown>;
    assert.deepEqual(ce.data, { id: 7 });
    assert.equal(ce.type, 'custom');
    assert.equal(ce.source, 'subapp');
    assert.equal(ce.topic, 'orders/eu');
    assert.equal(ce.pubsubname, 'ps');
    assert.equal(ce.traceparent, tp);
    assert.equal(ce.datacontenttype, 'application/json');
  } finally {
    await close(h);
  }
});

test('publish errors carry Dapr codes and statuses', async () => {
  const h = await harness(() => ({ status: 200 }), { md: { ps: { publishingScopes: 'subapp=allowed' } } });
  try {
    const cases: Array<[string, number, string]> = [
      ['/v1.0/publish/nope/t', 404, 'ERR_PUBSUB_NOT_FOUND'],
      ['/v1.0/publish/ps/forbidden', 403, 'ERR_PUBSUB_FORBIDDEN'],
      ['/v1.0/publish/ps', 404, 'ERR_TOPIC_NAME_EMPTY'],
      ['/v1.0/publish/ps/allowed?metadata.rawPayload=maybe', 400, 'ERR_PUBSUB_REQUEST_METADATA'],
    ];
    for (const [path, status, code] of cases) {
      const res = await publish(h.api.port, path, 'x', 'text/plain');
      assert.equal(res.statusCode, status, path);
      assert.equal(((await res.body.json()) as { errorCode: string }).errorCode, code, path);
    }
    const ce = await publish(h.api.port, '/v1.0/publish/ps/allowed', 'not json', 'application/cloudevents+json');
    assert.equal(ce.statusCode, 500);
    assert.equal(((await ce.body.json()) as { errorCode: string }).errorCode, 'ERR_PUBSUB_CLOUD_EVENTS_SER');
  } finally {
    await close(h);
  }
});

test('RETRY redelivers until the app accepts', async () => {
  const h = await harness((_p, _b, n) => (n < 2 ? { status: 200, body: '{"status":"RETRY"}' } : { status: 200, body: '{"status":"SUCCESS"}' }), { retries: 5 });
  try {
    await h.runtime.setProgrammaticSubscriptions([{ pubsubname: 'ps', topic: 't', route: '/r', deadLetterTopic: 'dlq' }]);
    const dlq = await collect(h.ps.map.get('ps')!, 'dlq');
    await (await publish(h.api.port, '/v1.0/publish/ps/t', '"x"')).body.dump();
    await waitFor(() => events(h.app, '/r').length === 3, 5000, 'three attempts');
    const ids = events(h.app, '/r').map((r) => (JSON.parse(r.body.toString()) as { id: string }).id);
    assert.equal(new Set(ids).size, 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(events(h.app, '/r').length, 3);
    assert.equal(dlq.messages.length, 0);
    await dlq.stop();
  } finally {
    await close(h);
  }
});

test('DROP, 404 and exhausted retries go to the dead-letter topic with the original bytes', async () => {
  const h = await harness((path) => (path === '/drop' ? { status: 200, body: '{"status":"DROP"}' } : path === '/gone' ? { status: 404 } : { status: 500 }), { retries: 1 });
  try {
    await h.runtime.setProgrammaticSubscriptions([
      { pubsubname: 'ps', topic: 'a', route: '/drop', deadLetterTopic: 'dlq' },
      { pubsubname: 'ps', topic: 'b', route: '/gone', deadLetterTopic: 'dlq' },
      { pubsubname: 'ps', topic: 'c', route: '/fail', deadLetterTopic: 'dlq' },
    ]);
    const dlq = await collect(h.ps.map.get('ps')!, 'dlq');
    for (const t of ['a', 'b', 'c']) await (await publish(h.api.port, `/v1.0/publish/ps/${t}`, `{"t":"${t}"}`)).body.dump();
    await waitFor(() => dlq.messages.length === 3, 5000, 'three dead letters');
    const topics = dlq.messages.map((m) => (JSON.parse(m.data.toString()) as { topic: string; data: { t: string } })).map((ce) => `${ce.topic}:${ce.data.t}`).sort();
    assert.deepEqual(topics, ['a:a', 'b:b', 'c:c']);
    assert.equal(events(h.app, '/fail').length, 2);
    assert.equal(events(h.app, '/drop').length, 1);
    await dlq.stop();
  } finally {
    await close(h);
  }
});

test('maxConcurrentHandlers 1 delivers a topic in publish order', async () => {
  const h = await harness(() => ({ status: 200 }));
  try {
    await h.runtime.setProgrammaticSubscriptions([{ pubsubname: 'ps', topic: 'seq', route: '/seq', metadata: { maxConcurrentHandlers: '1' } }]);
    for (let i = 0; i < 20; i++) await (await publish(h.api.port, '/v1.0/publish/ps/seq', String(i))).body.dump();
    await waitFor(() => events(h.app, '/seq').length === 20, 5000, 'twenty events');
    const got = events(h.app, '/seq').map((r) => (JSON.parse(r.body.toString()) as { data: number }).data);
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i));
  } finally {
    await close(h);
  }
});

test('deliveries pause while the app is unhealthy and nothing is dead-lettered', async () => {
  const health = new FakeHealth(false);
  const h = await harness(() => ({ status: 200 }), { health });
  try {
    await h.runtime.setProgrammaticSubscriptions([{ pubsubname: 'ps', topic: 'p', route: '/p', deadLetterTopic: 'dlq' }]);
    const dlq = await collect(h.ps.map.get('ps')!, 'dlq');
    await (await publish(h.api.port, '/v1.0/publish/ps/p', '"held"')).body.dump();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(events(h.app, '/p').length, 0);
    assert.equal(dlq.messages.length, 0);
    health.set(true);
    await waitFor(() => events(h.app, '/p').length === 1, 5000, 'delivery after recovery');
    assert.equal(dlq.messages.length, 0);
    await dlq.stop();
  } finally {
    await close(h);
  }
});
