/**
 * Broker restart mid-stream with pubsub.redis: a private redis-server (own port, append-only file
 * with fsync on every write in a temp dir, as a user who needs durability runs it) is stopped and
 * started again while messages flow. Every publish the component confirmed is delivered and
 * acknowledged (nothing left pending in the consumer group); entries pulled but not acknowledged
 * before the restart are delivered again. Needs redis-server; under CI=true its absence fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { component, context, createDriver, waitFor } from './targets';
import { binaryRuns, Deliveries, freePort, names, PrivateBroker, publishWithRetry, requireBinary, tempDir } from './private-broker';
import { restartMidStream, restartRig } from './restart-scenario';

const REDIS = 'redis-server';
const haveRedis = binaryRuns(REDIS, ['--version']);

describe('pubsub.redis: broker restart mid-stream', () => {
  const rig = restartRig('outrigger-redis-restart-');

  it('loses nothing across a restart and redelivers what was pulled but not acknowledged', async (ctx) => {
    if (!requireBinary(ctx, haveRedis, REDIS)) return;
    const port = await freePort();
    const { broker, p } = await rig.start(new PrivateBroker({
      what: 'redis-server', command: REDIS, port, cwd: rig.dir,
      args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', rig.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no'],
    }), 'redis-restart', 'pubsub.redis', { redisHost: `127.0.0.1:${port}`, processingTimeout: '1500', redeliverInterval: '200' });

    const topic = 'restart-orders';
    const group = 'restart-group';
    // Held entries are pulled before the restart and fail once the broker is gone: not acknowledged.
    const { stop, confirmed } = await restartMidStream(p, broker, { topic, group, maxInFlight: 4, held: 2, failedPublishSays: /\S/, patienceMs: 60_000 });

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
