/** What a benchmark target is and what the runner needs from a started one. */
import type { Launched } from '../proc/processes';
import type { CpuPlan } from '../proc/pinning';
import type { TargetSpec } from '../load/types';
import type { CertSet } from './certs';

export interface TargetContext {
  readonly plan: CpuPlan;
  /** Port of the 1 KB HTTP app (also the Zipkin span sink). */
  readonly appPort: number;
  /** Port of the 1 KB gRPC app. */
  readonly grpcAppPort: number;
  /** Scratch directory for configs, certs, pid files; removed at the end. */
  readonly tmpDir: string;
  readonly certs: () => Promise<CertSet>;
  /** Upstream connection-pool size for proxies (= load connections). */
  readonly connections: number;
  /** How long a target may take to become ready. */
  readonly readyTimeoutMs: number;
  /** Pass --enable-mtls to Outrigger sidecars. */
  readonly outriggerMtls: boolean;
  /** Smoke run: shorten optional waits (e.g. for exported spans). */
  readonly smoke: boolean;
  /** nameResolution component written into Outrigger Configurations (two-sidecar paths). */
  readonly nameResolution: string;
}

export interface RunningTarget {
  /** Where and how the load generator calls it. */
  readonly load: TargetSpec;
  /** Processes of the system under test, each sampled with its descendants. Empty for direct. */
  readonly sut: readonly Launched[];
  /** Facts about this run worth printing next to the figures. */
  readonly notes: string[];
  /** Optional checks after the measured runs (e.g. were spans exported); adds to notes. */
  readonly afterRuns?: () => Promise<void>;
}

export type StartOutcome = { readonly ok: true; readonly running: RunningTarget } | { readonly ok: false; readonly unavailable: string };

export interface TargetDef {
  /** Stable id used by --targets. */
  readonly name: string;
  readonly title: string;
  readonly protocol: 'http' | 'grpc';
  /** Number of proxy hops between generator and app. */
  readonly hops: number;
  readonly security: string;
  start(ctx: TargetContext): Promise<StartOutcome>;
}
