/**
 * Broker restart mid-stream with pubsub.rabbitmq: a private RabbitMQ node (own node name, AMQP and
 * distribution ports, Mnesia and log directories) is stopped and started again while messages
 * flow; the shared node on 5672 is never touched. The component's defaults (durable exchange and
 * queue, persistent messages, publisher confirms) keep every confirmed publish across the restart;
 * it reconnects by itself and resumes its consumer; messages delivered but not acknowledged before
 * the restart come back. Needs rabbitmq-server; under CI=true its absence fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { component, context, createDriver, waitFor } from './targets';
import { Deliveries, freePort, PrivateBroker, requireBinary } from './private-broker';
import { restartMidStream, restartRig } from './restart-scenario';

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
  const rig = restartRig('outrigger-rabbit-restart-');

  it('loses nothing across a node restart and redelivers what was not acknowledged', { timeout: 300_000 }, async (ctx) => {
    if (!requireBinary(ctx, RABBIT !== undefined, 'rabbitmq-server')) return;
    const port = await freePort();
    const url = `amqp://guest:guest@127.0.0.1:${port}`;
    const { broker, p } = await rig.start(rabbitBroker(rig.dir, port, await freePort()), 'rabbit-restart', 'pubsub.rabbitmq', { connectionString: url, reconnectWait: '500ms' });

    const topic = 'restart-orders';
    const group = 'restart-group';
    // Held messages are delivered before the restart and settle only once the broker is gone.
    const { stop } = await restartMidStream(p, broker, { topic, group, maxInFlight: 4, held: 2, failedPublishSays: /rabbitmq/, patienceMs: 120_000 });

    // Everything was acknowledged: with the consumer gone, nothing is back in the queue.
    await stop();
    await p.close();
    rig.pubsub = undefined;
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
    if (!rig.broker) return ctx.skip('no private node (see the test above)');
    const url = `amqp://guest:guest@127.0.0.1:${rig.broker.port}`;
    const sub = createDriver(component('rabbit-cancel', 'pubsub.rabbitmq', { connectionString: url, reconnectWait: '200ms' }), context(rig.dir));
    rig.pubsub = sub;
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
