import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTtl, buildEnvelope, cloudEventOverrides, encodeEvent, fromRawPayload, goJson, hasExpired, newEnvelope, rfc3339 } from '../../../api/pubsub/envelope';

const base = { topic: 'orders', pubsub: 'ps', source: 'checkout', traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', traceState: 'k=v' };
const now = new Date('2024-05-01T10:20:30.456Z');

test('a new envelope carries every daprd field', () => {
  const ce = newEnvelope({ ...base, data: Buffer.from('{"a":1}'), dataContentType: 'application/json' }, now);
  assert.match(String(ce.id), /^[0-9a-f-]{36}$/);
  assert.equal(ce.specversion, '1.0');
  assert.equal(ce.source, 'checkout');
  assert.equal(ce.type, 'com.dapr.event.sent');
  assert.equal(ce.datacontenttype, 'application/json');
  assert.equal(ce.topic, 'orders');
  assert.equal(ce.pubsubname, 'ps');
  assert.equal(ce.traceid, base.traceParent);
  assert.equal(ce.traceparent, base.traceParent);
  assert.equal(ce.tracestate, 'k=v');
  assert.equal(ce.time, '2024-05-01T10:20:30Z');
  assert.deepEqual(ce.data, { a: 1 });
  assert.equal(ce.subject, undefined);
});

test('content types decide the data encoding', () => {
  const text = newEnvelope({ ...base, data: Buffer.from('hello') });
  assert.equal(text.datacontenttype, 'text/plain');
  assert.equal(text.data, 'hello');
  const plusJson = newEnvelope({ ...base, data: Buffer.from('[1,2]'), dataContentType: 'application/vnd.x+json; charset=utf-8' });
  assert.deepEqual(plusJson.data, [1, 2]);
  const badJson = newEnvelope({ ...base, data: Buffer.from('{nope'), dataContentType: 'application/json' });
  assert.equal(badJson.data, '{nope');
  const bin = newEnvelope({ ...base, data: Buffer.from([0, 1, 255]), dataContentType: 'application/octet-stream' });
  assert.equal(bin.data_base64, 'AAH/');
  assert.equal(bin.data, undefined);
  const xml = newEnvelope({ ...base, data: Buffer.from('<a/>'), dataContentType: 'application/xml' });
  assert.equal(xml.data, '<a/>');
  const num = newEnvelope({ ...base, data: Buffer.from('42'), dataContentType: 'application/json' });
  assert.equal(num.data, 42);
});

test('cloudevent.* metadata overrides envelope fields (case-insensitive keys)', () => {
  const ce = newEnvelope({ ...base, data: Buffer.from('x'), metadata: { 'cloudevent.id': 'my-id', 'CloudEvent.Source': 'src', 'cloudevent.type': 't', 'cloudevent.subject': 'subj', 'cloudevent.traceparent': '00-aa-bb-01', 'cloudevent.tracestate': 'x=y', other: '1' } });
  assert.equal(ce.id, 'my-id');
  assert.equal(ce.source, 'src');
  assert.equal(ce.type, 't');
  assert.equal(ce.subject, 'subj');
  assert.equal(ce.traceparent, '00-aa-bb-01');
  assert.equal(ce.traceid, '00-aa-bb-01');
  assert.equal(ce.tracestate, 'x=y');
  assert.deepEqual(cloudEventOverrides({ 'cloudevent.traceid': 'tid' }), { traceid: 'tid' });
  assert.equal(newEnvelope({ ...base, data: Buffer.from('x'), metadata: { 'cloudevent.traceid': 'tid' } }).traceparent, 'tid');
});

test('an application/cloudevents+json body passes through with topic and pubsub rewritten', () => {
  const body = Buffer.from(JSON.stringify({ id: 'e1', source: 'mine', type: 'my.type', specversion: '1.0', data: { x: 1 }, topic: 'wrong', pubsubname: 'wrong', time: '2020-01-01T00:00:00Z' }));
  const r = buildEnvelope({ ...base, data: body, dataContentType: 'application/cloudevents+json' }, now);
  assert.ok(r.ok);
  assert.equal(r.event.id, 'e1');
  assert.equal(r.event.source, 'mine');
  assert.equal(r.event.type, 'my.type');
  assert.equal(r.event.topic, 'orders');
  assert.equal(r.event.pubsubname, 'ps');
  assert.equal(r.event.time, '2020-01-01T00:00:00Z');
  assert.equal(r.event.traceparent, base.traceParent);
  const minimal = buildEnvelope({ ...base, data: Buffer.from('{"id":"e2","data":"d"}'), dataContentType: 'application/cloudevents+json' }, now);
  assert.ok(minimal.ok);
  assert.equal(minimal.event.source, 'Dapr');
  assert.equal(minimal.event.type, 'com.dapr.event.sent');
  assert.equal(minimal.event.specversion, '1.0');
  assert.equal(minimal.event.time, rfc3339(now));
  const bad = buildEnvelope({ ...base, data: Buffer.from('not json'), dataContentType: 'application/cloudevents+json' });
  assert.equal(bad.ok, false);
});

test('TTL becomes expiration unless the component has MESSAGE_TTL', () => {
  const ce = newEnvelope({ ...base, data: Buffer.from('x') }, now);
  applyTtl(ce, [], { ttlInSeconds: '60' }, now);
  assert.equal(ce.expiration, '2024-05-01T10:21:30Z');
  assert.equal(hasExpired(ce, now.getTime()), false);
  assert.equal(hasExpired(ce, now.getTime() + 61_000), true);
  const native = newEnvelope({ ...base, data: Buffer.from('x') }, now);
  applyTtl(native, ['MESSAGE_TTL'], { ttlInSeconds: '60' }, now);
  assert.equal(native.expiration, undefined);
});

test('rawPayload subscriber envelope and Go-style JSON', () => {
  const ce = fromRawPayload(Buffer.from('raw'), 't', 'p');
  assert.equal(ce.datacontenttype, 'application/octet-stream');
  assert.equal(ce.data_base64, Buffer.from('raw').toString('base64'));
  assert.equal(ce.source, 'Dapr');
  assert.equal(goJson({ b: 1, a: { d: '<&>', c: 2 } }), '{"a":{"c":2,"d":"\\u003c\\u0026\\u003e"},"b":1}');
  const bytes = encodeEvent({ z: 1, a: 2 });
  assert.equal(bytes.toString(), '{"a":2,"z":1}');
});
