/** Medians across repeats, per target. */
import type { Sample, StartupResult, TargetResult } from './types';

export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export interface LoadSummary {
  readonly runs: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly rps: number;
  /** Summed over repeats. */
  readonly errors: number;
  readonly sent: number;
  readonly errorKinds: readonly string[];
  /** Sum over SUT processes, median over repeats. */
  readonly sutMcpu: number;
  readonly sutRssMb: number;
  /** Per SUT process (same order every repeat), medians. */
  readonly perProc: readonly { name: string; mcpu: number; rssMb: number }[];
  readonly appMcpu: number;
  readonly generatorMcpu: number;
  /** Generator send lateness p99 (rate mode), ms. */
  readonly sendLagP99: number;
  /** SUT CPU busy minus the SUT's own mCPU: other work on that CPU (NaN when not pinned). */
  readonly foreignMcpu: number;
}

function summarise(samples: readonly Sample[]): LoadSummary | undefined {
  if (samples.length === 0) return undefined;
  const m = (f: (s: Sample) => number): number => median(samples.map(f));
  const names = samples[0].sut.map((p) => p.name);
  return {
    runs: samples.length,
    p50: m((s) => s.load.latency.p50),
    p90: m((s) => s.load.latency.p90),
    p99: m((s) => s.load.latency.p99),
    p999: m((s) => s.load.latency.p999),
    rps: m((s) => s.load.achievedRps),
    errors: samples.reduce((a, s) => a + s.load.errors, 0),
    sent: samples.reduce((a, s) => a + s.load.sent, 0),
    errorKinds: [...new Set(samples.flatMap((s) => s.load.errorKinds))].slice(0, 5),
    sutMcpu: m((s) => s.sut.reduce((a, p) => a + p.mcpu, 0)),
    sutRssMb: m((s) => s.sut.reduce((a, p) => a + p.rssMb, 0)),
    perProc: names.map((name, i) => ({ name, mcpu: m((s) => s.sut[i]?.mcpu ?? NaN), rssMb: m((s) => s.sut[i]?.rssMb ?? NaN) })),
    appMcpu: m((s) => s.app.mcpu),
    generatorMcpu: m((s) => s.generator.mcpu),
    sendLagP99: m((s) => s.load.sendLag?.p99 ?? NaN),
    foreignMcpu: m((s) => Math.max(0, s.sutCpuBusy - s.sut.reduce((a, p) => a + p.mcpu, 0))),
  };
}

export interface TargetSummary {
  readonly result: TargetResult;
  readonly rate?: LoadSummary;
  readonly saturation?: LoadSummary;
}

export function summariseTarget(t: TargetResult): TargetSummary {
  return { result: t, rate: summarise(t.rate), saturation: summarise(t.saturation) };
}

export interface StartupSummary {
  readonly name: string;
  readonly title: string;
  readonly ms: number;
  readonly idleRssMb: number;
  readonly runs: number;
  readonly unavailable?: string;
}

export function summariseStartup(s: StartupResult): StartupSummary {
  return { name: s.name, title: s.title, ms: median(s.ms), idleRssMb: median(s.idleRssMb), runs: s.ms.length, unavailable: s.unavailable };
}
