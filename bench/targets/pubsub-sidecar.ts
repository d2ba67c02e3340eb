/**
 * The pub/sub scenario's setup: one subscribing app (servers/pubsub-app.js, client CPU) and one
 * sidecar (SUT CPU) with a component per available broker. The app declares one subscription per
 * broker and in-flight bound (`maxConcurrentHandlers`), each on its own topic; publish topics have
 * no subscriber. Also what the generator calls to publish, through the sidecar or directly.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildEnvelope, encodeEvent } from '../../api/pubsub/envelope';
import { launch, type Launched } from '../proc/processes';
import { freePort, pollUntil, tcpAccepts } from '../proc/net';
import { startSidecar } from './sidecar';
import { AMQP_URL, brokerComponentYaml, componentName, NATS_URL, PUBLISH_KEEP } from './pubsub-brokers';
import { REDIS_PORT } from './state-stores';
import type { HttpTargetSpec, PubsubDirectTargetSpec } from '../load/types';
import type { PubsubBroker, PublishMode } from '../report/types';
import type { TargetContext } from './types';

export const PUBSUB_APP_ID = 'bench-pubsub';
export const PAYLOAD_BYTES = 1024;
/** A 1 KB JSON document: {"v":"xxx...x"}. */
export const PAYLOAD = `{"v":"${'x'.repeat(PAYLOAD_BYTES - 8)}"}`;
export const IN_FLIGHT: readonly number[] = [1, 16, 64];

export interface PubsubSetup {
  readonly sidecar: Launched;
  readonly app: Launched;
  readonly httpPort: number;
  readonly appPort: number;
  readonly brokers: readonly PubsubBroker[];
  readonly sqliteSidecarFile: string;
  readonly sqliteDirectFile: string;
  readonly topics: PubsubTopics;
}

export interface PubsubTopics {
  readonly sidecar: string;
  readonly direct: string;
  /** Per in-flight bound. */
  readonly delivery: ReadonlyMap<number, string>;
}

/** Topic names of one run (unique, so shared brokers never mix runs). */
export function pubsubTopics(run = randomBytes(4).toString('hex')): PubsubTopics {
  return {
    sidecar: `bench-pub-${run}`,
    direct: `bench-pubd-${run}`,
    delivery: new Map(IN_FLIGHT.map((c) => [c, `bench-del-${run}-c${c}`])),
  };
}

export const publishTopics = (t: PubsubTopics): string[] => [t.sidecar, t.direct];
export const deliveryTopics = (t: PubsubTopics): string[] => [...t.delivery.values()];
export const deliveryRoute = (b: PubsubBroker, inFlight: number): string => `/deliver/${b}/c${inFlight}`;

/** What the app answers to GET /dapr/subscribe. */
export function subscriptionsJson(brokers: readonly PubsubBroker[], topics: PubsubTopics): string {
  const subs = brokers.flatMap((b) => IN_FLIGHT.map((c) => ({
    pubsubname: componentName(b), topic: topics.delivery.get(c), route: deliveryRoute(b, c), metadata: { maxConcurrentHandlers: String(c) },
  })));
  return JSON.stringify(subs);
}

async function startPubsubApp(ctx: TargetContext, subscriptionsFile: string): Promise<{ proc: Launched; port: number }> {
  const port = await freePort();
  const proc = launch('pubsub-app', process.execPath, [join(__dirname, '..', 'servers', 'pubsub-app.js'), String(port), subscriptionsFile], ctx.plan, { cpu: ctx.plan.clientCpu });
  const r = await pollUntil(() => tcpAccepts(port), 10_000, 20, proc.exited);
  if (!r.ok) {
    await proc.stop();
    throw new Error(`pubsub-app did not start: ${r.reason}; ${proc.tail()}`);
  }
  return { proc, port };
}

export async function startPubsubSidecar(ctx: TargetContext, brokers: readonly PubsubBroker[], topics: PubsubTopics): Promise<{ ok: true; setup: PubsubSetup } | { ok: false; reason: string }> {
  const dir = join(ctx.tmpDir, 'pubsub');
  const resourcesPath = join(dir, 'resources');
  await mkdir(resourcesPath, { recursive: true });
  const sqliteSidecarFile = join(dir, 'sidecar-pubsub.db');
  for (const b of brokers) await writeFile(join(resourcesPath, `${b}.yaml`), brokerComponentYaml(b, sqliteSidecarFile));
  const subscriptionsFile = join(dir, 'subscriptions.json');
  await writeFile(subscriptionsFile, subscriptionsJson(brokers, topics));
  const app = await startPubsubApp(ctx, subscriptionsFile);
  const r = await startSidecar(ctx, 'pubsub-sidecar', { appId: PUBSUB_APP_ID, appPort: app.port, resourcesPath, mtls: false });
  if (!r.ok) {
    await app.proc.stop();
    return r;
  }
  return {
    ok: true,
    setup: { sidecar: r.proc, app: app.proc, httpPort: r.ports.http, appPort: app.port, brokers, sqliteSidecarFile, sqliteDirectFile: join(dir, 'direct-pubsub.db'), topics },
  };
}

/** Bulk publish body: `size` entries of the same JSON event (daprd's BulkPublishRequestEntry shape). */
export function bulkBody(size: number, event: string): string {
  const entries = Array.from({ length: size }, (_, i) => `{"entryId":"${i}","event":${event},"contentType":"application/json"}`);
  return `[${entries.join(',')}]`;
}

/** Where the generator publishes through the sidecar's API (204 = published). */
export function sidecarPublishSpec(s: PubsubSetup, b: PubsubBroker, mode: PublishMode, bulkSize: number): HttpTargetSpec {
  const common = { protocol: 'http' as const, port: s.httpPort, method: 'POST' as const, headers: { 'content-type': 'application/json' }, expectStatus: 204 };
  return mode === 'single'
    ? { ...common, path: `/v1.0/publish/${componentName(b)}/${s.topics.sidecar}`, body: PAYLOAD }
    : { ...common, path: `/v1.0-alpha1/publish/bulk/${componentName(b)}/${s.topics.sidecar}`, body: bulkBody(bulkSize, PAYLOAD) };
}

/** The CloudEvent the sidecar writes for PAYLOAD (same size; one fixed id), for the direct path. */
export function directPayload(topic: string, b: PubsubBroker): string {
  const env = buildEnvelope({ topic, pubsub: componentName(b), source: PUBSUB_APP_ID, data: Buffer.from(PAYLOAD), dataContentType: 'application/json', traceParent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` });
  if (!env.ok) throw new Error(env.message);
  return encodeEvent(env.event).toString('utf8');
}

export function directPublishSpec(s: PubsubSetup, b: PubsubBroker, mode: PublishMode, bulkSize: number): PubsubDirectTargetSpec {
  const topic = s.topics.direct;
  const url = b === 'redis' ? String(REDIS_PORT) : b === 'jetstream' ? NATS_URL : b === 'rabbitmq' ? AMQP_URL : undefined;
  return {
    protocol: 'pubsub-direct', broker: b, topic, batch: mode === 'single' ? 1 : bulkSize, payload: directPayload(topic, b), contentType: 'application/cloudevents+json',
    ...(b === 'sqlite' ? { file: s.sqliteDirectFile } : {}), ...(url ? { url } : {}), ...(b === 'redis' ? { maxLen: PUBLISH_KEEP } : {}),
  };
}
