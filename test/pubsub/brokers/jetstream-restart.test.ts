/**
 * Broker restart mid-stream with pubsub.jetstream: a private nats-server (own port, own store
 * directory) is stopped and started again while messages flow; every message published (and
 * confirmed) is delivered. Needs the nats-server binary; under CI=true its absence fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './targets';
import { freePort, names, onPath, PrivateBroker, publishWithRetry, requireBinary } from './private-broker';
import { restartRig } from './restart-scenario';

const NATS = onPath('nats-server', ['/usr/sbin', '/usr/local/sbin']);

describe('pubsub.jetstream: broker restart mid-stream', () => {
  const rig = restartRig('outrigger-nats-');

  it('loses nothing across a restart', async (ctx) => {
    if (!requireBinary(ctx, NATS !== undefined, 'nats-server')) return;
    const port = await freePort();
    const { broker, p } = await rig.start(new PrivateBroker({ what: 'nats-server', command: NATS!, args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', rig.dir], port }),
      'jet-restart', 'pubsub.jetstream', { natsURL: `nats://127.0.0.1:${port}`, ackWait: '2s' });
    const topic = 'restart.orders';
    const got = new Set<string>();
    const stop = await p.subscribe({ topic, metadata: {}, consumerGroup: 'restart-group', maxInFlight: 2 }, async (m) => void got.add(m.data.toString()));
    const before = names('before', 10);
    for (const b of before) await publishWithRetry(p, topic, b);
    await broker.stop();
    await broker.start();
    const afterRestart = names('after', 10);
    for (const a of afterRestart) await publishWithRetry(p, topic, a);
    const want = [...before, ...afterRestart];
    await waitFor(() => want.every((w) => got.has(w)), 'every message after the restart', 60_000);
    assert.deepEqual([...got].sort(), [...want].sort());
    await stop();
  });
});
