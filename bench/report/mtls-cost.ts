/**
 * The cost of mTLS, side by side in one run: steady state (outrigger-2sidecar vs
 * outrigger-2sidecar-mtls at the same fixed rate: added latency over direct, SUT mCPU,
 * saturation) and new connections (handshake scenario: full mTLS handshakes vs plain TCP connects).
 */
import { median, type TargetSummary } from './summary';
import { signed } from './goals';
import type { ConnectBatch, HandshakeResult } from './types';

const n = (x: number | undefined, d = 3): string => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const ratio = (a: number | undefined, b: number | undefined): number => (a !== undefined && b !== undefined && b > 0 ? a / b : NaN);
const x2 = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a');

export interface SteadyRow {
  readonly pct: 'p50' | 'p90' | 'p99';
  readonly plainAdded: number;
  readonly mtlsAdded: number;
  /** mTLS minus plain, ms. */
  readonly extra: number;
  /** mTLS added / plain added. */
  readonly ratio: number;
}

export interface MtlsSteady {
  /** Why there are no figures. */
  readonly why?: string;
  readonly rows: readonly SteadyRow[];
  readonly mcpu: { readonly plain: number; readonly mtls: number; readonly ratio: number };
  readonly saturation?: { readonly plain: number; readonly mtls: number; readonly ratio: number };
}

export function mtlsSteadyState(t: Map<string, TargetSummary>): MtlsSteady {
  const plain = t.get('outrigger-2sidecar');
  const mtls = t.get('outrigger-2sidecar-mtls');
  const direct = t.get('direct');
  const why = !plain?.rate ? `outrigger-2sidecar ${plain?.result.unavailable ? `unavailable: ${plain.result.unavailable}` : 'has no figures'}`
    : !mtls?.rate ? `outrigger-2sidecar-mtls ${mtls?.result.unavailable ? `unavailable: ${mtls.result.unavailable}` : 'has no figures'}`
    : !direct?.rate ? 'direct has no figures' : undefined;
  if (why || !plain?.rate || !mtls?.rate || !direct?.rate) return { why: why ?? 'missing figures', rows: [], mcpu: { plain: NaN, mtls: NaN, ratio: NaN } };
  const rows = (['p50', 'p90', 'p99'] as const).map((pct) => {
    const plainAdded = plain.rate![pct] - direct.rate![pct];
    const mtlsAdded = mtls.rate![pct] - direct.rate![pct];
    return { pct, plainAdded, mtlsAdded, extra: mtlsAdded - plainAdded, ratio: ratio(mtlsAdded, plainAdded) };
  });
  const ps = plain.saturation;
  const ms = mtls.saturation;
  return {
    rows,
    mcpu: { plain: plain.rate.sutMcpu, mtls: mtls.rate.sutMcpu, ratio: ratio(mtls.rate.sutMcpu, plain.rate.sutMcpu) },
    ...(ps && ms ? { saturation: { plain: ps.rps, mtls: ms.rps, ratio: ratio(ms.rps, ps.rps) } } : {}),
  };
}

export interface ConnSummary {
  readonly batches: number;
  readonly connections: number;
  readonly errors: number;
  readonly connectMs: number;
  readonly firstByteMs: number;
  readonly firstByteP99: number;
  readonly perSecond: number;
  readonly serverCpuMs: number;
}

const summariseBatches = (b: readonly ConnectBatch[]): ConnSummary => ({
  batches: b.length,
  connections: b.reduce((a, x) => a + x.count, 0),
  errors: b.reduce((a, x) => a + x.errors, 0),
  connectMs: median(b.map((x) => x.connectMs.mean)),
  firstByteMs: median(b.map((x) => x.firstByteMs.mean)),
  firstByteP99: median(b.map((x) => x.firstByteMs.p99)),
  perSecond: median(b.map((x) => x.perSecond)),
  serverCpuMs: median(b.map((x) => x.serverCpuMsPerConn)),
});

export interface HandshakeSummary {
  readonly tcp: ConnSummary;
  readonly tls: ConnSummary;
  /** tls / tcp. */
  readonly msRatio: number;
  readonly perSecondRatio: number;
  readonly serverCpuRatio: number;
}

export function summariseHandshake(h: HandshakeResult | undefined): HandshakeSummary | undefined {
  if (!h || h.unavailable || h.tls.length === 0 || h.tcp.length === 0) return undefined;
  const tcp = summariseBatches(h.tcp);
  const tls = summariseBatches(h.tls);
  return { tcp, tls, msRatio: ratio(tls.firstByteMs, tcp.firstByteMs), perSecondRatio: ratio(tls.perSecond, tcp.perSecond), serverCpuRatio: ratio(tls.serverCpuMs, tcp.serverCpuMs) };
}

const table = (head: string[], rows: string[][]): string[] =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];

export function mtlsMarkdown(t: Map<string, TargetSummary>, h: HandshakeResult | undefined, date: string): string[] {
  const out = ['## Cost of mTLS between sidecars (same run, side by side)', '', `- Date: ${date}`, ''];
  const s = mtlsSteadyState(t);
  out.push('### Steady state: outrigger-2sidecar-mtls vs outrigger-2sidecar (fixed rate, keep-alive connections)', '');
  if (s.why) out.push(`n/a: ${s.why}`, '');
  else {
    out.push(...table(['figure', 'plain', 'mTLS', 'mTLS - plain', 'ratio mTLS / plain'], [
      ...s.rows.map((r) => [`added ${r.pct} over direct (ms)`, signed(r.plainAdded), signed(r.mtlsAdded), signed(r.extra), x2(r.ratio)]),
      ['SUT mCPU (both sidecars)', n(s.mcpu.plain, 0), n(s.mcpu.mtls, 0), signed(s.mcpu.mtls - s.mcpu.plain, 0), x2(s.mcpu.ratio)],
      ...(s.saturation ? [['saturation rps', n(s.saturation.plain, 0), n(s.saturation.mtls, 0), signed(s.saturation.mtls - s.saturation.plain, 0), x2(s.saturation.ratio)]] : []),
    ]), '');
  }
  out.push('### Handshake: new sidecar-to-sidecar connections, sequential', '');
  const hs = summariseHandshake(h);
  if (!hs) out.push(`n/a: ${h?.unavailable ?? (h ? 'no figures' : 'not run')}`, '');
  else {
    const row = (name: string, c: ConnSummary): string[] => [name, String(c.connections), String(c.errors), n(c.connectMs), n(c.firstByteMs), n(c.firstByteP99), n(c.perSecond, 0), n(c.serverCpuMs)];
    out.push(...table(['connection', 'count', 'errors', 'connect ms (mean)', 'connect + first answer ms (mean)', 'same, p99', 'per second', 'callee CPU ms per connection'], [
      row('plain TCP connect (plain sidecar)', hs.tcp),
      row('mTLS full handshake (mTLS sidecar)', hs.tls),
      ['ratio mTLS / plain', '', '', x2(ratio(hs.tls.connectMs, hs.tcp.connectMs)), x2(hs.msRatio), x2(ratio(hs.tls.firstByteP99, hs.tcp.firstByteP99)), x2(hs.perSecondRatio), x2(hs.serverCpuRatio)],
    ]), '');
    out.push(`Added per new connection: ${signed(hs.tls.firstByteMs - hs.tcp.firstByteMs)} ms. ${h?.notes.join('; ') ?? ''}`, '');
    out.push('Callee CPU per connection comes from /proc clock ticks (10 ms resolution): with few connections it is coarse.', '');
  }
  return out;
}

export function mtlsSummaryLines(t: Map<string, TargetSummary>, h: HandshakeResult | undefined): string[] {
  const s = mtlsSteadyState(t);
  const lines = ['mTLS cost (2 sidecars, mTLS vs plain):'];
  if (s.why) lines.push(`  steady state n/a: ${s.why.slice(0, 150)}`);
  else {
    lines.push(`  added ${s.rows.map((r) => `${r.pct} ${signed(r.plainAdded)} -> ${signed(r.mtlsAdded)} ms (${x2(r.ratio)})`).join(', ')}`);
    lines.push(`  SUT mCPU ${n(s.mcpu.plain, 0)} -> ${n(s.mcpu.mtls, 0)} (${x2(s.mcpu.ratio)})` + (s.saturation ? `; saturation ${n(s.saturation.plain, 0)} -> ${n(s.saturation.mtls, 0)} rps (${x2(s.saturation.ratio)})` : ''));
  }
  const hs = summariseHandshake(h);
  if (!hs) lines.push(`  handshake n/a: ${(h?.unavailable ?? (h ? 'no figures' : 'not run')).slice(0, 150)}`);
  else lines.push(`  new connection: plain ${n(hs.tcp.firstByteMs)} ms (${n(hs.tcp.perSecond, 0)}/s), mTLS ${n(hs.tls.firstByteMs)} ms (${n(hs.tls.perSecond, 0)}/s) = ${x2(hs.msRatio)}; errors ${hs.tcp.errors}/${hs.tls.errors}`);
  return lines;
}
