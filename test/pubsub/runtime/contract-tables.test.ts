import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canPublish, canSubscribe, scopedTopics, topicScopes } from '../../../api/pubsub/scoping';
import { grpcErrorVerdict, grpcStatusVerdict, httpBulkVerdicts, httpVerdict } from '../../../runtime/pubsub/answer';
import { compileRules, matchRoute } from '../../../runtime/pubsub/routing';

test('topic scoping table', () => {
  const md = { publishingScopes: 'app1=t1,t2;app2=;app3', subscriptionScopes: 'app1=t1', allowedTopics: 't1, t2,t3,secret', protectedTopics: 'secret' };
  const cases: Array<[string, string, boolean, boolean]> = [
    // app, topic, canPublish, canSubscribe
    ['app1', 't1', true, true],
    ['app1', 't2', true, false],
    ['app1', 't3', false, false],
    ['app1', 'other', false, false],
    ['app2', 't1', false, true],
    ['app3', 't3', true, true],
    ['app4', 't1', true, true],
    ['app4', 'secret', false, false],
    ['app4', 'nope', false, false],
  ];
  for (const [app, topic, pub, sub] of cases) {
    const s = topicScopes(md, app);
    assert.equal(canPublish(topic, s), pub, `publish ${app} ${topic}`);
    assert.equal(canSubscribe(topic, s), sub, `subscribe ${app} ${topic}`);
  }
  assert.deepEqual(scopedTopics('a=x,y;a=y,z', 'a'), ['x', 'y', 'z']);
  const open = topicScopes({}, 'x');
  assert.equal(canPublish('anything', open), true);
  const protectedOnly = topicScopes({ protectedTopics: 'p', publishingScopes: 'a=p' }, 'a');
  assert.equal(canPublish('p', protectedOnly), true);
  assert.equal(canPublish('p', topicScopes({ protectedTopics: 'p' }, 'a')), false);
});

test('HTTP answer contract table', () => {
  const b = (s: string): Buffer => Buffer.from(s);
  const cases: Array<[number | undefined, string, string]> = [
    [200, '', 'SUCCESS'],
    [204, '', 'SUCCESS'],
    [200, 'not json', 'SUCCESS'],
    [200, '[1]', 'SUCCESS'],
    [200, '{}', 'SUCCESS'],
    [200, '{"status":""}', 'SUCCESS'],
    [200, '{"status":"SUCCESS"}', 'SUCCESS'],
    [200, '{"status":"RETRY"}', 'RETRY'],
    [200, '{"STATUS":"DROP"}', 'DROP'],
    [200, '{"status":"weird"}', 'RETRY'],
    [200, '{"status":"success"}', 'RETRY'],
    [404, '', 'DROP'],
    [500, '{"status":"SUCCESS"}', 'RETRY'],
    [400, '', 'RETRY'],
    [302, '', 'RETRY'],
    [undefined, '', 'RETRY'],
  ];
  for (const [status, body, want] of cases) assert.equal(httpVerdict(status, b(body)), want, `${status} ${body}`);
});

test('bulk and gRPC answer tables', () => {
  const ids = ['a', 'b', 'c'];
  const v = httpBulkVerdicts(200, Buffer.from('{"statuses":[{"entryId":"a","status":"SUCCESS"},{"entryId":"b","status":"DROP"},{"entryId":"zzz","status":"SUCCESS"}]}'), ids);
  assert.deepEqual([...v], [['a', 'SUCCESS'], ['b', 'DROP'], ['c', 'RETRY']]);
  assert.deepEqual([...httpBulkVerdicts(200, Buffer.from('{"statuses":[{"entryId":"a","status":""}]}'), ['a'])], [['a', 'RETRY']]);
  assert.deepEqual([...httpBulkVerdicts(404, Buffer.alloc(0), ids).values()], ['DROP', 'DROP', 'DROP']);
  assert.deepEqual([...httpBulkVerdicts(500, Buffer.alloc(0), ids).values()], ['RETRY', 'RETRY', 'RETRY']);
  assert.deepEqual([...httpBulkVerdicts(200, Buffer.from('garbage'), ids).values()], ['RETRY', 'RETRY', 'RETRY']);
  assert.equal(grpcStatusVerdict(0), 'SUCCESS');
  assert.equal(grpcStatusVerdict(1), 'RETRY');
  assert.equal(grpcStatusVerdict(2), 'DROP');
  assert.equal(grpcStatusVerdict(7), 'RETRY');
  assert.equal(grpcErrorVerdict(12), 'DROP');
  assert.equal(grpcErrorVerdict(14), 'RETRY');
});

test('CEL routing: first match wins, empty match always matches, errors surface', () => {
  const c = compileRules([
    { match: 'event.type == "order.created"', path: '/created' },
    { match: 'event.data.total > 100 && event.data.tags.exists(t, t == "vip")', path: '/vip' },
    { match: '', path: '/default' },
  ]);
  assert.ok(c.ok);
  assert.deepEqual(matchRoute(c.rules, { type: 'order.created', data: {} }), { kind: 'route', path: '/created' });
  assert.deepEqual(matchRoute(c.rules, { type: 'x', data: { total: 150, tags: ['vip'] } }), { kind: 'route', path: '/vip' });
  assert.deepEqual(matchRoute(c.rules, { type: 'x', data: { total: 50, tags: [] } }), { kind: 'route', path: '/default' });
  const noDefault = compileRules([{ match: 'event.type == "a"', path: '/a' }]);
  assert.ok(noDefault.ok);
  assert.deepEqual(matchRoute(noDefault.rules, { type: 'b' }), { kind: 'none' });
  const notBool = compileRules([{ match: 'event.type', path: '/a' }]);
  assert.ok(notBool.ok);
  assert.equal(matchRoute(notBool.rules, { type: 'b' }).kind, 'error');
  const missing = compileRules([{ match: 'event.nope == 1', path: '/a' }]);
  assert.ok(missing.ok);
  assert.equal(matchRoute(missing.rules, { type: 'b' }).kind, 'error');
  assert.equal(compileRules([{ match: 'event.type ==', path: '/a' }]).ok, false);
  const has = compileRules([{ match: 'has(event.data.id) && event.data.id == 7', path: '/h' }]);
  assert.ok(has.ok);
  assert.deepEqual(matchRoute(has.rules, { data: { id: 7 } }), { kind: 'route', path: '/h' });
  assert.deepEqual(matchRoute(has.rules, { data: {} }), { kind: 'none' });
});
