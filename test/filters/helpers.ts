/** Shared pieces of the traffic-filter tests: sidecar pairs (from test/helpers), metric scraping, small HTTP calls. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

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

export { startPair, type Pair } from '../helpers/sidecar-pair';

export async function call(port: number, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

export { eventually } from '../helpers/eventually';
