/**
 * prom-client's registry and metric classes, loaded from their own modules. prom-client's index
 * also loads the push gateway client, the cluster aggregator, Summary (tdigest) and the default
 * process metrics (with @opentelemetry/api): about ten times the start-up CPU and ~10 MB of
 * memory, none of it needed until a scrape. Import from here, not from 'prom-client'; the
 * default process metrics are registered by `registerProcessMetrics` (on the first scrape).
 */
import type * as PromClient from 'prom-client';

export const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
export type Registry<T extends PromClient.RegistryContentType = PromClient.PrometheusContentType> = PromClient.Registry<T>;

export const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
export type Counter<T extends string = string> = PromClient.Counter<T>;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace Counter {
  type Internal = PromClient.Counter.Internal;
}

export const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace Gauge {
  type Internal<T extends string> = PromClient.Gauge.Internal<T>;
}

export const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace Histogram {
  type Internal<T extends string> = PromClient.Histogram.Internal<T>;
}

/** Node process metrics (CPU, memory, event loop, GC) on `registry`, like prom-client's defaults. */
export function registerProcessMetrics(registry: PromClient.Registry): void {
  (require('prom-client/lib/defaultMetrics') as typeof PromClient.collectDefaultMetrics)({ register: registry });
}
