/**
 * Transparent sidecar mode: both capture listeners, started and stopped together. The caller
 * supplies how captured HTTP reaches the sidecar (capture-adapters.ts).
 */
import type { Exchange } from '../contracts';
import type { UpstreamPools } from '../upstream/pools';
import type { Logger } from '../../observability/logger';
import type { OriginalDstResult, SocketTuple } from './original-dst';
import { createInboundCapture } from './inbound-capture';
import { createOutboundCapture } from './outbound-capture';

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
  readonly isMeshApp: (appId: string) => Promise<boolean>;
  /** The app's HTTP port(s): inbound HTTP to them runs the inbound chain. */
  readonly appHttpPorts: readonly number[];
  readonly onInboundHttp: (ex: Exchange) => void;
  readonly originalDst?: (socket: SocketTuple) => Promise<OriginalDstResult>;
}

export interface TransparentCapture {
  readonly outboundPort: number;
  readonly inboundPort: number | undefined;
  close(graceMs: number): Promise<void>;
}

export async function startTransparentCapture(o: TransparentCaptureOptions): Promise<TransparentCapture> {
  const sniffTimeoutMs = o.sniffTimeoutMs ?? 1000;
  const selfPorts = [o.outboundPort, ...(o.inboundPort !== undefined ? [o.inboundPort] : [])].filter((p) => p > 0);
  const outbound = createOutboundCapture({
    host: '127.0.0.1', port: o.outboundPort, logger: o.logger.child('capture-out'), maxHeaderSize: o.maxHeaderSize, sniffTimeoutMs,
    pools: o.pools, invoke: o.invoke, isMeshApp: o.isMeshApp, selfPorts, ...(o.originalDst ? { originalDst: o.originalDst } : {}),
  });
  const outboundPort = await outbound.start();
  let inbound: ReturnType<typeof createInboundCapture> | undefined;
  let inboundPort: number | undefined;
  if (o.inboundPort !== undefined) {
    inbound = createInboundCapture({
      host: '0.0.0.0', port: o.inboundPort, logger: o.logger.child('capture-in'), maxHeaderSize: o.maxHeaderSize, sniffTimeoutMs,
      httpPorts: o.appHttpPorts, onHttp: o.onInboundHttp, selfPorts: [...selfPorts, outboundPort], ...(o.originalDst ? { originalDst: o.originalDst } : {}),
    });
    try {
      inboundPort = await inbound.start();
    } catch (err) {
      await outbound.close(0);
      throw err;
    }
  }
  return {
    outboundPort,
    inboundPort,
    close: async (graceMs) => { await Promise.all([outbound.close(graceMs), inbound?.close(graceMs)]); },
  };
}
