/**
 * The actor wire toward the app and the gRPC head, with a hand-written HTTP app so every byte is
 * visible: reentrancy (Dapr-Reentrancy-Id carried through nested calls, stack depth enforced),
 * actor errors relayed (X-Daprerrorresponseheader), 404 as method not found, firing bodies of
 * reminders and timers, X-Daprremindercancel, the gRPC actor methods, and drain on shutdown
 * (calls in progress finish, new calls get 503, active actors are deactivated in the app).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, ConnectError } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { create } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { Dapr } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import type { SidecarHandle } from '../../runtime/sidecar';
import { resourcesWith, startApp, startTestSidecar, uniqueAppId, type TestApp } from '../helpers/sidecar';
import { api, eventually, sqliteActorStore } from './harness';

describe('actor wire toward a hand-written app', () => {
  let app: TestApp;
  let sidecar: SidecarHandle;
  const reentrancyIds: string[] = [];
  const fired: Array<{ url: string; body: unknown }> = [];
  const deactivated: string[] = [];
  let releaseHold: (() => void) | undefined;

  before(async () => {
    app = await startApp((req, res, body) => {
      const url = req.url ?? '';
      const reply = (status: number, text: string, headers: Record<string, string> = {}): void => { res.writeHead(status, headers); res.end(text); };
      if (url === '/dapr/config') return reply(200, JSON.stringify({ entities: ['Wire', 'Brief'], actorIdleTimeout: '1h', drainOngoingCallTimeout: '5s', reentrancy: { enabled: true, maxStackDepth: 3 }, entitiesConfig: [{ entities: ['Brief'], actorIdleTimeout: '300ms' }] }), { 'content-type': 'application/json' });
      if (req.method === 'DELETE') { deactivated.push(url); return reply(200, ''); }
      const m = /^\/actors\/(?:Wire|Brief)\/([^/]+)\/method\/(.+)$/.exec(url);
      if (!m) return reply(404, 'no route');
      const [, id, method] = m;
      if (method === 'recurse') {
        const rid = String(req.headers['dapr-reentrancy-id'] ?? '');
        reentrancyIds.push(rid);
        const depth = Number(JSON.parse(body.toString('utf8')).depth);
        if (depth === 0) return reply(200, 'bottom');
        void api(sidecar.httpPort, `/v1.0/actors/Wire/${id}/method/recurse`, { method: 'POST', body: { depth: depth - 1 }, headers: { 'dapr-reentrancy-id': rid } })
          .then((r) => reply(r.status, r.text, r.status === 200 ? {} : { 'x-daprerrorresponseheader': 'nested' }));
        return;
      }
      if (method === 'teapot') return reply(418, 'short and stout', { 'x-daprerrorresponseheader': 'yes' });
      if (method === 'hold') { releaseHold = () => reply(200, 'held'); return; }
      if (method.startsWith('remind/') || method.startsWith('timer/')) {
        fired.push({ url, body: JSON.parse(body.toString('utf8')) });
        return reply(200, '', method === 'remind/cancelme' ? { 'x-daprremindercancel': 'true' } : {});
      }
      if (method === 'echo') return reply(200, body.toString('utf8'), { 'content-type': 'application/octet-stream' });
      return reply(404, `no method ${method}`);
    });
    sidecar = await startTestSidecar({ appId: uniqueAppId('wire'), appPort: app.port, resourcesPaths: [resourcesWith({ 'store.yaml': sqliteActorStore() })] });
  });
  after(async () => {
    await sidecar?.stop('test done');
    await app?.close();
  });

  it('lets a reentrant chain back into its actor with the same Dapr-Reentrancy-Id', async () => {
    reentrancyIds.length = 0;
    const r = await api(sidecar.httpPort, '/v1.0/actors/Wire/w1/method/recurse', { method: 'POST', body: { depth: 2 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'bottom');
    assert.equal(reentrancyIds.length, 3);
    assert.ok(reentrancyIds[0]!.length > 0, 'the sidecar stamps a reentrancy id on the first call');
    assert.equal(new Set(reentrancyIds).size, 1, 'nested calls carry the same id');
  });

  it('refuses a reentrant chain deeper than maxStackDepth with ERR_ACTOR_STACK_DEPTH', async () => {
    const r = await api(sidecar.httpPort, '/v1.0/actors/Wire/w2/method/recurse', { method: 'POST', body: { depth: 3 } });
    assert.equal(r.status, 500);
    assert.match(r.text, /ERR_ACTOR_STACK_DEPTH/);
  });

  it('relays an actor error marked with X-Daprerrorresponseheader and maps 404 to method not found', async () => {
    const tea = await api(sidecar.httpPort, '/v1.0/actors/Wire/w3/method/teapot', { method: 'PUT' });
    assert.equal(tea.status, 418);
    assert.equal(tea.text, 'short and stout');
    assert.equal(tea.headers.get('x-daprerrorresponseheader'), 'yes');
    const missing = await api(sidecar.httpPort, '/v1.0/actors/Wire/w3/method/nothing', { method: 'GET' });
    assert.equal(missing.status, 500);
    assert.equal(missing.json().errorCode, 'ERR_ACTOR_INVOKE_METHOD');
    assert.match(String(missing.json().message), /actor method not found/);
  });

  it('sends reminder and timer firings in Dapr shape and honours X-Daprremindercancel', async () => {
    fired.length = 0;
    assert.equal((await api(sidecar.httpPort, '/v1.0/actors/Wire/w4/reminders/r1', { method: 'POST', body: { dueTime: '0s', data: { hello: 'world' } } })).status, 204);
    assert.equal((await api(sidecar.httpPort, '/v1.0/actors/Wire/w4/timers/t1', { method: 'POST', body: { dueTime: '0s', callback: 'cb', data: { x: 1 } } })).status, 204);
    assert.equal((await api(sidecar.httpPort, '/v1.0/actors/Wire/w4/reminders/cancelme', { method: 'POST', body: { dueTime: '0s', period: '100ms' } })).status, 204);
    const rem = await eventually(() => fired.find((f) => f.url === '/actors/Wire/w4/method/remind/r1'), 'reminder r1');
    assert.deepEqual(rem.body, { data: { hello: 'world' }, dueTime: '0s', period: '' });
    const tim = await eventually(() => fired.find((f) => f.url === '/actors/Wire/w4/method/timer/t1'), 'timer t1');
    assert.deepEqual(tim.body, { callback: 'cb', data: { x: 1 }, dueTime: '0s', period: '' });
    await eventually(async () => ((await api(sidecar.httpPort, '/v1.0/actors/Wire/w4/reminders/cancelme')).status === 404 ? true : undefined), 'cancelled reminder removed');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fired.filter((f) => f.url.endsWith('/remind/cancelme')).length, 1, 'a cancelled reminder fires no more');
  });

  it('ends a reminder at its ttl', async () => {
    const name = '/actors/Wire/w5/method/remind/short';
    assert.equal((await api(sidecar.httpPort, '/v1.0/actors/Wire/w5/reminders/short', { method: 'POST', body: { dueTime: '0s', period: '100ms', ttl: '350ms' } })).status, 204);
    await eventually(async () => ((await api(sidecar.httpPort, '/v1.0/actors/Wire/w5/reminders/short')).status === 404 ? true : undefined), 'reminder expired');
    const count = fired.filter((f) => f.url === name).length;
    assert.ok(count >= 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fired.filter((f) => f.url === name).length, count, 'an expired reminder fires no more');
  });

  it('drops the timers of an actor deactivated for idleness (per-type actorIdleTimeout)', async () => {
    const registered = Date.now();
    assert.equal((await api(sidecar.httpPort, '/v1.0/actors/Brief/b1/timers/late', { method: 'POST', body: { dueTime: '2s', callback: 'cb' } })).status, 204);
    await eventually(() => (deactivated.includes('/actors/Brief/b1') ? true : undefined), 'Brief/b1 deactivated after 300ms idle');
    await new Promise((r) => setTimeout(r, Math.max(0, registered + 2500 - Date.now())));
    assert.equal(fired.some((f) => f.url === '/actors/Brief/b1/method/timer/late'), false, 'the timer went with the activation');
  });

  it('serves the actor methods over gRPC', async () => {
    const dapr = createClient(Dapr, createGrpcTransport({ baseUrl: `http://127.0.0.1:${sidecar.grpcPort}` }));
    const res = await dapr.invokeActor({ actorType: 'Wire', actorId: 'g1', method: 'echo', data: Buffer.from('ping') });
    assert.equal(Buffer.from(res.data).toString(), 'ping');
    await dapr.executeActorStateTransaction({ actorType: 'Wire', actorId: 'g1', operations: [{ operationType: 'upsert', key: 'k', value: create(AnySchema, { value: Buffer.from('"v"') }), metadata: {} }] });
    const st = await dapr.getActorState({ actorType: 'Wire', actorId: 'g1', key: 'k' });
    assert.equal(Buffer.from(st.data).toString(), '"v"');
    assert.equal((await api(sidecar.httpPort, '/v1.0/actors/Wire/g1/state/k')).text, '"v"', 'HTTP and gRPC share the actor state');
    await dapr.registerActorReminder({ actorType: 'Wire', actorId: 'g1', name: 'gr', dueTime: '1h', period: '', data: Buffer.from('{"a":1}'), ttl: '' });
    const got = await api(sidecar.httpPort, '/v1.0/actors/Wire/g1/reminders/gr');
    assert.deepEqual(got.json(), { actorID: 'g1', actorType: 'Wire', dueTime: '1h', period: '', data: { a: 1 } });
    await dapr.unregisterActorReminder({ actorType: 'Wire', actorId: 'g1', name: 'gr' });
    assert.equal((await api(sidecar.httpPort, '/v1.0/actors/Wire/g1/reminders/gr')).status, 404);
    await dapr.registerActorTimer({ actorType: 'Wire', actorId: 'g1', name: 'gt', dueTime: '1h', period: '', callback: 'cb', data: new Uint8Array(), ttl: '' });
    await dapr.unregisterActorTimer({ actorType: 'Wire', actorId: 'g1', name: 'gt' });
    const md = await dapr.getMetadata({});
    assert.equal(md.actorRuntime?.hostReady, true);
    assert.ok(md.actorRuntime?.activeActors.some((a) => a.type === 'Wire' && a.count >= 1));
    assert.ok(md.activeActorsCount.some((a) => a.type === 'Wire'));
    const err = await dapr.invokeActor({ actorType: 'Nope', actorId: '1', method: 'x', data: new Uint8Array() }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.match(err.message, /did not find address for actor Nope\/1/);
  });

  it('drains on shutdown: a call in progress finishes, new calls get 503, active actors are deactivated', async () => {
    deactivated.length = 0;
    const held = api(sidecar.httpPort, '/v1.0/actors/Wire/d1/method/hold', { method: 'POST' });
    await eventually(() => (releaseHold ? true : undefined), 'the app holding the call');
    const stopping = sidecar.stop('drain test');
    const refused = await api(sidecar.httpPort, '/v1.0/actors/Wire/d2/method/echo', { method: 'POST', body: 'x' });
    assert.equal(refused.status, 503);
    assert.equal(refused.json().errorCode, 'ERR_ACTOR_RUNTIME_CLOSED');
    releaseHold!();
    const r = await held;
    assert.equal(r.status, 200);
    assert.equal(r.text, 'held');
    await stopping;
    assert.ok(deactivated.includes('/actors/Wire/d1'), `d1 deactivated on shutdown (saw ${deactivated.join(', ')})`);
  });
});
