/** Messages between the runner and the load-generator child process (IPC, JSON). */

export type LoadMode = 'rate' | 'saturation';

export interface HttpTargetSpec {
  readonly protocol: 'http';
  readonly port: number;
  /** Path + query, e.g. /v1.0/invoke/app/method/hello. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Default GET. */
  readonly method?: 'GET' | 'POST';
  /** Request body (POST). */
  readonly body?: string;
  /** Status that counts as success; default 200. */
  readonly expectStatus?: number;
  /** With keyCount, every "{key}" in path and body becomes a key of KEY_PREFIX + (n % keyCount). */
  readonly keyCount?: number;
  readonly keyPrefix?: string;
}

/**
 * A state store called with its own Node client from inside the generator (no sidecar): the
 * baseline of the state building block. Equivalent work to the sidecar's driver (see store-direct.ts).
 */
export interface StoreTargetSpec {
  readonly protocol: 'store-direct';
  readonly store: 'sqlite' | 'redis';
  readonly op: 'save' | 'get';
  /** sqlite: database file (table created and prepared by the runner). */
  readonly file?: string;
  readonly table?: string;
  /** redis: 127.0.0.1 port. */
  readonly port?: number;
  /** Value written by save (get expects expectBytes of it back). */
  readonly value: string;
  readonly keyPrefix: string;
  readonly keyCount: number;
}

/**
 * A broker called with its own Node client from inside the generator (no sidecar): the baseline
 * of the pub/sub building block's publish. Same work as the sidecar's driver (see pubsub-direct.ts).
 */
export interface PubsubDirectTargetSpec {
  readonly protocol: 'pubsub-direct';
  readonly broker: 'sqlite' | 'redis' | 'jetstream' | 'rabbitmq';
  readonly topic: string;
  /** Messages per call: 1 = one confirmed publish; more = one batch (transaction, pipeline, confirms awaited together). */
  readonly batch: number;
  /** The bytes published: the CloudEvent the sidecar would write for the same payload. */
  readonly payload: string;
  readonly contentType: string;
  /** sqlite: database file (the driver's tables are created on open). */
  readonly file?: string;
  /** redis (port on 127.0.0.1), jetstream (nats://...), rabbitmq (amqp://...). */
  readonly url?: string;
  /** redis: MAXLEN ~ <maxLen> on every XADD, as the sidecar's component is configured. */
  readonly maxLen?: number;
}

export interface GrpcTargetSpec {
  readonly protocol: 'grpc';
  readonly port: number;
  /** Full method path, e.g. /bench.Echo/Echo. */
  readonly method: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export type TargetSpec = HttpTargetSpec | GrpcTargetSpec | StoreTargetSpec | PubsubDirectTargetSpec;

export interface LoadSpec {
  readonly mode: LoadMode;
  readonly target: TargetSpec;
  /** Requests per second (rate mode only). */
  readonly rate: number;
  /** Connections (HTTP/1.1 keep-alive sockets or gRPC channels); closed-loop workers in saturation. */
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Per-request budget; requests still open this long after the window are counted as errors. */
  readonly timeoutMs: number;
  /** Expected response body size; a different size counts as an error. */
  readonly expectBytes: number;
}

/** Latency percentiles in milliseconds (microsecond resolution). */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface LoadResult {
  readonly mode: LoadMode;
  /** Requests scheduled (rate) or started (saturation) in the measured window. */
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  /** Up to 5 distinct error descriptions. */
  readonly errorKinds: readonly string[];
  readonly windowMs: number;
  readonly achievedRps: number;
  /** Rate mode: measured from each request's intended send time (coordinated-omission corrected). */
  readonly latency: Percentiles;
  /** Rate mode: how late the generator itself sent (actual - intended send time); already inside `latency`. */
  readonly sendLag?: Percentiles;
}

export type ToWorker = { readonly type: 'run'; readonly spec: LoadSpec } | { readonly type: 'exit' };

export type FromWorker =
  | { readonly type: 'ready' }
  /** The measured window starts now (warm-up done): the runner starts its /proc samplers. */
  | { readonly type: 'measuring' }
  | { readonly type: 'result'; readonly result: LoadResult }
  | { readonly type: 'failed'; readonly message: string };
