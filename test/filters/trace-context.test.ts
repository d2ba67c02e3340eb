/** W3C traceparent, grpc-trace-bin and baggage parsing (the per-request tracing primitives). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGrpcTraceBin, formatTraceparent, newSpanId, newTraceId, parseGrpcTraceBin, parseTraceparent, validBaggage } from '../../filters/tracing/trace-context';
import { createTracing, decideSampled, parseSamplingRate } from '../../filters/tracing/tracer';
import { SpanKind, startWorkSpan } from '../../filters/tracing/spans';
import { silentLogger } from '../../observability/logger';

test('traceparent: valid forms parse, invalid ones start a new trace', () => {
  const t = newTraceId();
  const s = newSpanId();
  assert.match(t, /^[0-9a-f]{32}$/);
  assert.match(s, /^[0-9a-f]{16}$/);
  assert.deepEqual(parseTraceparent(formatTraceparent(t, s, true)), { traceId: t, spanId: s, sampled: true });
  assert.equal(parseTraceparent(`00-${t}-${s}-00`)?.sampled, false);
  assert.ok(parseTraceparent(`01-${t}-${s}-01-future`), 'a later version may carry more fields');
  for (const bad of [`00-${'0'.repeat(32)}-${s}-01`, `00-${t}-${'0'.repeat(16)}-01`, `ff-${t}-${s}-01`, `00-${t}-${s}-01-extra`, `00-${t.toUpperCase()}-${s}-01`, 'garbage', '']) {
    assert.equal(parseTraceparent(bad), undefined, bad);
  }
});

test('grpc-trace-bin round-trips', () => {
  const t = newTraceId();
  const s = newSpanId();
  assert.deepEqual(parseGrpcTraceBin(formatGrpcTraceBin(t, s, true)), { traceId: t, spanId: s, sampled: true });
  assert.equal(parseGrpcTraceBin(Buffer.from([1, 2, 3]).toString('base64')), undefined);
});

test('baggage validation follows the W3C grammar', () => {
  for (const ok of ['a=1', 'userId=alice,tier=gold', 'k=v;prop=1;flag', ' k = v ', 'key=%20encoded']) assert.ok(validBaggage(ok), ok);
  for (const bad of ['novalue', '=v', 'k=v v', 'k="quoted"', 'a=1,,b=2', 'k=' + 'x'.repeat(9000)]) assert.equal(validBaggage(bad), false, bad);
});

test('sampling: rate from the Configuration, the parent decides when present', () => {
  assert.equal(parseSamplingRate('1'), 1);
  assert.equal(parseSamplingRate('0.25'), 0.25);
  assert.equal(parseSamplingRate('junk'), 0);
  assert.equal(parseSamplingRate(undefined), 0);
  assert.equal(decideSampled(0, { traceId: newTraceId(), spanId: newSpanId(), sampled: true }), true);
  assert.equal(decideSampled(1, { traceId: newTraceId(), spanId: newSpanId(), sampled: false }), false);
  assert.equal(decideSampled(1, undefined), true);
  assert.equal(decideSampled(0, undefined), false);
});

test('work spans continue a parent or start a trace, without an exporter too', async () => {
  const tracing = createTracing({ samplingRate: '1' }, 'svc', silentLogger);
  const t = newTraceId();
  const child = startWorkSpan(tracing, 'pubsub/orders', SpanKind.CONSUMER, `00-${t}-${newSpanId()}-01`);
  const p = parseTraceparent(child.traceparent);
  assert.equal(p?.traceId, t);
  assert.equal(p?.sampled, true);
  child.end(true);
  const root = startWorkSpan(tracing, 'bindings/cron', SpanKind.SERVER, undefined);
  assert.ok(parseTraceparent(root.traceparent));
  await tracing.close();
});
