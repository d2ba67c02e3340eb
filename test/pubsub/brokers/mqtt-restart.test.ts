/**
 * Broker restart mid-stream with pubsub.mqtt3: a private mosquitto (own port, persistence in a
 * temp dir) is stopped and started again while messages flow. QoS 1 with a persistent session
 * (cleanSession false): every publish the component confirmed is delivered after the restart, the
 * consumer comes back by itself, a message whose handler had not finished before the restart is
 * delivered again, and nothing acknowledged is left in the session. Needs mosquitto; under
 * CI=true its absence fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import mqtt from 'mqtt';
import { waitFor } from './targets';
import { freePort, PrivateBroker, publishWithRetry, onPath, requireBinary } from './private-broker';
import { restartMidStream, restartRig } from './restart-scenario';

const MOSQUITTO = onPath('mosquitto', ['/usr/sbin', '/usr/local/sbin']);

describe('pubsub.mqtt3: broker restart mid-stream', () => {
  const rig = restartRig('outrigger-mqtt-restart-');

  it('loses nothing across a restart with QoS 1 and a persistent session', { timeout: 180_000 }, async (ctx) => {
    if (!requireBinary(ctx, MOSQUITTO !== undefined, 'mosquitto')) return;
    const port = await freePort();
    const conf = join(rig.dir, 'mosquitto.conf');
    writeFileSync(conf, [
      `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true',
      `persistence_location ${rig.dir}/`, `user ${userInfo().username}`, 'log_dest stderr', '',
    ].join('\n'));
    const url = `mqtt://127.0.0.1:${port}`;
    const { broker, p } = await rig.start(new PrivateBroker({ what: 'mosquitto', command: MOSQUITTO!, args: ['-c', conf], port, cwd: rig.dir }),
      'mqtt-restart', 'pubsub.mqtt3', { url, qos: '1', cleanSession: 'false', consumerID: 'restart' });

    const topic = 'restart/orders';
    const group = 'restart-group';
    // A held message is being handled when the broker goes away; it fails then. The queued ones
    // wait in the session behind it, not yet handled when the broker stops.
    const { got } = await restartMidStream(p, broker, { topic, group, maxInFlight: 1, held: 1, queued: 5, failedPublishSays: /mqtt/, patienceMs: 60_000 });

    // Nothing acknowledged is left in the session: resuming it yields only a marker published
    // now, and at most the last message handled before close (its PUBACK may not have left).
    await publishWithRetry(p, topic, 'last-handled');
    await waitFor(() => got.accepted.has('last-handled'), 'the last message to be handled');
    await p.close();
    rig.pubsub = undefined;
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
