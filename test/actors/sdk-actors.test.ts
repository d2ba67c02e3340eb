/**
 * Actors end to end: a real sidecar with an actor state store (embedded sqlite) and the official
 * SDK's actor runtime as the app (DaprServer + registerActor), called through ActorProxyBuilder and
 * the HTTP API. Covers the method round trip, actor state, turn-based concurrency, reminders
 * (also across a sidecar restart), timers, idle deactivation, the metadata API and bad input.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbstractActor, ActorId, ActorProxyBuilder, CommunicationProtocolEnum, DaprClient, LogLevel } from '@dapr/dapr';
import { api, eventually, sqliteActorStore, startActorEnv, stateComponent, type ActorEnv } from './harness';
import { resourcesWith, startApp, startTestSidecar, uniqueAppId } from '../helpers/sidecar';

const seen = {
  inflightById: new Map<string, number>(),
  maxById: new Map<string, number>(),
  inflight: 0,
  maxInflight: 0,
  deactivated: [] as string[],
  reminders: [] as Array<{ id: string; data: unknown }>,
  timers: [] as Array<{ id: string; data: unknown }>,
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class CounterActor extends AbstractActor {
  async add(n: number): Promise<number> {
    const sm = this.getStateManager<number>();
    const [has, cur] = await sm.tryGetState('count');
    const next = (has && typeof cur === 'number' ? cur : 0) + n;
    await sm.setState('count', next);
    return next;
  }

  async busy(ms: number): Promise<string> {
    const id = this.getActorId().getId();
    const now = (seen.inflightById.get(id) ?? 0) + 1;
    seen.inflightById.set(id, now);
    seen.maxById.set(id, Math.max(seen.maxById.get(id) ?? 0, now));
    seen.inflight++;
    seen.maxInflight = Math.max(seen.maxInflight, seen.inflight);
    await sleep(ms);
    seen.inflight--;
    seen.inflightById.set(id, (seen.inflightById.get(id) ?? 1) - 1);
    return id;
  }

  async tick(data: unknown): Promise<void> {
    seen.timers.push({ id: this.getActorId().getId(), data });
  }

  override async receiveReminder(data: unknown): Promise<void> {
    seen.reminders.push({ id: this.getActorId().getId(), data });
  }

  override async onDeactivate(): Promise<void> {
    seen.deactivated.push(this.getActorId().getId());
  }
}

interface Counter { add(n: number): Promise<number>; busy(ms: number): Promise<string> }

describe('actors through @dapr/dapr over HTTP (sqlite actor state store)', () => {
  let env: ActorEnv;
  let proxy: (id: string) => Counter;
  const A = '/v1.0/actors/CounterActor';

  before(async () => {
    env = await startActorEnv({ actors: [CounterActor], files: { 'store.yaml': sqliteActorStore() }, actorOptions: { actorIdleTimeout: '1s' } });
    const builder = new ActorProxyBuilder<Counter>(CounterActor, env.client);
    proxy = (id) => builder.build(new ActorId(id));
  });
  after(async () => { await env?.close(); });

  it('calls a method and keeps the actor state in the actor state store', async () => {
    assert.equal(await proxy('c1').add(2), 2);
    assert.equal(await proxy('c1').add(3), 5);
    const got = await api(env.httpPort, `${A}/c1/state/count`);
    assert.equal(got.status, 200);
    assert.equal(got.text, '5');
    assert.equal((await api(env.httpPort, `${A}/c1/state/missing`)).status, 204);
  });

  it('serves the SDK actor proxy over gRPC too (InvokeActor, state through the gRPC client)', async () => {
    const grpcClient = new DaprClient({ daprHost: '127.0.0.1', daprPort: String(env.sidecar.grpcPort), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: { level: LogLevel.Error } });
    try {
      const p = new ActorProxyBuilder<Counter>(CounterActor, grpcClient).build(new ActorId('g1'));
      assert.equal(await p.add(4), 4);
      assert.equal(await p.add(1), 5);
      assert.equal((await api(env.httpPort, `${A}/g1/state/count`)).text, '5');
    } finally {
      await grpcClient.stop().catch(() => undefined);
    }
  });

  it('runs a state transaction and reads it back', async () => {
    const tx = await api(env.httpPort, `${A}/s1/state`, { method: 'POST', body: [
      { operation: 'upsert', request: { key: 'k1', value: { a: 1 } } },
      { operation: 'upsert', request: { key: 'k2', value: 'two' } },
    ] });
    assert.equal(tx.status, 204, tx.text);
    assert.deepEqual((await api(env.httpPort, `${A}/s1/state/k1`)).json(), { a: 1 });
    const del = await api(env.httpPort, `${A}/s1/state`, { method: 'PUT', body: [{ operation: 'delete', request: { key: 'k1' } }] });
    assert.equal(del.status, 204);
    assert.equal((await api(env.httpPort, `${A}/s1/state/k1`)).status, 204);
    assert.equal((await api(env.httpPort, `${A}/s1/state/k2`)).text, '"two"');
  });

  it('gives each actor id one turn at a time while different ids run in parallel', async () => {
    seen.maxById.clear();
    seen.maxInflight = 0;
    const calls = [];
    for (let i = 0; i < 4; i++) calls.push(proxy('t1').busy(60), proxy('t2').busy(60));
    const ids = await Promise.all(calls);
    assert.equal(ids.filter((i) => i === 't1').length, 4);
    assert.equal(seen.maxById.get('t1'), 1, 'calls to one actor id never overlap');
    assert.equal(seen.maxById.get('t2'), 1, 'calls to one actor id never overlap');
    assert.ok(seen.maxInflight >= 2, 'different actor ids run at the same time');
  });

  it('fires a reminder with its data, repeats it R<n> times, then removes it', async () => {
    const r = await api(env.httpPort, `${A}/rem1/reminders/ping`, { method: 'POST', body: { dueTime: '0s', period: 'R2/PT0.1S', data: 'hello' } });
    assert.equal(r.status, 204, r.text);
    await eventually(() => (seen.reminders.filter((x) => x.id === 'rem1').length >= 2 ? true : undefined), 'two reminder firings');
    assert.equal(seen.reminders.find((x) => x.id === 'rem1')?.data, 'hello');
    const gone = await eventually(async () => { const g = await api(env.httpPort, `${A}/rem1/reminders/ping`); return g.status === 404 ? g : undefined; }, 'reminder removed');
    assert.equal(gone.json().errorCode, 'ERR_ACTOR_REMINDER_NOT_FOUND');
    assert.equal(seen.reminders.filter((x) => x.id === 'rem1').length, 2);
  });

  it('answers GET for a reminder, refuses a duplicate without overwrite, deletes it', async () => {
    const body = { dueTime: '1h', period: '1h', data: 'x' };
    assert.equal((await api(env.httpPort, `${A}/rem2/reminders/later`, { method: 'PUT', body })).status, 204);
    const got = await api(env.httpPort, `${A}/rem2/reminders/later`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json(), { actorID: 'rem2', actorType: 'CounterActor', dueTime: '1h', period: '1h', data: 'x' });
    const dup = await api(env.httpPort, `${A}/rem2/reminders/later`, { method: 'POST', body: { ...body, overwrite: false } });
    assert.equal(dup.status, 409);
    assert.equal(dup.json().errorCode, 'ERR_ACTOR_REMINDER_ALREADY_EXISTS');
    assert.equal((await api(env.httpPort, `${A}/rem2/reminders/later`, { method: 'DELETE' })).status, 204);
    assert.equal((await api(env.httpPort, `${A}/rem2/reminders/later`)).status, 404);
  });

  it('keeps a reminder across a sidecar restart', async () => {
    const r = await api(env.httpPort, `${A}/durable/reminders/wake`, { method: 'POST', body: { dueTime: '2s', data: 'after-restart' } });
    assert.equal(r.status, 204);
    await env.restartSidecar();
    assert.equal(seen.reminders.some((x) => x.id === 'durable'), false, 'not fired before the restart');
    const fired = await eventually(() => seen.reminders.find((x) => x.id === 'durable'), 'the reminder to fire after the restart');
    assert.equal(fired.data, 'after-restart');
    // A one-shot reminder is removed once fired.
    await eventually(async () => ((await api(env.httpPort, `${A}/durable/reminders/wake`)).status === 404 ? true : undefined), 'one-shot reminder removed');
  });

  it('fires a timer until it is deleted', async () => {
    const t = await api(env.httpPort, `${A}/tm1/timers/beat`, { method: 'POST', body: { dueTime: '0s', period: '100ms', callback: 'tick', data: 'beat' } });
    assert.equal(t.status, 204, t.text);
    await eventually(() => (seen.timers.filter((x) => x.id === 'tm1').length >= 2 ? true : undefined), 'two timer firings');
    assert.equal(seen.timers.find((x) => x.id === 'tm1')?.data, 'beat');
    assert.equal((await api(env.httpPort, `${A}/tm1/timers/beat`, { method: 'DELETE' })).status, 204);
    const after = seen.timers.filter((x) => x.id === 'tm1').length;
    await sleep(400);
    // At most one firing that was already under way when the delete arrived.
    assert.ok(seen.timers.filter((x) => x.id === 'tm1').length <= after + 1, 'no firings after the delete');
  });

  it('deactivates an idle actor in the app and shows active actors in the metadata', async () => {
    await proxy('idle1').add(1);
    const md = await api(env.httpPort, '/v1.0/metadata');
    const body = md.json() as { actors?: Array<{ type: string; count: number }>; actorRuntime?: { runtimeStatus: string; hostReady: boolean; placement: string; activeActors: Array<{ type: string; count: number }> } };
    assert.equal(body.actorRuntime?.runtimeStatus, 'RUNNING');
    assert.equal(body.actorRuntime?.hostReady, true);
    assert.ok((body.actors ?? []).some((a) => a.type === 'CounterActor' && a.count >= 1));
    await eventually(() => (seen.deactivated.includes('idle1') ? true : undefined), 'idle1 deactivated by the sidecar');
    await eventually(async () => {
      const m = (await api(env.httpPort, '/v1.0/metadata')).json() as { actors?: Array<{ type: string; count: number }> };
      return m.actors?.find((a) => a.type === 'CounterActor')?.count === 0 ? true : undefined;
    }, 'no active actors left');
  });

  it('answers bad input with Dapr error codes', async () => {
    const unknown = await api(env.httpPort, '/v1.0/actors/NoSuchActor/1/method/x', { method: 'POST' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().errorCode, 'ERR_ACTOR_NO_ADDRESS');
    const reserved = await api(env.httpPort, '/v1.0/actors/dapr.internal.x/1/method/x', { method: 'POST' });
    assert.equal(reserved.status, 403);
    assert.equal(reserved.json().errorCode, 'ERR_ACTOR_TYPE_RESERVED');
    const noMethod = await api(env.httpPort, `${A}/c1/method/nope`, { method: 'POST' });
    assert.equal(noMethod.status, 500);
    assert.equal(noMethod.json().errorCode, 'ERR_ACTOR_INVOKE_METHOD');
    const badDue = await api(env.httpPort, `${A}/b/reminders/r`, { method: 'POST', body: { dueTime: 'soon' } });
    assert.equal(badDue.status, 500);
    assert.equal(badDue.json().errorCode, 'ERR_ACTOR_REMINDER_CREATE');
    const badPeriod = await api(env.httpPort, `${A}/b/timers/t`, { method: 'POST', body: { period: 'R0/PT1S', callback: 'tick' } });
    assert.equal(badPeriod.status, 500);
    assert.equal(badPeriod.json().errorCode, 'ERR_ACTOR_TIMER_CREATE');
    const nonHosted = await api(env.httpPort, '/v1.0/actors/Elsewhere/1/reminders/r', { method: 'POST', body: { dueTime: '1s' } });
    assert.equal(nonHosted.status, 403);
    assert.equal(nonHosted.json().errorCode, 'ERR_ACTOR_REMINDER_NON_HOSTED');
    const badJson = await api(env.httpPort, `${A}/b/state`, { method: 'POST', body: '{not json' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.json().errorCode, 'ERR_MALFORMED_REQUEST');
    const badOp = await api(env.httpPort, `${A}/b/state`, { method: 'POST', body: [{ operation: 'merge', request: { key: 'k' } }] });
    assert.equal(badOp.status, 400);
    const notHostedState = await api(env.httpPort, '/v1.0/actors/Elsewhere/1/state/k');
    assert.equal(notHostedState.status, 400);
    assert.equal(notHostedState.json().errorCode, 'ERR_ACTOR_INSTANCE_MISSING');
  });
});

describe('actors without an actor state store', () => {
  it('answers 500 ERR_ACTOR_RUNTIME_NOT_FOUND with the actorStateStore hint', async () => {
    const app = await startApp((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"entities":["Lonely"]}'); });
    const sidecar = await startTestSidecar({ appId: uniqueAppId('noactorstore'), appPort: app.port, resourcesPaths: [resourcesWith({ 'plain.yaml': stateComponent('plain', 'state.in-memory', {}) })] });
    try {
      const r = await api(sidecar.httpPort, '/v1.0/actors/Lonely/1/method/x', { method: 'POST' });
      assert.equal(r.status, 500);
      assert.equal(r.json().errorCode, 'ERR_ACTOR_RUNTIME_NOT_FOUND');
      assert.match(String(r.json().message), /actorStateStore/);
      const md = (await api(sidecar.httpPort, '/v1.0/metadata')).json() as { actorRuntime?: { runtimeStatus: string } };
      assert.notEqual(md.actorRuntime?.runtimeStatus, 'RUNNING');
    } finally {
      await sidecar.stop('test done');
      await app.close();
    }
  });
});
