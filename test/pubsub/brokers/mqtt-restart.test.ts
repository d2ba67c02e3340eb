/**
 * Broker restart mid-stream with pubsub.mqtt3: a private mosquitto (own port, persistence in a
 * temp dir) is stopped and started again while messages flow. QoS 1 with a persistent session
 * (cleanSession false): every publish the component confirmed is delivered after the restart, the
 * consumer comes back by itself, a message whose handler had not finished before the restart is
 * delivered again, and nothing acknowledged is left in the session. Needs mosquitto; under
 * CI=true its absence fails.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import mqtt from 'mqtt';
import type { PubSub } from '../../../components/pubsub/contract';
import { component, context, createDriver, waitFor } from './targets';
import { Deliveries, freePort, names, PrivateBroker, publishDuringOutage, publishWithRetry, onPath, requireBinary, tempDir } from './private-broker';

const MOSQUITTO = onPath('mosquitto', ['/usr/sbin', '/usr/local/sbin']);

describe('pubsub.mqtt3: broker restart mid-stream', () => {
  const dir = tempDir('outrigger-mqtt-restart-');
  let broker: PrivateBroker | undefined;
  let p: PubSub | undefined;

  after(async () => {
    await p?.close();
    await broker?.stop();
    dir.remove();
  });

  it('loses nothing across a restart with QoS 1 and a persistent session', { timeout: 180_000 }, async (ctx) => {
    if (!requireBinary(ctx, MOSQUITTO !== undefined, 'mosquitto')) return;
    const port = await freePort();
    const conf = join(dir.path, 'mosquitto.conf');
    writeFileSync(conf, [
      `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true',
      `persistence_location ${dir.path}/`, `user ${userInfo().username}`, 'log_dest stderr', '',
    ].join('\n'));
    broker = new PrivateBroker({ what: 'mosquitto', command: MOSQUITTO!, args: ['-c', conf], port, cwd: dir.path });
    await broker.start();
    const url = `mqtt://127.0.0.1:${port}`;
    p = createDriver(component('mqtt-restart', 'pubsub.mqtt3', { url, qos: '1', cleanSession: 'false', consumerID: 'restart' }), context(dir.path));
    await p.init();

    const topic = 'restart/orders';
    const group = 'restart-group';
    const got = new Deliveries();
    let brokerDown = false;
    await p.subscribe({ topic, metadata: {}, consumerGroup: group, maxInFlight: 1 }, async (m) => {
      const body = got.record(m);
      // A held message is being handled when the broker goes away; it fails then.
      if (body.startsWith('held-') && got.seen.get(body) === 1) {
        await waitFor(() => brokerDown, 'the broker to go down', 60_000);
        throw new Error('handler failed while the broker was down');
      }
      got.accepted.add(body);
    });

    const before = names('before', 10);
    for (const b of before) await p.publish({ topic, data: Buffer.from(b), metadata: {} });
    await waitFor(() => got.missing(before).length === 0, 'every message published before the restart');
    const held = names('held', 1);
    for (const h of held) await p.publish({ topic, data: Buffer.from(h), metadata: {} });
    await waitFor(() => held.every((h) => got.seen.has(h)), 'the held message to be delivered');
    // Queued in the session behind the held one, not yet handled when the broker stops.
    const queued = names('queued', 5);
    for (const q of queued) await p.publish({ topic, data: Buffer.from(q), metadata: {} });

    await broker.stop();
    brokerDown = true;
    const during = publishDuringOutage(p, topic, 'during', 5);
    await broker.start();
    const outcomes = await during;
    for (const o of outcomes) if (!o.ok) assert.match(o.error ?? '', /mqtt/, `a failed publish says why (${o.body})`);

    const afterRestart = names('after', 10);
    for (const a of afterRestart) await publishWithRetry(p, topic, a);

    const confirmed = [...before, ...held, ...queued, ...outcomes.filter((o) => o.ok).map((o) => o.body), ...afterRestart];
    await waitFor(() => got.missing(confirmed).length === 0, 'every confirmed message after the restart', 60_000);
    assert.deepEqual(got.missing(confirmed), []);
    for (const h of held) assert.ok((got.seen.get(h) ?? 0) >= 2, `${h} was delivered again`);

    // Nothing acknowledged is left in the session: resuming it yields only a marker published
    // now, and at most the last message handled before close (its PUBACK may not have left).
    await publishWithRetry(p, topic, 'last-handled');
    await waitFor(() => got.accepted.has('last-handled'), 'the last message to be handled');
    await p.close();
    p = undefined;
    const leftovers: string[] = [];
    const check = await mqtt.connectAsync(url, { clientId: `${group}-consumer`, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
    try {
      let marked = false;
      check.on('message', (_t, payload) => {
        const body = payload.toString();
        if (body === 'check-marker') marked = true;
        else if (!marked) leftovers.push(body);
      });
      await check.subscribeAsync(topic, { qos: 1 });
      await check.publishAsync(topic, 'check-marker', { qos: 1 });
      await waitFor(() => marked, 'the marker through the resumed session');
    } finally {
      await check.endAsync();
    }
    assert.deepEqual(leftovers.filter((l) => l !== 'last-handled'), [], 'no acknowledged message comes back');
  });
});
