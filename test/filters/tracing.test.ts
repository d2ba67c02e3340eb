/**
 * W3C trace context across two running sidecars, with spans exported by the OpenTelemetry SDK to
 * a local OTLP/HTTP JSON receiver and a local Zipkin receiver: same trace id on every hop, a new
 * span id per hop, parent/child links between the sidecars, parent-based sampling, baggage.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { startEchoApp, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { call, eventually, startPair, type Pair } from './helpers';
import { startSpanReceiver, type ReceivedSpan, type SpanReceiver } from './span-receivers';

const TP = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

function parts(tp: string | null | undefined): { traceId: string; spanId: string; flags: string } {
  const m = TP.exec(tp ?? '');
  assert.ok(m, `a valid traceparent: ${tp}`);
  return { traceId: m[1]!, spanId: m[2]!, flags: m[3]! };
}

function appSaw(app: TestApp, path: string): Record<string, string | string[] | undefined> {
  const r = [...app.requests].reverse().find((q) => q.url === path);
  assert.ok(r, `the app received ${path}`);
  return r.headers;
}

function tracingSpec(kind: 'otel' | 'zipkin', port: number): string {
  return kind === 'otel'
    ? `  tracing:\n    samplingRate: "1"\n    otel:\n      endpointAddress: "127.0.0.1:${port}"\n      protocol: http\n      isSecure: false\n`
    : `  tracing:\n    samplingRate: "1"\n    zipkin:\n      endpointAddress: "http://127.0.0.1:${port}/api/v2/spans"\n`;
}

async function spansOf(rx: SpanReceiver, traceId: string, n: number): Promise<ReceivedSpan[]> {
  return eventually(() => {
    const found = rx.spans.filter((s) => s.traceId === traceId);
    return found.length >= n ? found : undefined;
  }, `${n} spans of trace ${traceId}`);
}

for (const kind of ['otel', 'zipkin'] as const) {
  describe(`tracing across two sidecars (${kind} export)`, () => {
    let rx: SpanReceiver;
    let app: TestApp;
    let pair: Pair;
    before(async () => {
      rx = await startSpanReceiver(kind === 'otel' ? 'otlp' : 'zipkin');
      app = await startEchoApp();
      pair = await startPair({ idA: uniqueAppId('tr-a'), idB: uniqueAppId('tr-b'), appB: app, specA: tracingSpec(kind, rx.port), specB: tracingSpec(kind, rx.port) });
    });
    after(async () => {
      await pair?.close();
      await Promise.all([app?.close(), rx?.close()]);
    });

    test('an incoming trace continues: same trace id, a new span per hop, linked parent to child', async () => {
      const traceId = randomBytes(16).toString('hex');
      const callerSpan = randomBytes(8).toString('hex');
      const r = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/traced`, { headers: { traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: 'vendor=1' } });
      assert.equal(r.status, 200);
      const back = parts(r.headers.get('traceparent'));
      assert.equal(back.traceId, traceId);
      assert.notEqual(back.spanId, callerSpan);
      const atApp = parts(appSaw(app, '/traced').traceparent as string);
      assert.equal(atApp.traceId, traceId);
      assert.notEqual(atApp.spanId, back.spanId, 'sidecar B started its own span');
      assert.equal(appSaw(app, '/traced').tracestate, 'vendor=1');

      const spans = await spansOf(rx, traceId, 2);
      const spanA = spans.find((s) => s.spanId === back.spanId);
      const spanB = spans.find((s) => s.spanId === atApp.spanId);
      assert.ok(spanA && spanB, 'both sidecars exported their span');
      assert.equal(spanA.parentSpanId, callerSpan);
      assert.equal(spanB.parentSpanId, spanA.spanId, 'B is the child of A');
      assert.equal(spanA.service, pair.idA);
      assert.equal(spanB.service, pair.idB);
      assert.equal(spanA.name.toLowerCase(), `calllocal/${pair.idB}/traced`.toLowerCase());
      assert.equal(spanB.name.toLowerCase(), `calllocal/${pair.idB}/traced`.toLowerCase());
      assert.equal(String(spanA.attributes['net.peer.name']), pair.idB);
      assert.equal(String(spanA.attributes['rpc.service']), 'ServiceInvocation');
      assert.equal(String(spanB.attributes['dapr.status_code']), '200');
    });

    test('a request without trace context starts a trace; the app and the caller see it', async () => {
      const r = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/fresh`);
      const back = parts(r.headers.get('traceparent'));
      assert.equal(back.flags, '01');
      assert.equal(parts(appSaw(app, '/fresh').traceparent as string).traceId, back.traceId);
      const spans = await spansOf(rx, back.traceId, 2);
      assert.ok(spans.some((s) => s.spanId === back.spanId && s.parentSpanId === undefined), 'A span is the root');
    });

    test('an unsampled parent is propagated but never exported', async () => {
      const unsampled = randomBytes(16).toString('hex');
      const r = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/quiet`, { headers: { traceparent: `00-${unsampled}-${randomBytes(8).toString('hex')}-00` } });
      const back = parts(r.headers.get('traceparent'));
      assert.equal(back.traceId, unsampled);
      assert.equal(back.flags, '00');
      assert.equal(parts(appSaw(app, '/quiet').traceparent as string).flags, '00');
      // A sampled request afterwards: once its spans arrived, the unsampled trace must be absent.
      const sampled = randomBytes(16).toString('hex');
      await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/loud`, { headers: { traceparent: `00-${sampled}-${randomBytes(8).toString('hex')}-01` } });
      await spansOf(rx, sampled, 2);
      assert.equal(rx.spans.filter((s) => s.traceId === unsampled).length, 0);
    });
  });
}

describe('baggage and gRPC trace context', () => {
  let rx: SpanReceiver;
  let app: TestApp;
  let pair: Pair;
  before(async () => {
    rx = await startSpanReceiver('otlp');
    app = await startEchoApp();
    pair = await startPair({ idA: uniqueAppId('bg-a'), idB: uniqueAppId('bg-b'), appB: app, specA: tracingSpec('otel', rx.port) });
  });
  after(async () => {
    await pair?.close();
    await Promise.all([app?.close(), rx?.close()]);
  });

  test('valid baggage travels to the app; malformed baggage is a 400', async () => {
    const ok = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/bag`, { headers: { baggage: 'userId=alice,tier=gold;ttl=3' } });
    assert.equal(ok.status, 200);
    assert.equal(appSaw(app, '/bag').baggage, 'userId=alice,tier=gold;ttl=3');
    const bad = await call(pair.a.httpPort, `/v1.0/invoke/${pair.idB}/method/bag2`, { headers: { baggage: 'no equals sign here' } });
    assert.equal(bad.status, 400);
    assert.equal((bad.json() as { errorCode: string }).errorCode, 'ERR_MALFORMED_REQUEST');
  });

  test('a gRPC API call continues the caller trace and is exported', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parent = randomBytes(8).toString('hex');
    const client = new grpc.Client(`127.0.0.1:${pair.a.grpcPort}`, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set('traceparent', `00-${traceId}-${parent}-01`);
    const responseMd = await new Promise<grpc.Metadata>((resolve, reject) => {
      const c = client.makeUnaryRequest('/dapr.proto.runtime.v1.Dapr/GetMetadata', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), md, (err) => { if (err) reject(err); });
      c.on('metadata', resolve);
    });
    client.close();
    assert.equal(parts(String(responseMd.get('traceparent')[0])).traceId, traceId);
    const spans = await spansOf(rx, traceId, 1);
    assert.equal(spans[0]!.parentSpanId, parent);
    assert.equal(spans[0]!.name, '/dapr.proto.runtime.v1.Dapr/GetMetadata');
    assert.equal(String(spans[0]!.attributes['dapr.protocol']), 'grpc');
  });
});
