/** Raw results of one bench run, before medians. */
import type { LoadResult } from '../load/types';

export interface ProcUsage {
  readonly name: string;
  readonly mcpu: number;
  /** Peak VmRSS of the process and its descendants during the window, MB. */
  readonly rssMb: number;
}

export interface Sample {
  readonly load: LoadResult;
  /** System-under-test processes (each with descendants). */
  readonly sut: readonly ProcUsage[];
  readonly app: ProcUsage;
  readonly generator: ProcUsage;
  /** mCPU the SUT CPU was busy with anything (ours and others'); NaN when not pinned. */
  readonly sutCpuBusy: number;
}

export interface TargetInfo {
  readonly name: string;
  readonly title: string;
  readonly protocol: 'http' | 'grpc';
  readonly hops: number;
  readonly security: string;
}

export interface TargetResult {
  readonly info: TargetInfo;
  unavailable?: string;
  readonly notes: string[];
  readonly rate: Sample[];
  readonly saturation: Sample[];
}

export interface StartupResult {
  readonly name: string;
  readonly title: string;
  readonly ms: number[];
  readonly idleRssMb: number[];
  unavailable?: string;
}

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGb: number;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  readonly loadAverage: number;
}

export interface RunSettings {
  readonly smoke: boolean;
  readonly rate: number;
  readonly connections: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly saturationMs: number;
  readonly repeats: number;
  readonly startupRepeats: number;
  readonly bodyBytes: number;
}

export interface RunReport {
  readonly date: string;
  readonly machine: Machine;
  readonly pinning: string;
  readonly settings: RunSettings;
  readonly targets: TargetResult[];
  readonly startup: StartupResult[];
  /** Handshake scenario (mTLS vs plain new connections); absent when not selected. */
  readonly handshake?: HandshakeResult;
  /** State building block: sidecar vs the store's own client; absent when not selected. */
  readonly state?: StateResult;
  /** Pub/sub building block: publish vs the broker's own client, delivery to an app; absent when not selected. */
  readonly pubsub?: PubsubResult;
  readonly elapsedSeconds: number;
  /** Problems of the instrument itself (not of a target). */
  readonly instrumentErrors: string[];
}

/** Latency figures of one batch, ms. */
export interface MsFigures {
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
}

/** One batch of N sequential new connections to a sidecar's internal port. */
export interface ConnectBatch {
  readonly count: number;
  readonly errors: number;
  readonly errorKinds: readonly string[];
  /** Start -> TCP connect (plain) or -> TLS handshake done on the client (mTLS). */
  readonly connectMs: MsFigures;
  /** Start -> first byte of the answer to one small request (includes the server's client-cert check). */
  readonly firstByteMs: MsFigures;
  /** Sequential connections completed per second (count / wall time). */
  readonly perSecond: number;
  /** CPU the callee sidecar spent per connection, ms (from /proc over the batch). */
  readonly serverCpuMsPerConn: number;
}

/** New sidecar-to-sidecar connections: full mTLS handshakes vs plain TCP connects. */
export interface HandshakeResult {
  unavailable?: string;
  readonly notes: string[];
  readonly tls: ConnectBatch[];
  readonly tcp: ConnectBatch[];
}

/** Closed-loop figures of one run of a building-block operation (state, pub/sub publish). */
export interface ClosedLoopSample {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly sent: number;
  readonly errorKinds: readonly string[];
  /** Sidecar mCPU (0 for the direct path) and generator mCPU. */
  readonly sidecarMcpu: number;
  readonly generatorMcpu: number;
}

export type StateSample = ClosedLoopSample;

/** One store x operation x path (through the sidecar, or the store's own client directly). */
export interface StateCase {
  readonly store: 'sqlite' | 'redis';
  readonly op: 'save' | 'get';
  readonly path: 'sidecar' | 'direct';
  unavailable?: string;
  readonly samples: StateSample[];
}

export interface StateResult {
  readonly notes: string[];
  readonly cases: StateCase[];
  /** Per store: why it could not run (e.g. Redis not reachable). */
  readonly unavailableStores: Partial<Record<'sqlite' | 'redis', string>>;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly valueBytes: number;
}

export type PubsubBroker = 'sqlite' | 'redis' | 'jetstream' | 'rabbitmq';
export type PublishMode = 'single' | 'bulk';

/** One broker x publish mode x path (through the sidecar, or the broker's own client directly). */
export interface PublishCase {
  readonly broker: PubsubBroker;
  readonly mode: PublishMode;
  readonly path: 'sidecar' | 'direct';
  unavailable?: string;
  /** rps = calls/s; a bulk call carries `bulkSize` messages. */
  readonly samples: ClosedLoopSample[];
}

/** One drain of `messages` pre-filled messages to the subscribing app. */
export interface DeliverySample {
  readonly messages: number;
  readonly delivered: number;
  /** Release of the held deliveries -> the last of them answered, measured in the app. */
  readonly ms: number;
  readonly perSecond: number;
  readonly sidecarMcpu: number;
  readonly appMcpu: number;
  /** Deliveries seen more than once (redeliveries). */
  readonly duplicates: number;
}

/** End-to-end latency, publish (runner) -> the app's handler, at a low fixed rate. */
export interface DeliveryLatency {
  readonly rate: number;
  readonly count: number;
  readonly received: number;
  readonly p50: number;
  readonly p99: number;
}

/** One broker x in-flight bound of the subscription. */
export interface DeliveryCase {
  readonly broker: PubsubBroker;
  readonly inFlight: number;
  unavailable?: string;
  readonly samples: DeliverySample[];
  readonly latency: DeliveryLatency[];
}

export interface PubsubResult {
  readonly notes: string[];
  readonly publish: PublishCase[];
  readonly delivery: DeliveryCase[];
  readonly unavailableBrokers: Partial<Record<PubsubBroker, string>>;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly payloadBytes: number;
  readonly bulkSize: number;
  readonly deliveryMessages: number;
}
