/**
 * State building block figures: per store and operation, the sidecar path beside the store's own
 * Node client, as medians over repeats and ratios sidecar / direct.
 */
import { median } from './summary';
import type { ClosedLoopSample, StateCase, StateResult } from './types';

export const n = (x: number | undefined, d = 3): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
export const x2 = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a');
export const ratio = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

/** One path's runs summarised: medians of the figures, errors and requests summed. */
export interface StatePathSummary extends ClosedLoopSample {
  readonly unavailable?: string;
  readonly runs: number;
}

export interface StateRow {
  readonly store: 'sqlite' | 'redis';
  readonly op: 'save' | 'get';
  readonly sidecar: StatePathSummary;
  readonly direct: StatePathSummary;
  /** sidecar / direct. */
  readonly rpsRatio: number;
  readonly p50Ratio: number;
  readonly p99Ratio: number;
}

/** Medians over a case's closed-loop samples (state or pub/sub publish). */
export function summarisePath(c: Pick<StateCase, 'unavailable' | 'samples'> | undefined): StatePathSummary {
  if (!c || c.unavailable || c.samples.length === 0) {
    return { unavailable: c?.unavailable ?? 'no figures', runs: 0, rps: NaN, p50: NaN, p99: NaN, errors: 0, sent: 0, errorKinds: [], sidecarMcpu: NaN, generatorMcpu: NaN };
  }
  const m = (f: (s: ClosedLoopSample) => number): number => median(c.samples.map(f));
  return {
    runs: c.samples.length,
    rps: m((s) => s.rps),
    p50: m((s) => s.p50),
    p99: m((s) => s.p99),
    errors: c.samples.reduce((a, s) => a + s.errors, 0),
    sent: c.samples.reduce((a, s) => a + s.sent, 0),
    errorKinds: [...new Set(c.samples.flatMap((s) => s.errorKinds))].slice(0, 5),
    sidecarMcpu: m((s) => s.sidecarMcpu),
    generatorMcpu: m((s) => s.generatorMcpu),
  };
}

export function stateRows(r: StateResult): StateRow[] {
  const rows: StateRow[] = [];
  for (const store of ['sqlite', 'redis'] as const) {
    for (const op of ['save', 'get'] as const) {
      const find = (path: 'sidecar' | 'direct'): StateCase | undefined => r.cases.find((c) => c.store === store && c.op === op && c.path === path);
      const sidecar = summarisePath(find('sidecar'));
      const direct = summarisePath(find('direct'));
      rows.push({ store, op, sidecar, direct, rpsRatio: ratio(sidecar.rps, direct.rps), p50Ratio: ratio(sidecar.p50, direct.p50), p99Ratio: ratio(sidecar.p99, direct.p99) });
    }
  }
  return rows;
}

export const errs = (p: StatePathSummary): string => `${p.errors}/${p.sent}`;

export function stateMarkdown(r: StateResult | undefined, date: string): string[] {
  const out = ['## State building block: through the sidecar vs the store\'s own Node client', '', `- Date: ${date}`];
  if (!r) return [...out, '', 'not run', ''];
  out.push(`- Closed loop, ${r.concurrency} concurrent, ${r.durationMs} ms measured per run; save = POST /v1.0/state/<store> with one ${r.valueBytes} B JSON item, get = GET /v1.0/state/<store>/<key> (100 keys, rotating)`);
  for (const [store, why] of Object.entries(r.unavailableStores)) out.push(`- **${store}: unavailable**: ${why}`);
  for (const note of r.notes) out.push(`- ${note}`);
  out.push('');
  const head = ['store', 'op', 'sidecar ops/s', 'direct ops/s', 'ops/s ratio sidecar / direct', 'sidecar p50 ms', 'direct p50 ms', 'p50 ratio', 'sidecar p99 ms', 'direct p99 ms', 'p99 ratio', 'errors sidecar / direct', 'sidecar mCPU', 'generator mCPU sidecar / direct'];
  const rows = stateRows(r).map((x) => {
    const why = x.sidecar.unavailable ?? x.direct.unavailable;
    if (why && !Number.isFinite(x.sidecar.rps) && !Number.isFinite(x.direct.rps)) return [x.store, x.op, 'unavailable', '', '', '', '', '', '', '', '', '', '', why.slice(0, 200)];
    return [x.store, x.op, n(x.sidecar.rps, 0), n(x.direct.rps, 0), x2(x.rpsRatio), n(x.sidecar.p50), n(x.direct.p50), x2(x.p50Ratio), n(x.sidecar.p99), n(x.direct.p99), x2(x.p99Ratio),
      `${errs(x.sidecar)} / ${errs(x.direct)}`, n(x.sidecar.sidecarMcpu, 0), `${n(x.sidecar.generatorMcpu, 0)} / ${n(x.direct.generatorMcpu, 0)}`];
  });
  out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`), '');
  const kinds = stateRows(r).flatMap((x) => [...x.sidecar.errorKinds.map((k) => `${x.store} ${x.op} sidecar: ${k}`), ...x.direct.errorKinds.map((k) => `${x.store} ${x.op} direct: ${k}`)]);
  if (kinds.length) out.push(...kinds.map((k) => `- errors seen: ${k}`), '');
  return out;
}

export function stateSummaryLines(r: StateResult | undefined): string[] {
  if (!r) return [];
  const lines = ['state (sidecar vs direct client, ops/s and p99 ms, ratio sidecar/direct):'];
  for (const x of stateRows(r)) {
    const why = x.sidecar.unavailable ?? x.direct.unavailable;
    if (why && !Number.isFinite(x.rpsRatio)) {
      lines.push(`  ${`${x.store} ${x.op}`.padEnd(12)} unavailable: ${why.slice(0, 140)}`);
      continue;
    }
    lines.push(`  ${`${x.store} ${x.op}`.padEnd(12)} ${n(x.sidecar.rps, 0)} vs ${n(x.direct.rps, 0)} ops/s (${x2(x.rpsRatio)}), p99 ${n(x.sidecar.p99)} vs ${n(x.direct.p99)} ms (${x2(x.p99Ratio)}), errors ${errs(x.sidecar)} / ${errs(x.direct)}`);
  }
  return lines;
}
