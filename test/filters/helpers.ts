/** Shared pieces of the traffic-filter tests: sidecar pairs, metric scraping, small HTTP calls. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startTestSidecar, staticResolutionConfig, freePort, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import type { SidecarOptions } from '../../runtime/options';

export interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Metric families by name; `types` holds each family's TYPE. */
export type Metrics = Map<string, Sample[]> & { types: Map<string, string> };

/**
 * Scrapes /metrics and parses it with a real Prometheus text-format parser. (The parser folds the
 * series of a labelled histogram together, so tests assert histograms by family and type only.)
 */
export async function scrape(metricsPort: number): Promise<Metrics> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  const text = await res.text();
  const out = Object.assign(new Map<string, Sample[]>(), { types: new Map<string, string>() });
  for (const fam of parsePrometheusTextFormat(text)) {
    out.types.set(fam.name, fam.type);
    out.set(fam.name, fam.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value ?? m.count ?? 0) })));
  }
  return out;
}

/** Sum of a metric's samples whose labels include `match`. */
export function metricValue(metrics: Map<string, Sample[]>, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of metrics.get(name) ?? []) {
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

export interface Pair {
  readonly a: SidecarHandle;
  readonly b: SidecarHandle;
  readonly idA: string;
  readonly idB: string;
  close(): Promise<void>;
}

/**
 * Two sidecars that find each other through the static resolver (ports picked in advance).
 * `specA`/`specB` are extra Configuration spec lines (indented two spaces) for each side.
 */
export async function startPair(o: {
  idA: string; idB: string; appB?: TestApp; appA?: TestApp;
  specA?: string; specB?: string;
  optsA?: Partial<SidecarOptions>; optsB?: Partial<SidecarOptions>;
  extraB?: number[];
}): Promise<Pair> {
  const [portA, portB] = await Promise.all([freePort(), freePort()]);
  const apps = { [o.idA]: [`127.0.0.1:${portA}`], [o.idB]: [`127.0.0.1:${portB}`, ...(o.extraB ?? []).map((p) => `127.0.0.1:${p}`)] };
  const a = await startTestSidecar({ appId: o.idA, daprInternalGrpcPort: portA, config: staticResolutionConfig(apps, o.specA ?? ''), ...(o.appA ? { appPort: o.appA.port } : {}), ...o.optsA });
  const b = await startTestSidecar({ appId: o.idB, daprInternalGrpcPort: portB, config: staticResolutionConfig(apps, o.specB ?? ''), ...(o.appB ? { appPort: o.appB.port } : {}), ...o.optsB });
  return { a, b, idA: o.idA, idB: o.idB, close: async () => { await Promise.all([a.stop('test done'), b.stop('test done')]); } };
}

export async function call(port: number, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
