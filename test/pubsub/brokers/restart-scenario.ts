/**
 * What the broker-restart tests share: one private broker, one component and a temp folder per
 * test file (closed after its tests), and the restart-mid-stream scenario itself.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import type { PubSub } from '../../../components/pubsub/contract';
import { component, context, createDriver, waitFor } from './targets';
import { Deliveries, names, publishDuringOutage, publishWithRetry, tempDir, type PrivateBroker } from './private-broker';

export interface RestartRig {
  /** The file's temp folder (broker data, component data). */
  readonly dir: string;
  broker: PrivateBroker | undefined;
  /** The component under test; set to undefined once a test closed it itself. */
  pubsub: PubSub | undefined;
  /** Starts `broker`, then component `name` of `type` against it. */
  start(broker: PrivateBroker, name: string, type: string, metadata: Record<string, string>): Promise<{ broker: PrivateBroker; p: PubSub }>;
}

/** Registers the clean-up (component, broker, folder) with the file's `after`. */
export function restartRig(prefix: string): RestartRig {
  const dir = tempDir(prefix);
  const rig: RestartRig = {
    dir: dir.path,
    broker: undefined,
    pubsub: undefined,
    async start(broker, name, type, metadata) {
      rig.broker = broker;
      await broker.start();
      const p = createDriver(component(name, type, metadata), context(dir.path));
      rig.pubsub = p;
      await p.init();
      return { broker, p };
    },
  };
  after(async () => {
    await rig.pubsub?.close();
    await rig.broker?.stop();
    dir.remove();
  });
  return rig;
}

export interface MidStreamRestart {
  readonly topic: string;
  readonly group: string;
  readonly maxInFlight: number;
  /** Messages being handled when the broker stops: their handlers fail then, so they are not acknowledged. */
  readonly held: number;
  /** Messages published after the held ones and not yet handled when the broker stops. */
  readonly queued?: number;
  /** What a publish that failed during the outage must say. */
  readonly failedPublishSays: RegExp;
  /** Bound on waiting for the broker to go down and for every delivery after the restart. */
  readonly patienceMs: number;
}

/**
 * Messages flow, the broker is stopped (some handlers in flight, publishes under way) and started
 * again, more messages flow. Asserts that every publish the component confirmed is accepted and
 * every held message delivered again; returns what the broker-specific checks need.
 */
export async function restartMidStream(p: PubSub, broker: PrivateBroker, o: MidStreamRestart): Promise<{ stop: () => Promise<void>; got: Deliveries; confirmed: string[] }> {
  const { topic } = o;
  const got = new Deliveries();
  let brokerDown = false;
  const stop = await p.subscribe({ topic, metadata: {}, consumerGroup: o.group, maxInFlight: o.maxInFlight }, async (m) => {
    const body = got.record(m);
    if (body.startsWith('held-') && got.seen.get(body) === 1) {
      await waitFor(() => brokerDown, 'the broker to go down', o.patienceMs);
      throw new Error('handler failed while the broker was down');
    }
    got.accepted.add(body);
  });

  const before = names('before', 10);
  for (const b of before) await p.publish({ topic, data: Buffer.from(b), metadata: {} });
  await waitFor(() => got.missing(before).length === 0, 'every message published before the restart');
  const held = names('held', o.held);
  for (const h of held) await p.publish({ topic, data: Buffer.from(h), metadata: {} });
  await waitFor(() => held.every((h) => got.seen.has(h)), 'the held messages to be delivered');
  const queued = names('queued', o.queued ?? 0);
  for (const q of queued) await p.publish({ topic, data: Buffer.from(q), metadata: {} });

  await broker.stop();
  brokerDown = true;
  const during = publishDuringOutage(p, topic, 'during', 5);
  await broker.start();
  const outcomes = await during;
  for (const out of outcomes) if (!out.ok) assert.match(out.error ?? '', o.failedPublishSays, `a failed publish says why (${out.body})`);

  const afterRestart = names('after', 10);
  for (const a of afterRestart) await publishWithRetry(p, topic, a);

  const confirmed = [...before, ...held, ...queued, ...outcomes.filter((out) => out.ok).map((out) => out.body), ...afterRestart];
  await waitFor(() => got.missing(confirmed).length === 0, 'every confirmed message after the restart', o.patienceMs);
  assert.deepEqual(got.missing(confirmed), []);
  for (const h of held) assert.ok((got.seen.get(h) ?? 0) >= 2, `${h} was delivered again after the restart`);
  return { stop, got, confirmed };
}
