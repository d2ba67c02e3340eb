/**
 * Transparent sidecar mode: both capture listeners, started and stopped together. The caller
 * supplies how captured HTTP and gRPC reach the sidecar (capture-adapters.ts).
 *
 * Addresses: iptables REDIRECT sends the app's outbound IPv4 to 127.0.0.1 and IPv6 to ::1, so the
 * outbound listener accepts on both (::1 is skipped where IPv6 is off). Inbound REDIRECT goes to
 * the address of the receiving interface, so the inbound listener accepts on "::" (both families;
 * 0.0.0.0 where IPv6 is off).
 */
import type { Exchange } from '../contracts';
import type { UpstreamPools } from '../upstream/pools';
import type { Logger } from '../../observability/logger';
import type { OriginalDstResult, SocketTuple } from './original-dst';
import type { ListenResult } from './capture-server';
import { createInboundCapture } from './inbound-capture';
import type { InboundH2Handler } from './inbound-h2';
import { createOutboundCapture, type GrpcInvoke } from './outbound-capture';

export interface TransparentCaptureOptions {
  /** 15001 by convention; 0 = OS-picked (tests). */
  readonly outboundPort: number;
  /** 15006 by convention; undefined = no inbound capture. */
  readonly inboundPort?: number;
  readonly logger: Logger;
  readonly pools: UpstreamPools;
  readonly maxHeaderSize: number;
  /** Default 1000 ms; server-first protocols wait this long (exclude their ports instead). */
  readonly sniffTimeoutMs?: number;
  readonly invoke: (ex: Exchange, appId: string) => void;
  /** Routes captured gRPC (h2c) to a mesh app; absent: h2c is relayed as TCP. */
  readonly invokeGrpc?: GrpcInvoke;
  readonly isMeshApp: (appId: string) => Promise<boolean>;
  /** The app's HTTP port(s): inbound HTTP to them runs the inbound chain. */
  readonly appHttpPorts: readonly number[];
  readonly onInboundHttp: (ex: Exchange) => void;
  /** Serves inbound h2c/gRPC to the app port through the inbound filters; absent: relayed as TCP. */
  readonly onInboundH2?: InboundH2Handler;
  readonly originalDst?: (socket: SocketTuple) => Promise<OriginalDstResult>;
  /** Test seam: the outbound listener's addresses (default 127.0.0.1 and, optionally, ::1). */
  readonly outboundAddresses?: readonly string[];
}

export interface TransparentCapture {
  readonly outboundPort: number;
  readonly inboundPort: number | undefined;
  /** Addresses each listener accepts on. */
  readonly outboundBound: readonly string[];
  readonly inboundBound: readonly string[];
  /** One line for the start-up log: what is captured, on which ports and families, and how. */
  readonly summary: string;
  close(graceMs: number): Promise<void>;
}

const fmt = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** The families a set of bound addresses serves ("::" accepts IPv4 too). */
export function familiesOf(bound: readonly string[]): string {
  const v4 = bound.some((h) => !h.includes(':') || h === '::');
  const v6 = bound.some((h) => h.includes(':'));
  return [v4 ? 'IPv4' : '', v6 ? 'IPv6' : ''].filter(Boolean).join('+');
}

export function describeTransparentCapture(o: {
  outbound: ListenResult; inbound?: ListenResult; grpc: boolean; appHttpPorts: readonly number[]; inboundH2?: boolean;
}): string {
  const skipped = [...o.outbound.skipped, ...(o.inbound?.skipped ?? [])].map((s) => `${s.host} unavailable (${s.reason})`);
  const parts = [
    `outbound on ${o.outbound.bound.map((h) => fmt(h, o.outbound.port)).join(' and ')} (${familiesOf(o.outbound.bound)}): ` +
      `HTTP/1.1 routed by Host${o.grpc ? ' and gRPC (h2c) by :authority' : ''} to mesh app ids, everything else to its original destination`,
    o.inbound
      ? `inbound on ${o.inbound.bound.map((h) => fmt(h, o.inbound!.port)).join(' and ')} (${familiesOf(o.inbound.bound)}): ` +
        (o.appHttpPorts.length
          ? `HTTP/1.1${o.inboundH2 ? ' and h2c/gRPC' : ''} to app port ${o.appHttpPorts.join(',')} runs the inbound chain, the rest is relayed to the app`
          : 'relayed to the app (no --app-port)')
      : 'inbound not captured',
  ];
  return `transparent capture: ${parts.join('; ')}${skipped.length ? `; ${skipped.join(', ')}` : ''}`;
}

export async function startTransparentCapture(o: TransparentCaptureOptions): Promise<TransparentCapture> {
  const sniffTimeoutMs = o.sniffTimeoutMs ?? 1000;
  const selfPorts = [o.outboundPort, ...(o.inboundPort !== undefined ? [o.inboundPort] : [])].filter((p) => p > 0);
  const outbound = createOutboundCapture({
    addresses: o.outboundAddresses?.map((host) => ({ host })) ?? [{ host: '127.0.0.1' }, { host: '::1', optional: true }],
    port: o.outboundPort, logger: o.logger.child('capture-out'), maxHeaderSize: o.maxHeaderSize, sniffTimeoutMs,
    pools: o.pools, invoke: o.invoke, ...(o.invokeGrpc ? { invokeGrpc: o.invokeGrpc } : {}),
    isMeshApp: o.isMeshApp, selfPorts, ...(o.originalDst ? { originalDst: o.originalDst } : {}),
  });
  const out = await outbound.start();
  let inbound: ReturnType<typeof createInboundCapture> | undefined;
  let inb: ListenResult | undefined;
  if (o.inboundPort !== undefined) {
    inbound = createInboundCapture({
      addresses: [{ host: '::', fallback: '0.0.0.0' }], port: o.inboundPort, logger: o.logger.child('capture-in'), maxHeaderSize: o.maxHeaderSize, sniffTimeoutMs,
      httpPorts: o.appHttpPorts, onHttp: o.onInboundHttp, ...(o.onInboundH2 ? { onH2: o.onInboundH2 } : {}), selfPorts: [...selfPorts, out.port], ...(o.originalDst ? { originalDst: o.originalDst } : {}),
    });
    try {
      inb = await inbound.start();
    } catch (err) {
      await outbound.close(0);
      o.onInboundH2?.close();
      throw err;
    }
  }
  return {
    outboundPort: out.port,
    inboundPort: inb?.port,
    outboundBound: out.bound,
    inboundBound: inb?.bound ?? [],
    summary: describeTransparentCapture({ outbound: out, ...(inb ? { inbound: inb } : {}), grpc: o.invokeGrpc !== undefined, appHttpPorts: o.appHttpPorts, inboundH2: o.onInboundH2 !== undefined }),
    close: async (graceMs) => { await Promise.all([outbound.close(graceMs), inbound?.close(graceMs)]); },
  };
}
