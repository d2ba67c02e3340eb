/**
 * The actor runtime on real state servers: Redis and PostgreSQL as the actor state store
 * (actorStateStore: "true"), with the SDK's actor runtime as the app: method round trip, actor
 * state, and a reminder that outlives a sidecar restart. The servers run on loopback; a missing
 * server fails these tests (they are never skipped). Each run uses its own actor type, so stored
 * reminders of earlier runs never reach this one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import Redis from 'ioredis';
import { AbstractActor, ActorId, ActorProxyBuilder } from '@dapr/dapr';
import { api, eventually, startActorEnv, stateComponent, type ActorEnv } from './harness';

const run = `${process.pid}${Math.random().toString(36).slice(2, 7)}`;
const pgTable = `actors_e2e_${run}`;

const targets = [
  { name: 'Redis', yaml: stateComponent('actorstore', 'state.redis', { redisHost: '127.0.0.1:6379', actorStateStore: 'true' }) },
  { name: 'PostgreSQL', yaml: stateComponent('actorstore', 'state.postgresql', { connectionString: 'host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=5', tableName: pgTable, actorStateStore: 'true' }) },
];

for (const target of targets) {
  describe(`actors on ${target.name}`, () => {
    const typeName = `Ledger${target.name}${run}`;
    const reminders: Array<{ id: string; data: unknown }> = [];
    // A class per run: the actor type is the class name.
    const Ledger = {
      [typeName]: class extends AbstractActor {
        async deposit(n: number): Promise<number> {
          const sm = this.getStateManager<number>();
          const [has, cur] = await sm.tryGetState('balance');
          const next = (has && typeof cur === 'number' ? cur : 0) + n;
          await sm.setState('balance', next);
          return next;
        }
        override async receiveReminder(data: unknown): Promise<void> {
          reminders.push({ id: this.getActorId().getId(), data });
        }
      },
    }[typeName]!;
    let env: ActorEnv;

    before(async () => {
      env = await startActorEnv({ actors: [Ledger], files: { 'store.yaml': target.yaml } });
    });
    after(async () => {
      await env?.close();
      if (target.name === 'Redis') {
        const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
        try { await r.connect(); const keys = await r.keys(`*${typeName}*`); if (keys.length) await r.del(...keys); } catch { /* absent */ } finally { r.disconnect(); }
      } else {
        const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', connectionTimeoutMillis: 3000 });
        try { await c.connect(); await c.query(`DROP TABLE IF EXISTS ${pgTable}`); } catch { /* absent */ } finally { await c.end().catch(() => undefined); }
      }
    });

    it('the actor store component loaded', async () => {
      const md = (await api(env.httpPort, '/v1.0/metadata')).json() as { components?: Array<{ name: string }>; actorRuntime?: { runtimeStatus: string } };
      assert.ok(md.components?.some((c) => c.name === 'actorstore'), `actor store component loaded (is ${target.name} running on loopback?)`);
      await eventually(async () => (((await api(env.httpPort, '/v1.0/metadata')).json() as { actorRuntime?: { runtimeStatus: string } }).actorRuntime?.runtimeStatus === 'RUNNING' ? true : undefined), 'actor runtime running');
    });

    it('round-trips a method and keeps actor state', async () => {
      const proxy = new ActorProxyBuilder<{ deposit(n: number): Promise<number> }>(Ledger, env.client).build(new ActorId('acct-1'));
      assert.equal(await proxy.deposit(10), 10);
      assert.equal(await proxy.deposit(5), 15);
      const got = await api(env.httpPort, `/v1.0/actors/${typeName}/acct-1/state/balance`);
      assert.equal(got.status, 200);
      assert.equal(got.text, '15');
    });

    it('keeps a reminder across a sidecar restart', async () => {
      const r = await api(env.httpPort, `/v1.0/actors/${typeName}/acct-2/reminders/statement`, { method: 'POST', body: { dueTime: '2s', data: 'monthly' } });
      assert.equal(r.status, 204, r.text);
      await env.restartSidecar();
      assert.equal(reminders.length, 0, 'not fired before the restart');
      const fired = await eventually(() => reminders.find((x) => x.id === 'acct-2'), 'the reminder after the restart');
      assert.equal(fired.data, 'monthly');
    });
  });
}
