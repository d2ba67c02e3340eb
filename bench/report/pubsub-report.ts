/**
 * Pub/sub building block figures: publish (single, bulk) through the sidecar beside the broker's
 * own Node client, as medians over repeats with ratios sidecar / direct; delivery to the app per
 * in-flight bound (messages/s, CPU, publish -> app latency).
 */
import { median } from './summary';
import { errs, n, ratio, summarisePath, x2, type StatePathSummary } from './state-report';
import type { DeliveryCase, PubsubBroker, PubsubResult, PublishMode } from './types';

export interface PublishRow {
  readonly broker: PubsubBroker;
  readonly mode: PublishMode;
  readonly sidecar: StatePathSummary;
  readonly direct: StatePathSummary;
  /** Messages per call (1, or the bulk size). */
  readonly perCall: number;
  readonly sidecarMsgs: number;
  readonly directMsgs: number;
  /** sidecar / direct. */
  readonly msgsRatio: number;
  readonly p50Ratio: number;
  readonly p99Ratio: number;
}

export interface DeliveryRow {
  readonly broker: PubsubBroker;
  readonly inFlight: number;
  readonly unavailable?: string;
  readonly runs: number;
  readonly perSecond: number;
  readonly ms: number;
  readonly delivered: number;
  readonly messages: number;
  readonly duplicates: number;
  readonly sidecarMcpu: number;
  readonly appMcpu: number;
  /** Median over repeats of the latency run's p50 / p99; NaN when not run for this bound. */
  readonly latencyP50: number;
  readonly latencyP99: number;
}

export function publishRows(r: PubsubResult): PublishRow[] {
  const rows: PublishRow[] = [];
  const keys = new Set(r.publish.map((c) => `${c.broker} ${c.mode}`));
  for (const key of keys) {
    const [broker, mode] = key.split(' ') as [PubsubBroker, PublishMode];
    const find = (path: 'sidecar' | 'direct') => r.publish.find((c) => c.broker === broker && c.mode === mode && c.path === path);
    const sidecar = summarisePath(find('sidecar'));
    const direct = summarisePath(find('direct'));
    const perCall = mode === 'bulk' ? r.bulkSize : 1;
    rows.push({
      broker, mode, sidecar, direct, perCall, sidecarMsgs: sidecar.rps * perCall, directMsgs: direct.rps * perCall,
      msgsRatio: ratio(sidecar.rps, direct.rps), p50Ratio: ratio(sidecar.p50, direct.p50), p99Ratio: ratio(sidecar.p99, direct.p99),
    });
  }
  return rows;
}

function deliveryRow(c: DeliveryCase): DeliveryRow {
  const m = (xs: number[]): number => (xs.length ? median(xs) : NaN);
  const s = c.samples;
  return {
    broker: c.broker, inFlight: c.inFlight, ...(c.unavailable || s.length === 0 ? { unavailable: c.unavailable ?? 'no figures' } : {}), runs: s.length,
    perSecond: m(s.map((x) => x.perSecond)), ms: m(s.map((x) => x.ms)),
    delivered: s.reduce((a, x) => a + x.delivered, 0), messages: s.reduce((a, x) => a + x.messages, 0), duplicates: s.reduce((a, x) => a + x.duplicates, 0),
    sidecarMcpu: m(s.map((x) => x.sidecarMcpu)), appMcpu: m(s.map((x) => x.appMcpu)),
    latencyP50: m(c.latency.map((x) => x.p50)), latencyP99: m(c.latency.map((x) => x.p99)),
  };
}

export function deliveryRows(r: PubsubResult): DeliveryRow[] {
  return r.delivery.map(deliveryRow);
}

const mdTable = (head: readonly string[], rows: readonly string[][]): string[] =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];

const unavailableWhy = (x: PublishRow): string | undefined =>
  !Number.isFinite(x.sidecar.rps) && !Number.isFinite(x.direct.rps) ? (x.sidecar.unavailable ?? x.direct.unavailable) : undefined;

export function pubsubMarkdown(r: PubsubResult | undefined, date: string): string[] {
  const out = ['## Pub/sub building block: through the sidecar vs the broker\'s own Node client', '', `- Date: ${date}`];
  if (!r) return [...out, '', 'not run', ''];
  out.push(`- Publish: closed loop, ${r.concurrency} concurrent, ${r.durationMs} ms measured per run; single = POST /v1.0/publish/<pubsub>/<topic> with a ${r.payloadBytes} B JSON body; bulk = POST /v1.0-alpha1/publish/bulk/<pubsub>/<topic> with ${r.bulkSize} such entries per call`);
  for (const [broker, why] of Object.entries(r.unavailableBrokers)) out.push(`- **${broker}: unavailable**: ${why}`);
  for (const note of r.notes) out.push(`- ${note}`);
  out.push('', '### Publish', '');
  const head = ['broker', 'mode', 'sidecar msgs/s', 'direct msgs/s', 'ratio sidecar / direct', 'sidecar p50 ms', 'direct p50 ms', 'p50 ratio', 'sidecar p99 ms', 'direct p99 ms', 'p99 ratio', 'errors (calls) sidecar / direct', 'sidecar mCPU', 'generator mCPU sidecar / direct'];
  const rows = publishRows(r).map((x) => {
    const why = unavailableWhy(x);
    if (why) return [x.broker, x.mode, 'unavailable', '', '', '', '', '', '', '', '', '', '', why.slice(0, 200)];
    return [x.broker, x.mode, n(x.sidecarMsgs, 0), n(x.directMsgs, 0), x2(x.msgsRatio), n(x.sidecar.p50), n(x.direct.p50), x2(x.p50Ratio), n(x.sidecar.p99), n(x.direct.p99), x2(x.p99Ratio),
      `${errs(x.sidecar)} / ${errs(x.direct)}`, n(x.sidecar.sidecarMcpu, 0), `${n(x.sidecar.generatorMcpu, 0)} / ${n(x.direct.generatorMcpu, 0)}`];
  });
  out.push(...mdTable(head, rows), '');
  out.push('p50/p99 are per call (a bulk call carries all its entries). A path that could not run says why in its row or below.', '');
  const one = publishRows(r).flatMap((x) => [x.sidecar.unavailable && Number.isFinite(x.direct.rps) ? `${x.broker} ${x.mode} sidecar: ${x.sidecar.unavailable}` : '', x.direct.unavailable && Number.isFinite(x.sidecar.rps) ? `${x.broker} ${x.mode} direct: ${x.direct.unavailable}` : '']).filter(Boolean);
  const kinds = publishRows(r).flatMap((x) => [...x.sidecar.errorKinds.map((k) => `${x.broker} ${x.mode} sidecar: ${k}`), ...x.direct.errorKinds.map((k) => `${x.broker} ${x.mode} direct: ${k}`)]);
  if (one.length || kinds.length) out.push(...one.map((k) => `- unavailable: ${k.slice(0, 300)}`), ...kinds.map((k) => `- errors seen: ${k}`), '');
  out.push(`### Delivery to the app (${r.deliveryMessages} pre-filled messages per run)`, '');
  const dHead = ['broker', 'in flight', 'msgs/s', 'drain ms', 'delivered', 'duplicates', 'sidecar mCPU', 'app mCPU', 'publish -> app p50 ms', 'publish -> app p99 ms'];
  const dRows = deliveryRows(r).map((x) => (x.unavailable
    ? [x.broker, String(x.inFlight), 'unavailable', '', '', '', '', '', '', x.unavailable.slice(0, 200)]
    : [x.broker, String(x.inFlight), n(x.perSecond, 0), n(x.ms, 0), `${x.delivered}/${x.messages}`, String(x.duplicates), n(x.sidecarMcpu, 0), n(x.appMcpu, 0),
      Number.isFinite(x.latencyP50) ? n(x.latencyP50) : '-', Number.isFinite(x.latencyP99) ? n(x.latencyP99) : '-']));
  out.push(...mdTable(dHead, dRows), '');
  return out;
}

export function pubsubSummaryLines(r: PubsubResult | undefined): string[] {
  if (!r) return [];
  const lines = ['pubsub publish (sidecar vs direct client, msgs/s and p99 ms per call, ratio sidecar/direct):'];
  for (const x of publishRows(r)) {
    const name = `${x.broker} ${x.mode}`.padEnd(16);
    const why = unavailableWhy(x) ?? (!Number.isFinite(x.msgsRatio) ? (x.sidecar.unavailable ?? x.direct.unavailable) : undefined);
    if (why) {
      lines.push(`  ${name} unavailable: ${why.slice(0, 140)}`);
      continue;
    }
    lines.push(`  ${name} ${n(x.sidecarMsgs, 0)} vs ${n(x.directMsgs, 0)} msgs/s (${x2(x.msgsRatio)}), p99 ${n(x.sidecar.p99)} vs ${n(x.direct.p99)} ms (${x2(x.p99Ratio)}), errors ${errs(x.sidecar)} / ${errs(x.direct)}`);
  }
  lines.push('pubsub delivery to the app (msgs/s by in-flight bound; publish -> app p50/p99 ms):');
  for (const x of deliveryRows(r)) {
    const name = `${x.broker} x${x.inFlight}`.padEnd(16);
    if (x.unavailable) lines.push(`  ${name} unavailable: ${x.unavailable.slice(0, 140)}`);
    else lines.push(`  ${name} ${n(x.perSecond, 0)} msgs/s, sidecar ${n(x.sidecarMcpu, 0)} mCPU, ${x.delivered}/${x.messages} delivered, ${x.duplicates} duplicates${Number.isFinite(x.latencyP50) ? `, latency p50 ${n(x.latencyP50)} p99 ${n(x.latencyP99)} ms` : ''}`);
  }
  return lines;
}
