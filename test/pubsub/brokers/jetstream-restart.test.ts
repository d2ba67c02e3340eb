/**
 * Broker restart mid-stream with pubsub.jetstream: a private nats-server (own port, own store
 * directory) is stopped and started again while messages flow; every message published (and
 * confirmed) is delivered. Needs the nats-server binary; under CI=true its absence fails.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PubSub } from '../../../components/pubsub/contract';
import { component, context, createDriver, waitFor } from './targets';
import { freePort, names, onPath, PrivateBroker, publishWithRetry, requireBinary, tempDir } from './private-broker';

const NATS = onPath('nats-server', ['/usr/sbin', '/usr/local/sbin']);

describe('pubsub.jetstream: broker restart mid-stream', () => {
  const dir = tempDir('outrigger-nats-');
  let broker: PrivateBroker | undefined;
  let p: PubSub | undefined;

  after(async () => {
    await p?.close();
    await broker?.stop();
    dir.remove();
  });

  it('loses nothing across a restart', async (ctx) => {
    if (!requireBinary(ctx, NATS !== undefined, 'nats-server')) return;
    const port = await freePort();
    broker = new PrivateBroker({ what: 'nats-server', command: NATS!, args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir.path], port });
    await broker.start();
    p = createDriver(component('jet-restart', 'pubsub.jetstream', { natsURL: `nats://127.0.0.1:${port}`, ackWait: '2s' }), context(dir.path));
    await p.init();
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
