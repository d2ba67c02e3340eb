/**
 * Delivery through the sidecar to the subscribing app, for one broker and in-flight bound:
 * - drain: the app holds every delivery unanswered, the runner pre-fills N messages through the
 *   sidecar's bulk publish API (the subscription fills up to its bound and waits), then the app
 *   answers everything held and from then on answers at once; messages/s = N / (release -> N-th
 *   answer), timed in the app. Sidecar and app CPU are sampled over the drain.
 * - latency: single publishes at a low fixed rate, each carrying its send time; the app takes
 *   publish -> handler time per message (both clocks: timeOrigin + performance.now()).
 */
import { request } from 'undici';
import { LatencyHistogram } from '../load/histogram';
import { TreeSampler } from '../proc/sampler';
import { componentName } from './pubsub-brokers';
import { bulkBody, PAYLOAD, PAYLOAD_BYTES, type PubsubSetup } from './pubsub-sidecar';
import type { DeliveryLatency, DeliverySample, PubsubBroker } from '../report/types';

export interface AppStatus {
  readonly received: number;
  readonly answered: number;
  readonly duplicates: number;
  readonly held: number;
  readonly releaseAt: number;
  readonly doneAt: number;
  readonly latencies: number[];
}

const PREFILL_BULK = 100;
const POLL_MS = 20;
const wallMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function appControl(s: PubsubSetup, path: string, timeoutMs: number): Promise<AppStatus | undefined> {
  const res = await request(`http://127.0.0.1:${s.appPort}/__bench/${path}`, { method: path === 'status' ? 'GET' : 'POST', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  if (res.statusCode === 204) return undefined;
  if (res.statusCode !== 200) throw new Error(`app /__bench/${path} -> ${res.statusCode}`);
  return JSON.parse(text) as AppStatus;
}

const status = async (s: PubsubSetup, timeoutMs: number): Promise<AppStatus> => (await appControl(s, 'status', timeoutMs)) as AppStatus;

/** Polls the app until `done` holds or `maxMs` passed; the last status. */
async function waitFor(s: PubsubSetup, done: (st: AppStatus) => boolean, maxMs: number, timeoutMs: number): Promise<AppStatus> {
  const t0 = Date.now();
  let st = await status(s, timeoutMs);
  while (!done(st) && Date.now() - t0 < maxMs) {
    await sleep(POLL_MS);
    st = await status(s, timeoutMs);
  }
  return st;
}

async function publish(s: PubsubSetup, path: string, body: string, timeoutMs: number): Promise<void> {
  const res = await request(`http://127.0.0.1:${s.httpPort}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  if (res.statusCode !== 204) throw new Error(`publish ${path} -> ${res.statusCode} ${text.slice(0, 200)}`);
}

/** `count` messages to `topic` through the sidecar's bulk API, PREFILL_BULK per call. */
async function prefill(s: PubsubSetup, b: PubsubBroker, topic: string, count: number, timeoutMs: number): Promise<void> {
  const path = `/v1.0-alpha1/publish/bulk/${componentName(b)}/${topic}`;
  for (let done = 0; done < count; done += PREFILL_BULK) await publish(s, path, bulkBody(Math.min(PREFILL_BULK, count - done), PAYLOAD), timeoutMs);
}

/**
 * A few messages first, answered at once, so the subscription is known to be live (the sidecar
 * subscribes after it read /dapr/subscribe); undefined when they arrived, else why not.
 */
export async function warmUp(s: PubsubSetup, b: PubsubBroker, topic: string, count: number, maxMs: number, timeoutMs: number): Promise<string | undefined> {
  await appControl(s, 'reset', timeoutMs);
  await prefill(s, b, topic, count, timeoutMs);
  const st = await waitFor(s, (x) => x.answered >= count, maxMs, timeoutMs);
  return st.answered >= count ? undefined : `${st.answered} of ${count} warm-up messages delivered within ${maxMs} ms`;
}

export async function drain(s: PubsubSetup, b: PubsubBroker, topic: string, inFlight: number, messages: number, maxMs: number, timeoutMs: number): Promise<DeliverySample> {
  await appControl(s, 'hold', timeoutMs);
  await prefill(s, b, topic, messages, timeoutMs);
  // The subscription takes up to its bound and waits on the app; give it a moment to get there.
  await waitFor(s, (x) => x.held >= Math.min(inFlight, messages), 2000, timeoutMs);
  const car = new TreeSampler(s.sidecar.pid);
  const app = new TreeSampler(s.app.pid);
  car.start();
  app.start();
  await appControl(s, `release?expect=${messages}`, timeoutMs);
  const st = await waitFor(s, (x) => x.doneAt > 0, maxMs, timeoutMs);
  const c = car.stop();
  const a = app.stop();
  const ms = (st.doneAt > 0 ? st.doneAt : wallMs()) - st.releaseAt;
  return { messages, delivered: st.answered, ms, perSecond: ms > 0 ? (st.answered / ms) * 1000 : NaN, sidecarMcpu: c.mcpu, appMcpu: a.mcpu, duplicates: st.duplicates };
}

/** A 1 KB JSON event carrying its send time: {"t":<ms>,"v":"xx..."}. */
export function timedEvent(t: number): string {
  const head = `{"t":${t},"v":"`;
  return `${head}${'x'.repeat(Math.max(0, PAYLOAD_BYTES - head.length - 2))}"}`;
}

/** Percentiles (ms) of publish -> app latencies given in ms. */
export function latencyPercentiles(values: readonly number[]): { p50: number; p99: number } {
  const h = new LatencyHistogram();
  for (const v of values) h.recordNs(BigInt(Math.max(0, Math.round(v * 1e6))));
  const p = h.percentiles();
  return { p50: p.p50, p99: p.p99 };
}

/** Single publishes at `rate`/s for `durationMs`, then waits (bounded) for the app to get them all. */
export async function latencyRun(s: PubsubSetup, b: PubsubBroker, topic: string, rate: number, durationMs: number, timeoutMs: number): Promise<DeliveryLatency> {
  await appControl(s, 'reset', timeoutMs);
  const path = `/v1.0/publish/${componentName(b)}/${topic}`;
  const count = Math.max(1, Math.round((rate * durationMs) / 1000));
  const t0 = wallMs();
  const sends: Promise<void>[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - wallMs();
    if (wait > 1) await sleep(wait);
    sends.push(publish(s, path, timedEvent(wallMs()), timeoutMs).catch(() => void failed++));
  }
  await Promise.all(sends);
  const st = await waitFor(s, (x) => x.received >= count - failed, timeoutMs + 2000, timeoutMs);
  return { rate, count, received: st.received, ...latencyPercentiles(st.latencies) };
}
