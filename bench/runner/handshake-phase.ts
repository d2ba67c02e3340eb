/**
 * Handshake cost of mTLS: N sequential new connections to the internal port of an mTLS sidecar
 * (full TLS handshake with a client certificate from the same local CA) versus N plain TCP
 * connects to a plain sidecar's internal port, each followed by one small request. Batches
 * alternate (plain, mTLS) per repeat; the callee's CPU is sampled from /proc per batch.
 * Runs in the runner process (client CPU); the sidecars are on the SUT CPU.
 */
import { LatencyHistogram } from '../load/histogram';
import { TreeSampler } from '../proc/sampler';
import { connectOnce, startHandshakeSidecars } from '../targets/handshake';
import type { ConnectBatch, HandshakeResult, MsFigures } from '../report/types';
import type { TargetContext } from '../targets/types';
import type { BenchOptions } from './options';
import type { Launched } from '../proc/processes';
import type tls from 'node:tls';

export const HANDSHAKE_SCENARIO = { name: 'mtls-handshake', title: 'new sidecar-to-sidecar connections: mTLS handshake vs plain TCP connect' } as const;

const figures = (h: LatencyHistogram): MsFigures => {
  const p = h.percentiles();
  return { mean: p.mean, p50: p.p50, p99: p.p99 };
};

async function batch(proc: Launched, port: number, clientTls: tls.ConnectionOptions | undefined, count: number, timeoutMs: number, maxMs: number, seen: Set<string>): Promise<ConnectBatch> {
  const connect = new LatencyHistogram();
  const firstByte = new LatencyHistogram();
  const kinds = new Map<string, number>();
  let errors = 0;
  let done = 0;
  const sampler = new TreeSampler(proc.pid);
  const t0 = Date.now();
  sampler.start();
  for (let i = 0; i < count && Date.now() - t0 < maxMs; i++) {
    const r = await connectOnce(port, clientTls, timeoutMs);
    done++;
    if (!r.ok) {
      errors++;
      kinds.set(r.error, (kinds.get(r.error) ?? 0) + 1);
      continue;
    }
    connect.recordNs(r.connectNs);
    firstByte.recordNs(r.firstByteNs);
    if (r.protocol) seen.add(`${r.protocol} ${r.cipher ?? ''}`.trim());
  }
  const wallMs = Date.now() - t0;
  const usage = sampler.stop();
  const ok = done - errors;
  return {
    count: done,
    errors,
    errorKinds: [...kinds].slice(0, 5).map(([k, n]) => `${k} (x${n})`),
    connectMs: figures(connect),
    firstByteMs: figures(firstByte),
    perSecond: wallMs > 0 ? (ok / wallMs) * 1000 : NaN,
    serverCpuMsPerConn: done > 0 ? (usage.mcpu * wallMs) / 1000 / done : NaN,
  };
}

export async function runHandshakePhase(ctx: TargetContext, opts: BenchOptions, log: (line: string) => void): Promise<HandshakeResult> {
  const result: HandshakeResult = { notes: [], tls: [], tcp: [] };
  const started = await startHandshakeSidecars(ctx).catch((e: Error) => ({ ok: false as const, reason: e.message }));
  if (!started.ok) {
    result.unavailable = started.reason;
    log(`${HANDSHAKE_SCENARIO.name}: unavailable: ${started.reason}`);
    return result;
  }
  const s = started.s;
  const count = opts.smoke ? 30 : 1000;
  const maxMs = opts.smoke ? 3000 : 30_000;
  const seen = new Set<string>();
  try {
    for (let rep = 0; rep < opts.repeats; rep++) {
      const tcp = await batch(s.plain.proc, s.plain.internalPort, undefined, count, opts.timeoutMs, maxMs, seen);
      result.tcp.push(tcp);
      const tl = await batch(s.mtls.proc, s.mtls.internalPort, s.clientTls, count, opts.timeoutMs, maxMs, seen);
      result.tls.push(tl);
      log(`${HANDSHAKE_SCENARIO.name} #${rep + 1}: plain ${tcp.perSecond.toFixed(0)}/s (${tcp.firstByteMs.mean.toFixed(3)} ms), ` +
        `mTLS ${tl.perSecond.toFixed(0)}/s (${tl.firstByteMs.mean.toFixed(3)} ms), errors ${tcp.errors}/${tl.errors}`);
    }
    result.notes.push(`client certificate ${s.clientSpiffeId}, issued by the sidecars' local CA (shared --data-dir)`);
    result.notes.push(`negotiated: ${[...seen].join(', ') || 'n/a'}; every connection is a full handshake (no session resumption)`);
    result.notes.push('timed in the runner (client CPU): client-side TLS work is inside the per-connection time; server CPU per connection is the callee sidecar\'s own');
  } finally {
    await Promise.all([s.mtls.proc.stop(), s.plain.proc.stop()]);
  }
  return result;
}
