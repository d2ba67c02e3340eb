/** Declarative + programmatic subscriptions, CEL routing, bulk subscribe and streaming subscriptions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { Dapr } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import { createPubsubRuntime } from '../../../runtime/pubsub';
import { HttpAppChannel } from '../../../runtime/app-channel/http-app-channel';
import { mergeDaprServices } from '../../../proxy/grpc/dapr-services';
import { subscriptionSchema } from '../../../config/schemas/subscription';
import { startApp, testLogger } from '../../helpers/sidecar';
import { pubsubComponents, waitFor } from './helpers';

function declarative(doc: unknown) {
  return subscriptionSchema.parse(doc);
}

test('declarative (scoped) and programmatic subscriptions with CEL routing rules', async () => {
  const app = await startApp((_req, res) => { res.writeHead(200); res.end(); });
  const ps = pubsubComponents({ ps: {} });
  const channel = new HttpAppChannel({ protocol: 'http', host: '127.0.0.1', port: app.port, maxConcurrency: -1, maxBodySize: 1 << 20, appId: 'me', namespace: 'default' });
  const decl = [
    declarative({ apiVersion: 'dapr.io/v2alpha1', kind: 'Subscription', metadata: { name: 's1' }, spec: { pubsubname: 'ps', topic: 'orders', routes: { rules: [{ match: 'event.data.kind == "vip"', path: '/vip' }], default: '/normal' } }, scopes: ['me'] }),
    declarative({ apiVersion: 'dapr.io/v1alpha1', kind: 'Subscription', metadata: { name: 's2' }, spec: { pubsubname: 'ps', topic: 'other', route: '/not-mine' }, scopes: ['someone-else'] }),
  ];
  const runtime = createPubsubRuntime({ appId: 'me', namespace: 'default', logger: testLogger(), maxBodySize: 1 << 20, pubsubs: () => ps.map, componentOf: ps.componentOf, appChannel: channel, appProtocol: 'http', declarative: () => decl });
  try {
    await runtime.start();
    // The app answers /dapr/subscribe later than the sidecar started.
    await runtime.setProgrammaticSubscriptions([{ pubsubname: 'ps', topic: 'late', routes: { rules: [{ match: 'event.type == "x"', path: '/x' }] } }, { pubsubname: 'ps', topic: 'noroute' }]);
    const pub = (topic: string, data: unknown, md: Record<string, string> = {}) => runtime.api.publish({ pubsub: 'ps', topic, data: Buffer.from(JSON.stringify(data)), contentType: 'application/json', metadata: md });
    assert.ok((await pub('orders', { kind: 'vip' })).ok);
    assert.ok((await pub('orders', { kind: 'plain' })).ok);
    assert.ok((await pub('late', 1, { 'cloudevent.type': 'x' })).ok);
    assert.ok((await pub('late', 2, { 'cloudevent.type': 'y' })).ok);
    assert.ok((await pub('other', 3)).ok);
    await waitFor(() => app.requests.length >= 3, 5000, 'three deliveries');
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(app.requests.map((r) => r.url).sort(), ['/normal', '/vip', '/x']);
    const list = runtime.subscriptions();
    assert.deepEqual(list.map((s) => `${s.type}:${s.topic}`).sort(), ['DECLARATIVE:orders', 'PROGRAMMATIC:late']);
    const orders = list.find((s) => s.topic === 'orders')!;
    assert.deepEqual(orders.rules, [{ match: 'event.data.kind == "vip"', path: '/vip' }, { match: '', path: '/normal' }]);
  } finally {
    await runtime.stop(500);
    await channel.close();
    await app.close();
  }
});

test('bulk subscribe delivers entries and settles each by its status', async () => {
  const statuses: Record<string, string> = {};
  const app = await startApp((_req, res, body) => {
    const env = JSON.parse(body.toString()) as { type: string; entries: Array<{ entryId: string; event: { data: number } }> };
    const out = env.entries.map((e) => ({ entryId: e.entryId, status: e.event.data === 2 && !statuses.retried ? ((statuses.retried = 'y'), 'RETRY') : 'SUCCESS' }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ statuses: out }));
  });
  const ps = pubsubComponents({ ps: {} });
  const channel = new HttpAppChannel({ protocol: 'http', host: '127.0.0.1', port: app.port, maxConcurrency: -1, maxBodySize: 1 << 20, appId: 'me', namespace: 'default' });
  const runtime = createPubsubRuntime({ appId: 'me', namespace: 'default', logger: testLogger(), maxBodySize: 1 << 20, pubsubs: () => ps.map, componentOf: ps.componentOf, appChannel: channel, appProtocol: 'http', declarative: () => [], retryPolicy: () => ({ maxRetries: 3, intervalMs: 10 }) });
  try {
    await runtime.start();
    await runtime.setProgrammaticSubscriptions([{ pubsubname: 'ps', topic: 'b', route: '/bulk', bulkSubscribe: { enabled: true, maxMessagesCount: 10, maxAwaitDurationMs: 20 } }]);
    for (const n of [1, 2, 3]) assert.ok((await runtime.api.publish({ pubsub: 'ps', topic: 'b', data: Buffer.from(String(n)), contentType: 'application/json', metadata: {} })).ok);
    const delivered = (): number[] => app.requests.flatMap((r) => (JSON.parse(r.body.toString()) as { entries: Array<{ event: { data: number } }> }).entries.map((e) => e.event.data));
    await waitFor(() => delivered().filter((d) => d === 2).length === 2 && delivered().length >= 4, 5000, 'bulk deliveries with one retry');
    const first = JSON.parse(app.requests[0]!.body.toString()) as Record<string, unknown>;
    assert.equal(first.type, 'com.dapr.event.sent.bulk');
    assert.equal(first.topic, 'b');
    assert.equal(first.pubsubname, 'ps');
    assert.equal(app.requests[0]!.headers['content-type'], 'application/json');
    const entry = (first.entries as Array<Record<string, unknown>>)[0]!;
    assert.equal(entry.contentType, 'application/cloudevents+json');
    assert.equal(typeof entry.entryId, 'string');
    assert.deepEqual(delivered().sort(), [1, 2, 2, 3]);
  } finally {
    await runtime.stop(500);
    await channel.close();
    await app.close();
  }
});

test('streaming subscription over gRPC: initial response, events, acks, redelivery on RETRY', async () => {
  const ps = pubsubComponents({ ps: {} });
  const runtime = createPubsubRuntime({ appId: 'me', namespace: 'default', logger: testLogger(), maxBodySize: 1 << 20, pubsubs: () => ps.map, componentOf: ps.componentOf, appChannel: undefined, appProtocol: 'http', declarative: () => [] });
  await runtime.start();
  const server = http2.createServer(connectNodeAdapter({ routes: (r) => { r.service(Dapr, mergeDaprServices(runtime.grpcServices())); } }));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.once('close', () => sessions.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sm = new Http2SessionManager(baseUrl);
  const client = createClient(Dapr, createGrpcTransport({ baseUrl, sessionManager: sm }));
  const outgoing: Array<Parameters<typeof client.subscribeTopicEventsAlpha1>[0] extends AsyncIterable<infer T> ? T : never> = [];
  let wake: (() => void) | undefined;
  let done = false;
  const requests = (async function* () {
    for (;;) {
      while (outgoing.length) yield outgoing.shift()!;
      if (done) return;
      await new Promise<void>((r) => { wake = r; });
    }
  })();
  const send = (m: (typeof outgoing)[number]): void => { outgoing.push(m); wake?.(); };
  try {
    send({ subscribeTopicEventsRequestType: { case: 'initialRequest', value: { pubsubName: 'ps', topic: 'live', metadata: {} } } });
    const stream = client.subscribeTopicEventsAlpha1(requests)[Symbol.asyncIterator]();
    const first = await stream.next();
    assert.equal(first.value?.subscribeTopicEventsResponseType.case, 'initialResponse');
    assert.deepEqual(runtime.subscriptions().map((s) => s.type), ['STREAMING']);
    await client.publishEvent({ pubsubName: 'ps', topic: 'live', data: Buffer.from('{"n":1}'), dataContentType: 'application/json' });
    const ev = await stream.next();
    assert.equal(ev.value?.subscribeTopicEventsResponseType.case, 'eventMessage');
    const msg = ev.value!.subscribeTopicEventsResponseType.value as { id: string; topic: string; pubsubName: string; data: Uint8Array; dataContentType: string };
    assert.equal(msg.topic, 'live');
    assert.equal(msg.pubsubName, 'ps');
    assert.deepEqual(JSON.parse(Buffer.from(msg.data).toString()), { n: 1 });
    send({ subscribeTopicEventsRequestType: { case: 'eventProcessed', value: { id: msg.id, status: { status: 1 } } } });
    const again = await stream.next();
    const msg2 = again.value!.subscribeTopicEventsResponseType.value as { id: string };
    assert.equal(msg2.id, msg.id);
    send({ subscribeTopicEventsRequestType: { case: 'eventProcessed', value: { id: msg.id, status: { status: 0 } } } });
    done = true;
    wake?.();
    const end = await stream.next();
    assert.equal(end.done, true);
    await waitFor(() => runtime.subscriptions().length === 0, 5000, 'streaming subscription removed');
  } finally {
    sm.abort();
    for (const s of sessions) s.destroy();
    await runtime.stop(500);
    await new Promise<void>((r) => server.close(() => r()));
  }
});
