/**
 * Published reference figures printed beside ours (not measured here):
 * Dapr v1.18 CI perf data (HTTP invocation via two sidecars with mTLS, 1000 rps, 16 connections,
 * 1 KB), Istio 1.24 sidecar cost, daprd idle memory.
 */
import type { StartupSummary, TargetSummary } from './summary';
import { signed } from './goals';

export const REFERENCE = {
  daprHttpAddedMs: { p50: 0.91, p90: 1.03, p99: 2.04 },
  daprHttpMultipleOfDirect: { p50: 2.5, p90: 2.1, p99: 3.1 },
  daprSidecarMcpu: 106,
  daprSidecarRssMb: 52,
  daprGrpcAddedMs: { p50: 0.95, p90: 1.41, p99: 1.88 },
  istioVcpuPer1000Rps: 0.2,
  istioRssMb: 60,
  daprIdleRssMb: '33-36',
} as const;

const n = (x: number | undefined, d = 2): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** Rows: [figure, Outrigger (this run), reference]. */
export function referenceRows(t: Map<string, TargetSummary>, s: Map<string, StartupSummary>): string[][] {
  const rows: string[][] = [];
  // Dapr's figures are with mTLS: compare the mTLS path when this run has it.
  const twoName = t.get('outrigger-2sidecar-mtls')?.rate ? 'outrigger-2sidecar-mtls' : 'outrigger-2sidecar';
  const two = t.get(twoName)?.rate;
  const tag = twoName === 'outrigger-2sidecar-mtls' ? ' (mTLS)' : ' (no mTLS)';
  const direct = t.get('direct')?.rate;
  for (const p of ['p50', 'p90', 'p99'] as const) {
    const added = two && direct ? two[p] - direct[p] : undefined;
    const mult = two && direct && direct[p] > 0 ? two[p] / direct[p] : undefined;
    rows.push([`HTTP two sidecars, added ${p}`, `${signed(added)} ms (${n(mult)}x direct)${tag}`, `+${REFERENCE.daprHttpAddedMs[p]} ms (${REFERENCE.daprHttpMultipleOfDirect[p]}x direct), Dapr v1.18 with mTLS`]);
  }
  const perSidecarMcpu = two ? two.sutMcpu / 2 : undefined;
  const perSidecarRss = two ? two.sutRssMb / 2 : undefined;
  rows.push(['CPU per sidecar at 1000 rps', `${n(perSidecarMcpu, 0)} mCPU${tag}`, `~${REFERENCE.daprSidecarMcpu} mCPU (Dapr); ~${REFERENCE.istioVcpuPer1000Rps * 1000} mCPU per 1000 rps (Istio 1.24)`]);
  rows.push(['RSS per sidecar under load', `${n(perSidecarRss, 1)} MB${tag}`, `${REFERENCE.daprSidecarRssMb} MB (Dapr); ${REFERENCE.istioRssMb} MB (Istio 1.24)`]);
  const g = t.get('outrigger-grpc-2sidecar')?.rate;
  const gd = t.get('grpc-direct')?.rate;
  rows.push([
    'gRPC two sidecars, added p50/p90/p99',
    g && gd ? `${signed(g.p50 - gd.p50)} / ${signed(g.p90 - gd.p90)} / ${signed(g.p99 - gd.p99)} ms` : 'n/a',
    `+${REFERENCE.daprGrpcAddedMs.p50} / +${REFERENCE.daprGrpcAddedMs.p90} / +${REFERENCE.daprGrpcAddedMs.p99} ms (Dapr v1.18)`,
  ]);
  rows.push(['Idle sidecar RSS (0 components)', `${n(s.get('startup-sidecar-0')?.idleRssMb, 1)} MB`, `${REFERENCE.daprIdleRssMb} MB (daprd)`]);
  return rows;
}
