/**
 * Broker restart mid-stream with pubsub.redis: a private redis-server (own port, append-only file
 * with fsync on every write in a temp dir, as a user who needs durability runs it) is stopped and
 * started again while messages flow. Every publish the component confirmed is delivered and
 * acknowledged (nothing left pending in the consumer group); entries pulled but not acknowledged
 * before the restart are delivered again. Needs redis-server; under CI=true its absence fails.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import type { PubSub } from '../../../components/pubsub/contract';
import { component, context, createDriver, waitFor } from './targets';
import { binaryRuns, Deliveries, freePort, names, PrivateBroker, publishDuringOutage, publishWithRetry, requireBinary, tempDir } from './private-broker';

const REDIS = 'redis-server';
const haveRedis = binaryRuns(REDIS, ['--version']);

describe('pubsub.redis: broker restart mid-stream', () => {
  const dir = tempDir('outrigger-redis-restart-');
  let broker: PrivateBroker | undefined;
  let p: PubSub | undefined;

  after(async () => {
    await p?.close();
    await broker?.stop();
    dir.remove();
  });

  it('loses nothing across a restart and redelivers what was pulled but not acknowledged', async (ctx) => {
    if (!requireBinary(ctx, haveRedis, REDIS)) return;
    const port = await freePort();
    broker = new PrivateBroker({
      what: 'redis-server', command: REDIS, port, cwd: dir.path,
      args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir.path, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no'],
    });
    await broker.start();
    p = createDriver(component('redis-restart', 'pubsub.redis', { redisHost: `127.0.0.1:${port}`, processingTimeout: '1500', redeliverInterval: '200' }), context(dir.path));
    await p.init();

    const topic = 'restart-orders';
    const group = 'restart-group';
    const got = new Deliveries();
    let brokerDown = false;
    const stop = await p.subscribe({ topic, metadata: {}, consumerGroup: group, maxInFlight: 4 }, async (m) => {
      const body = got.record(m);
      // Held entries are pulled before the restart and fail once the broker is gone: not acknowledged.
      if (body.startsWith('held-') && got.seen.get(body) === 1) {
        await waitFor(() => brokerDown, 'the broker to go down', 60_000);
        throw new Error('handler failed while the broker was down');
      }
      got.accepted.add(body);
    });

    const before = names('before', 10);
    for (const b of before) await p.publish({ topic, data: Buffer.from(b), metadata: {} });
    await waitFor(() => got.missing(before).length === 0, 'every message published before the restart');
    const held = names('held', 2);
    for (const h of held) await p.publish({ topic, data: Buffer.from(h), metadata: {} });
    await waitFor(() => held.every((h) => got.seen.has(h)), 'the held messages to be pulled');

    await broker.stop();
    brokerDown = true;
    const during = publishDuringOutage(p, topic, 'during', 5);
    await broker.start();
    const outcomes = await during;
    for (const o of outcomes) if (!o.ok) assert.match(o.error ?? '', /\S/, `a failed publish says why (${o.body})`);

    const afterRestart = names('after', 10);
    for (const a of afterRestart) await publishWithRetry(p, topic, a);

    const confirmed = [...before, ...held, ...outcomes.filter((o) => o.ok).map((o) => o.body), ...afterRestart];
    await waitFor(() => got.missing(confirmed).length === 0, 'every confirmed message after the restart', 60_000);
    assert.deepEqual(got.missing(confirmed), []);
    for (const h of held) assert.ok((got.seen.get(h) ?? 0) >= 2, `${h} was delivered again after the restart`);

    // Everything was acknowledged: the group holds no pending entries once the handlers settled.
    const check = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await check.connect();
    try {
      const pendingCount = async (): Promise<number> => Number(((await check.xpending(topic, group)) as unknown[])[0]);
      const end = Date.now() + 20_000;
      let pending = await pendingCount();
      while (pending > 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        pending = await pendingCount();
      }
      assert.equal(pending, 0, 'no entry left unacknowledged');
      // The stream survived the restart: nothing published and confirmed is missing from it.
      const ids = ((await check.xrange(topic, '-', '+')) as Array<[string, string[]]>).map(([, f]) => f[f.indexOf('data') + 1]);
      assert.deepEqual(confirmed.filter((c) => !ids.includes(c)), []);
    } finally {
      check.disconnect();
    }
    await stop();
  });

  it('a restart without persistence loses the group: it is created again and new messages flow', async (ctx) => {
    if (!requireBinary(ctx, haveRedis, REDIS)) return;
    const scratch = tempDir('outrigger-redis-volatile-');
    const port = await freePort();
    const volatile = new PrivateBroker({
      what: 'redis-server', command: REDIS, port, cwd: scratch.path,
      args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', scratch.path, '--appendonly', 'no', '--save', '', '--protected-mode', 'no'],
    });
    const q = createDriver(component('redis-volatile', 'pubsub.redis', { redisHost: `127.0.0.1:${port}`, processingTimeout: '1500', redeliverInterval: '200' }), context(scratch.path));
    try {
      await volatile.start();
      await q.init();
      const got = new Deliveries();
      const stop = await q.subscribe({ topic: 'volatile-orders', metadata: {}, consumerGroup: 'volatile-group', maxInFlight: 2 }, async (m) => void got.accepted.add(got.record(m)));
      await q.publish({ topic: 'volatile-orders', data: Buffer.from('before'), metadata: {} });
      await waitFor(() => got.accepted.has('before'), 'the message before the restart');
      await volatile.stop();
      await volatile.start();
      const afterRestart = names('after', 5);
      for (const a of afterRestart) await publishWithRetry(q, 'volatile-orders', a);
      await waitFor(() => got.missing(afterRestart).length === 0, 'messages published after the data loss', 30_000);
      await stop();
    } finally {
      await q.close();
      await volatile.stop();
      scratch.remove();
    }
  });
});
