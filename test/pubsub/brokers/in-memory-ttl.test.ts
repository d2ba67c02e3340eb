/**
 * pubsub.in-memory honours request metadata ttlInSeconds: a message that expired while queued, or
 * while waiting for redelivery, is not delivered; messages without a TTL are. (Raw payloads carry
 * no CloudEvent `expiration`, so only the broker can drop them.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { component, context, createDriver, delay, waitFor } from './targets';
import { tempDir } from './private-broker';

function inMemory() {
  const dir = tempDir('outrigger-mem-ttl-');
  const p = createDriver(component('mem-ttl', 'pubsub.in-memory', {}), context(dir.path));
  return { p, dispose: async () => { await p.close(); dir.remove(); } };
}

describe('pubsub.in-memory: message TTL', () => {
  it('a message that expired while queued is not delivered', async () => {
    const { p, dispose } = inMemory();
    try {
      await p.init();
      const topic = 'ttl-queued';
      const group = 'ttl-group';
      // The group exists but nobody consumes while the messages wait.
      await (await p.subscribe({ topic, metadata: {}, consumerGroup: group, maxInFlight: 1 }, async () => {}))();
      await p.publish({ topic, data: Buffer.from('short-lived'), metadata: { ttlInSeconds: '1' } });
      await p.publish({ topic, data: Buffer.from('long-lived'), metadata: { ttlInSeconds: '60' } });
      await p.publish({ topic, data: Buffer.from('lasting'), metadata: {} });
      await delay(1300);
      await p.publish({ topic, data: Buffer.from('marker'), metadata: {} });
      const got: string[] = [];
      const stop = await p.subscribe({ topic, metadata: {}, consumerGroup: group, maxInFlight: 1 }, async (m) => void got.push(m.data.toString()));
      await waitFor(() => got.includes('marker'), 'the marker');
      assert.deepEqual(got, ['long-lived', 'lasting', 'marker']);
      await stop();
    } finally {
      await dispose();
    }
  });

  it('a rejected message is not redelivered once it expired', async () => {
    const { p, dispose } = inMemory();
    try {
      await p.init();
      const topic = 'ttl-redelivery';
      let attempts = 0;
      let lastAttemptAt = 0;
      const stop = await p.subscribe({ topic, metadata: {}, consumerGroup: 'g', maxInFlight: 1 }, async () => {
        attempts++;
        lastAttemptAt = Date.now();
        throw new Error('always fails');
      });
      const publishedAt = Date.now();
      await p.publish({ topic, data: Buffer.from('short-lived'), metadata: { ttlInSeconds: '1' } });
      await waitFor(() => attempts >= 2, 'a redelivery before the message expired');
      // Back-offs double (100, 200, 400, 800 ms ...): without expiry the next offer comes at about
      // +1.5 s and another before +4 s; with it, none after the 1 s TTL (a few ms of clock slack).
      await delay(4000);
      assert.ok(lastAttemptAt - publishedAt < 1050, `no attempt after the message expired (last at +${lastAttemptAt - publishedAt} ms)`);
      await stop();
    } finally {
      await dispose();
    }
  });

  it('a publish without ttlInSeconds never expires', async () => {
    const { p, dispose } = inMemory();
    try {
      await p.init();
      const got: string[] = [];
      const stop = await p.subscribe({ topic: 'ttl-none', metadata: {}, consumerGroup: 'g', maxInFlight: 1 }, async (m) => void got.push(m.data.toString()));
      await p.publish({ topic: 'ttl-none', data: Buffer.from('kept'), metadata: {} });
      await waitFor(() => got.length === 1, 'the message');
      assert.deepEqual(got, ['kept']);
      await stop();
    } finally {
      await dispose();
    }
  });
});
