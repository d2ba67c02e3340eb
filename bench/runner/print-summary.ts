/** The short console summary printed at the end of a run. */
import type { Rendered } from '../report/markdown';
import type { RunReport } from '../report/types';
import { mtlsSummaryLines } from '../report/mtls-cost';
import { stateSummaryLines } from '../report/state-report';
import { pubsubSummaryLines } from '../report/pubsub-report';

const n = (x: number | undefined, d = 3): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : '-');

export function printSummary(r: Rendered, report: RunReport): void {
  const lines: string[] = [];
  lines.push('');
  lines.push(`${report.settings.smoke ? 'SMOKE ' : ''}run: ${report.machine.cpuModel} x${report.machine.cores}, node ${report.machine.node}, load avg ${report.machine.loadAverage}; ${report.pinning}`);
  lines.push(`${'target'.padEnd(26)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'p99.9'.padStart(8)} ${'rps'.padStart(7)} ${'err'.padStart(5)} ${'mCPU'.padStart(6)} ${'RSS MB'.padStart(7)} ${'sat rps'.padStart(8)} ${'other'.padStart(6)}`);
  for (const t of r.targets.values()) {
    const name = t.result.info.name.padEnd(26);
    if (t.result.unavailable || !t.rate) {
      lines.push(`${name} unavailable: ${(t.result.unavailable ?? 'no figures').slice(0, 150)}`);
      continue;
    }
    const q = t.rate;
    lines.push(`${name} ${n(q.p50).padStart(8)} ${n(q.p99).padStart(8)} ${n(q.p999).padStart(8)} ${n(q.rps, 0).padStart(7)} ${String(q.errors).padStart(5)} ${n(q.sutMcpu, 0).padStart(6)} ${n(q.sutRssMb, 1).padStart(7)} ${n(t.saturation?.rps, 0).padStart(8)} ${n(q.foreignMcpu, 0).padStart(6)}`);
  }
  for (const s of r.startup.values()) {
    lines.push(`${s.name.padEnd(26)} ${s.unavailable ? `unavailable: ${s.unavailable.slice(0, 150)}` : `ready ${n(s.ms, 1)} ms, idle RSS ${n(s.idleRssMb, 1)} MB`}`);
  }
  lines.push(...mtlsSummaryLines(r.targets, report.handshake));
  lines.push(...stateSummaryLines(report.state));
  lines.push(...pubsubSummaryLines(report.pubsub));
  lines.push('mCPU/RSS: system under test; other: mCPU of processes outside the bench on the SUT CPU (skew indicator)');
  lines.push('goals:');
  for (const g of r.goals) lines.push(`  ${g.id.padEnd(7)} ${g.status.padEnd(8)} ${g.text}: ${g.detail.slice(0, 160)}`);
  if (report.instrumentErrors.length) lines.push(`INSTRUMENT ERRORS: ${report.instrumentErrors.length}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
