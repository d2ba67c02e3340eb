/** Renders a run as Markdown (bench/RESULTS.md or bench/out/smoke.md). */
import { computeGoals } from './goals';
import { mtlsMarkdown } from './mtls-cost';
import { referenceRows } from './reference';
import { pubsubMarkdown } from './pubsub-report';
import { stateMarkdown } from './state-report';
import { summariseStartup, summariseTarget, type StartupSummary, type TargetSummary } from './summary';
import type { RunReport } from './types';

const n = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export interface Rendered {
  readonly markdown: string;
  readonly goals: ReturnType<typeof computeGoals>;
  readonly targets: Map<string, TargetSummary>;
  readonly startup: Map<string, StartupSummary>;
}

export function render(r: RunReport, outriggerMtls: boolean): Rendered {
  const targets = new Map(r.targets.map((t) => [t.info.name, summariseTarget(t)]));
  const startup = new Map(r.startup.map((s) => [s.name, summariseStartup(s)]));
  const goals = computeGoals(targets, startup, outriggerMtls);
  const s = r.settings;
  const out: string[] = [];
  out.push(`# Outrigger benchmark results${s.smoke ? ' (SMOKE: figures are not meaningful)' : ''}`, '');
  out.push(`- Date: ${r.date}`);
  out.push(`- Machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, Linux ${r.machine.kernel}, Node ${r.machine.node}`);
  out.push(`- CPU placement: ${r.pinning}`);
  const busy = r.machine.loadAverage > r.machine.cores * 0.25;
  out.push(`- Load average at start: ${r.machine.loadAverage}${busy ? ' (**the machine was busy: figures are skewed**)' : ''}`);
  out.push(`- Load: open loop at ${s.rate} rps, ${s.connections} connections, ${s.bodyBytes} B responses, ${s.warmupMs} ms warm-up + ${s.durationMs} ms measured; ` +
    `saturation: ${s.connections} closed loops for ${s.saturationMs} ms; ${s.repeats} repeat(s), targets interleaved round-robin, medians reported`);
  out.push('- Latency is measured from each request\'s intended send time (coordinated-omission corrected), HDR histogram at 1 us resolution');
  out.push(`- CPU: utime+stime deltas from /proc over the measured window (1000 mCPU = one core); RSS: peak VmRSS, process and descendants`);
  out.push(`- Run took ${r.elapsedSeconds.toFixed(0)} s`, '');
  if (r.instrumentErrors.length) out.push('## Instrument errors', '', ...r.instrumentErrors.map((e) => `- ${e}`), '');

  out.push('## Goals (ratios against this run\'s baselines)', '');
  out.push(table(['goal', 'status', 'figures'], goals.map((g) => [`${g.id}: ${g.text}`, g.status === 'met' ? 'met' : g.status === 'not met' ? '**not met**' : 'n/a', g.detail])), '');

  out.push('## Published reference figures beside ours', '');
  out.push(table(['figure', 'Outrigger (this run)', 'reference'], referenceRows(targets, startup)), '');

  out.push(`## Fixed rate (${s.rate} rps): latency in ms`, '');
  const rateRows: string[][] = [];
  for (const t of targets.values()) {
    const info = t.result.info;
    if (t.result.unavailable || !t.rate) {
      rateRows.push([info.name, String(info.hops), 'unavailable', '', '', '', '', '', '', '', '', t.result.unavailable ?? 'no figures']);
      continue;
    }
    const q = t.rate;
    rateRows.push([info.name, String(info.hops), n(q.p50), n(q.p90), n(q.p99), n(q.p999), n(q.rps, 0), `${q.errors}/${q.sent}`,
      n(q.sutMcpu, 0), n(q.sutRssMb, 1), n(q.foreignMcpu, 0), q.perProc.map((p) => `${p.name}: ${n(p.mcpu, 0)} mCPU, ${n(p.rssMb, 1)} MB`).join('; ') +
      ` (app ${n(q.appMcpu, 0)} mCPU, generator ${n(q.generatorMcpu, 0)} mCPU, generator send lag p99 ${n(q.sendLagP99)} ms)`]);
  }
  out.push(table(['target', 'hops', 'p50', 'p90', 'p99', 'p99.9', 'rps', 'errors', 'SUT mCPU', 'SUT RSS MB', 'other mCPU on SUT CPU', 'per process'], rateRows), '');
  out.push('"other mCPU on SUT CPU": work of processes outside the bench on the SUT\'s CPU during the window (from /proc/stat); large values mean the figures are skewed.', '');

  out.push(`## Saturation (${s.connections} connections, closed loop)`, '');
  const satRows: string[][] = [];
  for (const t of targets.values()) {
    if (t.result.unavailable || !t.saturation) continue;
    const q = t.saturation;
    satRows.push([t.result.info.name, n(q.rps, 0), n(q.p50), n(q.p99), `${q.errors}/${q.sent}`, n(q.sutMcpu, 0), n(q.sutRssMb, 1),
      n(q.appMcpu + q.generatorMcpu, 0)]);
  }
  out.push(table(['target', 'max rps', 'p50 ms', 'p99 ms', 'errors', 'SUT mCPU', 'SUT RSS MB', 'app + generator mCPU'], satRows), '');
  out.push('A system under test well below 1000 mCPU per process while app + generator are near 1000 mCPU was limited by the client CPU, not by itself: such a max rps is a lower bound.', '');

  out.push(...mtlsMarkdown(targets, r.handshake, r.date));
  if (r.state) out.push(...stateMarkdown(r.state, r.date));
  if (r.pubsub) out.push(...pubsubMarkdown(r.pubsub, r.date));

  out.push('## Start-up (spawn -> ready) and idle RSS', '');
  out.push(table(['scenario', 'start-up ms', 'idle RSS MB', 'runs', 'note'], [...startup.values()].map((x) =>
    [`${x.name}: ${x.title}`, n(x.ms, 1), n(x.idleRssMb, 1), String(x.runs), x.unavailable ? `unavailable: ${x.unavailable}` : ''])), '');

  out.push('## Targets and notes', '');
  for (const t of targets.values()) {
    const i = t.result.info;
    out.push(`- **${i.name}**: ${i.title}; ${i.protocol}, ${i.security}` +
      (t.result.unavailable ? `; unavailable: ${t.result.unavailable}` : ''));
    for (const note of t.result.notes) out.push(`  - ${note}`);
    const kinds = [...(t.rate?.errorKinds ?? []), ...(t.saturation?.errorKinds ?? [])];
    if (kinds.length) out.push(`  - errors seen: ${[...new Set(kinds)].join('; ')}`);
  }
  out.push('');
  return { markdown: out.join('\n'), goals, targets, startup };
}
