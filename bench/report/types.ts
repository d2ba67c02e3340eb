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
  readonly elapsedSeconds: number;
  /** Problems of the instrument itself (not of a target). */
  readonly instrumentErrors: string[];
}
