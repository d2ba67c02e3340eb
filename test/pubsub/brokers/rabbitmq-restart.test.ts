/**
 * Broker restart mid-stream with pubsub.rabbitmq: a private RabbitMQ node (own node name, AMQP and
 * distribution ports, Mnesia and log directories) is stopped and started again while messages
 * flow; the shared node on 5672 is never touched. The component's defaults (durable exchange and
 * queue, persistent messages, publisher confirms) keep every confirmed publish across the restart;
 * it reconnects by itself and resumes its consumer; messages delivered but not acknowledged before
 * the restart come back. Needs rabbitmq-server; under CI=true its absence fails.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import type { PubSub } from '../../../components/pubsub/contract';
import { component, context, createDriver, waitFor } from './targets';
import { Deliveries, freePort, names, PrivateBroker, publishDuringOutage, publishWithRetry, requireBinary, tempDir } from './private-broker';

/** The server script itself (the /usr/sbin wrapper switches to the rabbitmq user and port 5672's node). */
const RABBIT = ['/usr/lib/rabbitmq/bin/rabbitmq-server', '/usr/sbin/rabbitmq-server'].find((p) => existsSync(p));

function rabbitBroker(dir: string, amqpPort: number, distPort: number): PrivateBroker {
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${amqpPort}\n`);
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  return new PrivateBroker({
    what: 'rabbitmq-server', command: RABBIT!, args: [], port: amqpPort, cwd: dir, startTimeoutMs: 90_000,
    env: {
      HOME: dir, // the node's Erlang cookie
      RABBITMQ_NODENAME: `outrigger-test-${process.pid}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(amqpPort),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, 'plugins-expand'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    },
  });
}

describe('pubsub.rabbitmq: broker restart mid-stream', () => {
  const dir = tempDir('outrigger-rabbit-restart-');
  let broker: PrivateBroker | undefined;
  let p: PubSub | undefined;

  after(async () => {
    await p?.close();
    await broker?.stop();
    dir.remove();
  });

  it('loses nothing across a node restart and redelivers what was not acknowledged', { timeout: 300_000 }, async (ctx) => {
    if (!requireBinary(ctx, RABBIT !== undefined, 'rabbitmq-server')) return;
    const port = await freePort();
    const url = `amqp://guest:guest@127.0.0.1:${port}`;
    broker = rabbitBroker(dir.path, port, await freePort());
    await broker.start();
    p = createDriver(component('rabbit-restart', 'pubsub.rabbitmq', { connectionString: url, reconnectWait: '500ms' }), context(dir.path));
    await p.init();

    const topic = 'restart-orders';
    const group = 'restart-group';
    const got = new Deliveries();
    let brokerDown = false;
    const stop = await p.subscribe({ topic, metadata: {}, consumerGroup: group, maxInFlight: 4 }, async (m) => {
      const body = got.record(m);
      // Held messages are delivered before the restart and settle only once the broker is gone.
      if (body.startsWith('held-') && got.seen.get(body) === 1) {
        await waitFor(() => brokerDown, 'the broker to go down', 120_000);
        throw new Error('handler failed while the broker was down');
      }
      got.accepted.add(body);
    });

    const before = names('before', 10);
    for (const b of before) await p.publish({ topic, data: Buffer.from(b), metadata: {} });
    await waitFor(() => got.missing(before).length === 0, 'every message published before the restart');
    const held = names('held', 2);
    for (const h of held) await p.publish({ topic, data: Buffer.from(h), metadata: {} });
    await waitFor(() => held.every((h) => got.seen.has(h)), 'the held messages to be delivered');

    await broker.stop();
    brokerDown = true;
    const during = publishDuringOutage(p, topic, 'during', 5);
    await broker.start();
    const outcomes = await during;
    for (const o of outcomes) if (!o.ok) assert.match(o.error ?? '', /rabbitmq/, `a failed publish says why (${o.body})`);

    const afterRestart = names('after', 10);
    for (const a of afterRestart) await publishWithRetry(p, topic, a);

    const confirmed = [...before, ...held, ...outcomes.filter((o) => o.ok).map((o) => o.body), ...afterRestart];
    await waitFor(() => got.missing(confirmed).length === 0, 'every confirmed message after the restart', 120_000);
    assert.deepEqual(got.missing(confirmed), []);
    for (const h of held) assert.ok((got.seen.get(h) ?? 0) >= 2, `${h} was delivered again after the restart`);

    // Everything was acknowledged: with the consumer gone, nothing is back in the queue.
    await stop();
    await p.close();
    p = undefined;
    const c = await amqp.connect(url);
    try {
      const ch = await c.createChannel();
      const q = await ch.checkQueue(`${group}-${topic}`);
      assert.equal(q.messageCount, 0, 'no message left unacknowledged');
    } finally {
      await c.close();
    }
  });

  it('consumes again when the broker cancels its consumer (queue deleted)', { timeout: 120_000 }, async (ctx) => {
    if (!broker) return ctx.skip('no private node (see the test above)');
    const url = `amqp://guest:guest@127.0.0.1:${broker.port}`;
    const sub = createDriver(component('rabbit-cancel', 'pubsub.rabbitmq', { connectionString: url, reconnectWait: '200ms' }), context(dir.path));
    p = sub;
    await sub.init();
    const topic = 'cancel-orders';
    const queue = `cancel-group-${topic}`;
    const got = new Deliveries();
    const stop = await sub.subscribe({ topic, metadata: {}, consumerGroup: 'cancel-group', maxInFlight: 1 }, async (m) => void got.accepted.add(got.record(m)));
    await sub.publish({ topic, data: Buffer.from('first'), metadata: {} });
    await waitFor(() => got.accepted.has('first'), 'the first message');

    const c = await amqp.connect(url);
    try {
      const admin = await c.createChannel();
      await admin.deleteQueue(queue);
      // The component declares its queue again on a fresh channel and consumes from it.
      let consumers = 0;
      const end = Date.now() + 60_000;
      while (consumers === 0 && Date.now() < end) {
        const probe = await c.createChannel();
        probe.on('error', () => undefined);
        consumers = await probe.checkQueue(queue).then((q) => q.consumerCount, () => 0);
        await probe.close().catch(() => undefined);
        if (consumers === 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(consumers, 1, 'the consumer is back');
    } finally {
      await c.close();
    }
    await sub.publish({ topic, data: Buffer.from('second'), metadata: {} });
    await waitFor(() => got.accepted.has('second'), 'a message after the consumer came back');
    await stop();
  });
});
