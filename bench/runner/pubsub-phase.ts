/**
 * Pub/sub building block, per broker (embedded pubsub.sqlite, Redis Streams, NATS JetStream,
 * RabbitMQ):
 * - publish, single (POST /v1.0/publish, 1 KB JSON) and bulk (POST /v1.0-alpha1/publish/bulk,
 *   BULK_SIZE entries) through the sidecar, against the broker's own Node client in the generator
 *   publishing the same CloudEvent bytes with the broker's confirmation (load/pubsub-direct.ts).
 *   Closed loop, `connections` concurrent; cases interleaved per repeat.
 * - delivery to an HTTP app with the subscription's in-flight bound at 1, 16 and 64: pre-filled
 *   messages drained to the app (messages/s), and publish -> app latency at a low fixed rate.
 * A broker that does not answer is reported unavailable (the run does not fail).
 */
import { createRequester } from '../load/requester';
import { BROKERS, brokerUnavailable, cleanupBroker, prepareBroker } from '../targets/pubsub-brokers';
import { drain, latencyRun, warmUp } from '../targets/pubsub-delivery';
import { deliveryTopics, directPublishSpec, IN_FLIGHT, PAYLOAD_BYTES, PUBSUB_APP_ID, publishTopics, pubsubTopics, sidecarPublishSpec, startPubsubSidecar, type PubsubSetup } from '../targets/pubsub-sidecar';
import type { TargetSpec } from '../load/types';
import type { DeliveryCase, PubsubBroker, PubsubResult, PublishCase } from '../report/types';
import { runInterleaved } from './closed-loop-cases';
import type { LoadPhaseDeps } from './load-phase';

export const PUBSUB_SCENARIO = {
  name: 'pubsub',
  title: 'pub/sub publish (single, bulk) through the sidecar vs the broker\'s own Node client; delivery to an app with 1/16/64 in flight (sqlite, redis, jetstream, rabbitmq)',
} as const;

export const BULK_SIZE = 100;
/** The in-flight bound whose subscription also gets the latency run. */
const LATENCY_IN_FLIGHT = 16;
const LATENCY_RATE = 200;

interface Sizes {
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly deliveryMessages: number;
  readonly latencyMs: number;
  readonly maxDrainMs: number;
  /** Answered at once before a case's first drain, so the subscription is known to be live. */
  readonly warmUpMessages: number;
}

function sizes(deps: LoadPhaseDeps): Sizes {
  const o = deps.opts;
  return o.smoke
    ? { warmupMs: 50, durationMs: Math.min(o.saturationMs, 100), deliveryMessages: 50, latencyMs: 100, maxDrainMs: 5000, warmUpMessages: 3 }
    : { warmupMs: o.saturationWarmupMs, durationMs: o.saturationMs, deliveryMessages: 5000, latencyMs: Math.min(o.durationMs, 5000), maxDrainMs: 120_000, warmUpMessages: 10 };
}

function emptyResult(deps: LoadPhaseDeps, z: Sizes): PubsubResult {
  const r: PubsubResult = {
    notes: [], publish: [], delivery: [], unavailableBrokers: {}, concurrency: deps.opts.connections, durationMs: z.durationMs,
    payloadBytes: PAYLOAD_BYTES, bulkSize: BULK_SIZE, deliveryMessages: z.deliveryMessages,
  };
  for (const broker of BROKERS) {
    for (const mode of ['single', 'bulk'] as const) for (const path of ['sidecar', 'direct'] as const) r.publish.push({ broker, mode, path, samples: [] });
    for (const inFlight of IN_FLIGHT) r.delivery.push({ broker, inFlight, samples: [], latency: [] });
  }
  return r;
}

function markBroker(r: PubsubResult, b: PubsubBroker, why: string): void {
  r.unavailableBrokers[b] = why;
  for (const c of [...r.publish, ...r.delivery]) if (c.broker === b) c.unavailable ??= why;
}

const publishSpec = (s: PubsubSetup, c: PublishCase): TargetSpec =>
  c.path === 'sidecar' ? sidecarPublishSpec(s, c.broker, c.mode, BULK_SIZE) : directPublishSpec(s, c.broker, c.mode, BULK_SIZE);

/** One call per case before measuring; a case whose call fails is unavailable with the reason. */
async function probePublish(s: PubsubSetup, cases: readonly PublishCase[], timeoutMs: number): Promise<void> {
  for (const c of cases) {
    const req = createRequester(publishSpec(s, c), 1, timeoutMs, 0);
    try {
      const err = await req.send();
      if (err) c.unavailable = `probe publish failed: ${err.slice(0, 200)}`;
    } finally {
      await req.close().catch(() => undefined);
    }
  }
}

async function runPublish(deps: LoadPhaseDeps, s: PubsubSetup, r: PubsubResult, z: Sizes): Promise<void> {
  const o = deps.opts;
  const cases = r.publish.filter((c) => !c.unavailable);
  await probePublish(s, cases, o.timeoutMs);
  await runInterleaved(deps, cases.filter((c) => !c.unavailable), {
    repeats: o.repeats,
    spec: (c) => ({ mode: 'saturation', target: publishSpec(s, c), rate: 0, connections: o.connections, warmupMs: z.warmupMs, durationMs: z.durationMs, timeoutMs: o.timeoutMs, expectBytes: 0 }),
    label: (c) => `${PUBSUB_SCENARIO.name} ${c.broker} publish ${c.mode} ${c.path}`,
    sidecarPid: (c) => (c.path === 'sidecar' ? s.sidecar.pid : undefined),
    rate: (c, x) => `${(x.rps * (c.mode === 'bulk' ? BULK_SIZE : 1)).toFixed(0)} msgs/s`,
  }, r.notes);
}

async function runDeliveryCase(deps: LoadPhaseDeps, s: PubsubSetup, c: DeliveryCase, first: boolean, z: Sizes): Promise<void> {
  const o = deps.opts;
  const topic = s.topics.delivery.get(c.inFlight) as string;
  const label = `${PUBSUB_SCENARIO.name} ${c.broker} delivery ${c.inFlight} in flight`;
  const why = await warmUp(s, c.broker, topic, z.warmUpMessages, first ? deps.ctx.readyTimeoutMs : z.maxDrainMs, o.timeoutMs);
  if (why) {
    c.unavailable = `warm-up: ${why}`;
    deps.log(`${label}: unavailable: ${why}`);
    return;
  }
  const x = await drain(s, c.broker, topic, c.inFlight, z.deliveryMessages, z.maxDrainMs, o.timeoutMs);
  c.samples.push(x);
  deps.log(`${label}: ${x.perSecond.toFixed(0)} msgs/s (${x.delivered}/${x.messages} in ${x.ms.toFixed(0)} ms), sidecar ${x.sidecarMcpu.toFixed(0)} mCPU, ${x.duplicates} duplicates`);
  if (c.inFlight !== LATENCY_IN_FLIGHT) return;
  const l = await latencyRun(s, c.broker, topic, LATENCY_RATE, z.latencyMs, o.timeoutMs);
  c.latency.push(l);
  deps.log(`${label}: publish -> app at ${l.rate}/s: p50 ${l.p50} ms, p99 ${l.p99} ms (${l.received}/${l.count})`);
}

async function runDelivery(deps: LoadPhaseDeps, s: PubsubSetup, r: PubsubResult, z: Sizes): Promise<void> {
  const warmed = new Set<DeliveryCase>();
  for (let rep = 0; rep < deps.opts.repeats; rep++) {
    const live = r.delivery.filter((c) => !c.unavailable);
    for (let k = 0; k < live.length; k++) {
      const c = live[(k + rep) % live.length];
      try {
        await runDeliveryCase(deps, s, c, !warmed.has(c), z);
        warmed.add(c);
      } catch (e) {
        r.notes.push(`${c.broker} delivery ${c.inFlight} in flight, run ${rep + 1} failed: ${(e as Error).message}`);
        deps.log(`${PUBSUB_SCENARIO.name} ${c.broker} delivery ${c.inFlight}: FAILED ${(e as Error).message}`);
      }
    }
  }
}

export async function runPubsubPhase(deps: LoadPhaseDeps): Promise<PubsubResult> {
  const o = deps.opts;
  const z = sizes(deps);
  const r = emptyResult(deps, z);
  const probes = await Promise.all(BROKERS.map((b) => brokerUnavailable(b, Math.min(o.timeoutMs, 2000))));
  BROKERS.forEach((b, i) => probes[i] && markBroker(r, b, probes[i] as string));
  const topics = pubsubTopics();
  const pubTopics = publishTopics(topics);
  const delTopics = deliveryTopics(topics);
  await Promise.all(BROKERS.filter((x) => !r.unavailableBrokers[x]).map((b) =>
    prepareBroker(b, pubTopics, delTopics, o.timeoutMs).catch((e: Error) => markBroker(r, b, `preparing ${b}: ${e.message}`))));
  const brokers = BROKERS.filter((b) => !r.unavailableBrokers[b]);
  for (const [b, why] of Object.entries(r.unavailableBrokers)) deps.log(`${PUBSUB_SCENARIO.name}: ${b} unavailable: ${why}`);
  const started = await startPubsubSidecar(deps.ctx, brokers, topics).catch((e: Error) => ({ ok: false as const, reason: e.message }));
  try {
    if (!started.ok) {
      for (const b of brokers) markBroker(r, b, `sidecar: ${started.reason}`);
      deps.log(`${PUBSUB_SCENARIO.name}: unavailable: ${started.reason}`);
      return r;
    }
    const s = started.setup;
    try {
      await runPublish(deps, s, r, z);
      await runDelivery(deps, s, r, z);
      r.notes.push(...scenarioNotes(brokers, z));
      if (s.sidecar.child.exitCode !== null || s.sidecar.child.signalCode !== null) r.notes.push(`the pub/sub sidecar exited during the run: ${s.sidecar.tail().slice(-300)}`);
    } finally {
      await s.sidecar.stop();
      await s.app.stop();
    }
  } finally {
    await Promise.all(brokers.map((b) => cleanupBroker(b, pubTopics, delTopics, PUBSUB_APP_ID, o.timeoutMs)));
  }
  return r;
}

function scenarioNotes(brokers: readonly PubsubBroker[], z: Sizes): string[] {
  return [
    `sidecar: ${brokers.map((b) => `pubsub.${b}`).join(' + ')} components, sidecar on the SUT CPU; generator, app and runner on the client CPU; direct: the broker's client inside the generator process`,
    'direct publish sends the CloudEvent the sidecar would write for the same 1 KB payload, with the driver\'s confirmation: sqlite = the driver\'s MessageStore insert (one transaction per call); redis = XADD (a bulk call is one pipeline); jetstream = js.publish awaiting the stream ack; rabbitmq = confirm channel, persistent, confirms awaited. The sidecar also builds the envelope per message',
    'publish topics are bounded so the shared brokers do not fill: Redis MAXLEN ~ 10000 (both paths), JetStream max_msgs 10000 (file storage), RabbitMQ one durable queue per topic with x-max-length 10000; the embedded sqlite keeps every message (retention 24 h)',
    `delivery: one sidecar subscription per broker and bound (maxConcurrentHandlers = 1, 16, 64); the app holds deliveries while ${z.deliveryMessages} messages are published through the sidecar's bulk API, then answers them and everything after at once (200 SUCCESS); msgs/s = messages / (release -> last answer), timed in the app; duplicates = deliveries of an id already seen`,
    `latency: publish -> app handler for single publishes at ${LATENCY_RATE}/s for ${z.latencyMs} ms on the ${LATENCY_IN_FLIGHT}-in-flight subscription (send time carried in the event, one machine clock)`,
    'Dapr\'s nearest knobs (no per-subscription bound): --app-max-concurrency (sidecar-wide, every app call), component metadata `concurrencyMode` single|parallel (e.g. RabbitMQ), Redis Streams `concurrency` (worker count), RabbitMQ `prefetchCount`',
  ];
}
