import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import Redis from 'ioredis';
import { deliveryRows, publishRows, pubsubMarkdown, pubsubSummaryLines } from '../report/pubsub-report';
import type { ClosedLoopSample, DeliverySample, PubsubResult } from '../report/types';
import { pubsubDirectRequester, openMessageStore } from '../load/pubsub-direct';
import { bulkBody, directPayload, PAYLOAD, pubsubTopics, subscriptionsJson } from '../targets/pubsub-sidecar';
import { latencyPercentiles, timedEvent } from '../targets/pubsub-delivery';
import { redisReady } from './fixtures';
import { freePort, pollUntil, tcpAccepts } from '../proc/net';

const loop = (rps: number, p50: number, p99: number): ClosedLoopSample => ({ rps, p50, p99, errors: 0, sent: 100, errorKinds: [], sidecarMcpu: 700, generatorMcpu: 300 });
const drained = (perSecond: number, duplicates = 0): DeliverySample => ({ messages: 1000, delivered: 1000, ms: 1e6 / perSecond, perSecond, sidecarMcpu: 800, appMcpu: 200, duplicates });

function result(): PubsubResult {
  const why = 'jetstream not reachable on nats://127.0.0.1:4222: CONNECTION_REFUSED';
  return {
    notes: ['a note'], unavailableBrokers: { jetstream: why }, concurrency: 16, durationMs: 300, payloadBytes: 1024, bulkSize: 100, deliveryMessages: 1000,
    publish: [
      { broker: 'sqlite', mode: 'single', path: 'sidecar', samples: [loop(1000, 10, 20), loop(1200, 9, 30), loop(800, 11, 25)] },
      { broker: 'sqlite', mode: 'single', path: 'direct', samples: [loop(4000, 2, 5)] },
      { broker: 'sqlite', mode: 'bulk', path: 'sidecar', samples: [loop(100, 100, 200)] },
      { broker: 'sqlite', mode: 'bulk', path: 'direct', samples: [loop(400, 20, 50)] },
      { broker: 'jetstream', mode: 'single', path: 'sidecar', samples: [], unavailable: why },
      { broker: 'jetstream', mode: 'single', path: 'direct', samples: [], unavailable: why },
    ],
    delivery: [
      { broker: 'sqlite', inFlight: 1, samples: [drained(500), drained(700), drained(600)], latency: [] },
      { broker: 'sqlite', inFlight: 16, samples: [drained(2000, 3)], latency: [{ rate: 200, count: 100, received: 100, p50: 1.5, p99: 4 }] },
      { broker: 'jetstream', inFlight: 1, samples: [], latency: [], unavailable: why },
    ],
  };
}

test('publish rows: msgs/s per call times the bulk size, medians, ratios sidecar / direct', () => {
  const rows = publishRows(result());
  const single = rows.find((x) => x.broker === 'sqlite' && x.mode === 'single');
  assert.equal(single?.sidecarMsgs, 1000);
  assert.equal(single?.msgsRatio, 0.25);
  assert.equal(single?.p50Ratio, 5);
  assert.equal(single?.p99Ratio, 5);
  const bulk = rows.find((x) => x.broker === 'sqlite' && x.mode === 'bulk');
  assert.equal(bulk?.sidecarMsgs, 10_000);
  assert.equal(bulk?.directMsgs, 40_000);
  assert.equal(bulk?.msgsRatio, 0.25);
  assert.ok(rows.find((x) => x.broker === 'jetstream')?.sidecar.unavailable);
});

test('delivery rows: median msgs/s over repeats, duplicates summed, latency only where measured', () => {
  const rows = deliveryRows(result());
  assert.deepEqual(rows.map((x) => `${x.broker}/${x.inFlight}`), ['sqlite/1', 'sqlite/16', 'jetstream/1']);
  assert.equal(rows[0].perSecond, 600);
  assert.equal(rows[0].delivered, 3000);
  assert.ok(Number.isNaN(rows[0].latencyP50));
  assert.equal(rows[1].duplicates, 3);
  assert.equal(rows[1].latencyP99, 4);
  assert.match(rows[2].unavailable ?? '', /not reachable/);
});

test('pub/sub markdown and summary: figures, ratios, an unavailable broker reported, not dropped', () => {
  const md = pubsubMarkdown(result(), 'DATE').join('\n');
  assert.match(md, /DATE/);
  assert.match(md, /\*\*jetstream: unavailable\*\*: jetstream not reachable/);
  assert.match(md, /\| sqlite \| single \| 1000 \| 4000 \| 0\.25x \| 10\.000 \| 2\.000 \| 5\.00x \|/);
  assert.match(md, /\| sqlite \| bulk \| 10000 \| 40000 \| 0\.25x \|/);
  assert.match(md, /\| jetstream \| single \| unavailable \|/);
  assert.match(md, /\| sqlite \| 16 \| 2000 \| 500 \| 1000\/1000 \| 3 \| 800 \| 200 \| 1\.500 \| 4\.000 \|/);
  assert.match(md, /\| sqlite \| 1 \| 600 \| [^|]+ \| 3000\/3000 \| 0 \| 800 \| 200 \| - \| - \|/);
  assert.match(md, /\| jetstream \| 1 \| unavailable \|/);
  assert.match(pubsubMarkdown(undefined, 'D').join('\n'), /not run/);
  const lines = pubsubSummaryLines(result()).join('\n');
  assert.match(lines, /sqlite single +1000 vs 4000 msgs\/s \(0\.25x\)/);
  assert.match(lines, /jetstream single +unavailable: jetstream not reachable/);
  assert.match(lines, /sqlite x16 +2000 msgs\/s.*latency p50 1\.500 p99 4\.000 ms/);
  assert.deepEqual(pubsubSummaryLines(undefined), []);
});

test('request bodies: bulk entries, subscriptions with their in-flight bound, timed 1 KB events', () => {
  const entries = JSON.parse(bulkBody(3, PAYLOAD)) as Array<{ entryId: string; event: { v: string }; contentType: string }>;
  assert.deepEqual(entries.map((e) => e.entryId), ['0', '1', '2']);
  assert.equal(JSON.stringify(entries[0].event), PAYLOAD);
  assert.equal(Buffer.byteLength(PAYLOAD), 1024);
  const topics = pubsubTopics('abc');
  const subs = JSON.parse(subscriptionsJson(['sqlite', 'redis'], topics)) as Array<{ pubsubname: string; topic: string; route: string; metadata: Record<string, string> }>;
  assert.equal(subs.length, 6);
  assert.deepEqual(subs[2], { pubsubname: 'bench-ps-sqlite', topic: 'bench-del-abc-c64', route: '/deliver/sqlite/c64', metadata: { maxConcurrentHandlers: '64' } });
  const ev = timedEvent(1712345678901.125);
  assert.equal((JSON.parse(ev) as { t: number }).t, 1712345678901.125);
  assert.equal(Buffer.byteLength(ev), 1024);
  const p = latencyPercentiles([1, 2, 3, 4, 100]);
  assert.ok(Math.abs(p.p50 - 3) < 0.01);
  assert.ok(p.p99 >= 99 && p.p99 <= 100.1);
  const ce = JSON.parse(directPayload('t1', 'redis')) as Record<string, unknown>;
  assert.equal(ce.topic, 't1');
  assert.equal(ce.pubsubname, 'bench-ps-redis');
  assert.deepEqual(ce.data, JSON.parse(PAYLOAD));
});

test('direct sqlite publisher: the driver\'s own store holds what it published, a batch per call', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pubsub-'));
  try {
    const file = join(dir, 'p.db');
    const spec = { protocol: 'pubsub-direct' as const, broker: 'sqlite' as const, topic: 'tp', payload: '{"a":1}', contentType: 'application/cloudevents+json', file };
    const one = pubsubDirectRequester({ ...spec, batch: 1 }, 1000);
    assert.equal(await one.send(), undefined);
    await one.close();
    const many = pubsubDirectRequester({ ...spec, batch: 5 }, 1000);
    assert.equal(await many.send(), undefined);
    await many.close();
    const store = openMessageStore(file);
    try {
      store.ensureGroup('tp', 'g');
      const got = store.claim('tp', 'g', 'me', 100, 10_000);
      assert.equal(got.length, 6);
      assert.equal(got[0].data.toString(), '{"a":1}');
      assert.equal(got[0].contentType, 'application/cloudevents+json');
    } finally {
      store.db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('direct redis publisher: XADD with the trim bound, a batch pipelined (Redis on 127.0.0.1:6379)', async (t) => {
  if (!(await redisReady(t))) return;
  const topic = `bench-test-pub-${process.pid}-${Date.now()}`;
  const r = pubsubDirectRequester({ protocol: 'pubsub-direct', broker: 'redis', topic, batch: 7, payload: 'x', contentType: 'c', url: '6379', maxLen: 1000 }, 2000);
  assert.equal(await r.send(), undefined);
  await r.close();
  const c = new Redis({ host: '127.0.0.1', port: 6379 });
  try {
    assert.equal(await c.xlen(topic), 7);
    const [[, fields]] = await c.xrange(topic, '-', '+', 'COUNT', 1);
    assert.deepEqual(fields, ['data', 'x']);
  } finally {
    await c.del(topic);
    c.disconnect();
  }
});

test('subscriber app: declares the subscriptions, holds deliveries until released, counts ids and latencies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pubsub-app-'));
  const port = await freePort();
  const subs = join(dir, 'subs.json');
  writeFileSync(subs, '[{"pubsubname":"p","topic":"t","route":"/r"}]');
  const child = spawn(process.execPath, [join(__dirname, '..', 'servers', 'pubsub-app.js'), String(port), subs], { stdio: 'ignore' });
  const call = async (method: string, path: string, body?: string): Promise<{ status: number; text: string }> => {
    const res = await request(`http://127.0.0.1:${port}${path}`, { method: method as 'GET', ...(body ? { body, headers: { 'content-type': 'application/cloudevents+json' } } : {}) });
    return { status: res.statusCode, text: await res.body.text() };
  };
  try {
    assert.ok((await pollUntil(() => tcpAccepts(port), 5000, 20)).ok);
    assert.deepEqual(JSON.parse((await call('GET', '/dapr/subscribe')).text), [{ pubsubname: 'p', topic: 't', route: '/r' }]);
    assert.equal((await call('POST', '/__bench/hold')).status, 204);
    const sent = performance.timeOrigin + performance.now();
    const event = (id: string): string => JSON.stringify({ id, data: { t: sent } });
    let answered = 0;
    const deliveries = ['a', 'b', 'a'].map((id) => call('POST', '/r', event(id)).then((r) => {
      answered++;
      return r;
    }));
    const held = await pollUntil(async () => (JSON.parse((await call('GET', '/__bench/status')).text) as { held: number }).held === 3, 5000, 10);
    assert.ok(held.ok);
    assert.equal(answered, 0);
    assert.equal((await call('POST', '/__bench/release?expect=3')).status, 204);
    for (const r of await Promise.all(deliveries)) assert.deepEqual({ status: r.status, body: JSON.parse(r.text) }, { status: 200, body: { status: 'SUCCESS' } });
    const st = JSON.parse((await call('GET', '/__bench/status')).text) as { received: number; answered: number; duplicates: number; releaseAt: number; doneAt: number; latencies: number[] };
    assert.equal(st.received, 3);
    assert.equal(st.answered, 3);
    assert.equal(st.duplicates, 1);
    assert.ok(st.doneAt >= st.releaseAt && st.releaseAt > 0);
    assert.equal(st.latencies.length, 3);
    assert.ok(st.latencies.every((l) => l >= 0));
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
