/**
 * Outrigger targets: one hop with an empty chain, one hop with the full chain, the Dapr-shaped
 * path (generator as app A -> sidecar A -> sidecar B -> app), and gRPC proxying through two
 * sidecars (metadata dapr-app-id). The HTTP two-sidecar path runs twice, plain and with mTLS;
 * the gRPC one uses mTLS only with --outrigger-mtls.
 */
import { join } from 'node:path';
import { httpGet, pollUntil } from '../proc/net';
import { emptyResources, fullChain, twoSidecarConfig } from './outrigger-config';
import { allocatePorts, isAddressInUse, startSidecar, unsupportedLines } from './sidecar';
import type { Launched } from '../proc/processes';
import type { StartOutcome, TargetContext, TargetDef } from './types';

const mtlsNote = (mtls: boolean): string =>
  mtls ? 'sidecars started with --enable-mtls, sharing one --data-dir (same local CA)' : 'sidecar-to-sidecar WITHOUT mTLS (plain HTTP between sidecars); baselines use mTLS';

export const outriggerOneHop: TargetDef = {
  name: 'outrigger-1hop',
  title: 'Outrigger sidecar, one hop, empty chain (invoke own app id)',
  protocol: 'http',
  hops: 1,
  security: 'plain HTTP',
  async start(ctx): Promise<StartOutcome> {
    const r = await startSidecar(ctx, 'outrigger-1hop', { appId: 'bench-app', appPort: ctx.appPort, resourcesPath: await emptyResources(ctx.tmpDir) });
    if (!r.ok) return { ok: false, unavailable: r.reason };
    const load = { protocol: 'http' as const, port: r.ports.http, path: '/v1.0/invoke/bench-app/method/hello', headers: {} };
    return { ok: true, running: { load, sut: [r.proc], notes: [] } };
  },
};

export const outriggerFullChain: TargetDef = {
  name: 'outrigger-1hop-full',
  title: 'Outrigger sidecar, one hop, full chain (ACL, retry + breaker, tracing 10 %, metrics)',
  protocol: 'http',
  hops: 1,
  security: 'plain HTTP',
  async start(ctx): Promise<StartOutcome> {
    const appId = 'bench-full';
    const files = await fullChain(join(ctx.tmpDir, 'full'), appId, ctx.appPort);
    const r = await startSidecar(ctx, 'outrigger-1hop-full', { appId, appPort: ctx.appPort, config: files.config, resourcesPath: files.resourcesPath });
    if (!r.ok) return { ok: false, unavailable: r.reason };
    const notes = [`armed: ${files.features.join('; ')}`];
    const proc = r.proc;
    const metricsPort = r.ports.metrics;
    const spansBefore = Number((await httpGet(ctx.appPort, '/__bench/spans')).body.toString()) || 0;
    const afterRuns = async (): Promise<void> => {
      const m = await httpGet(metricsPort, '/metrics');
      const metricsOk = m.status === 200 && m.body.includes('dapr_');
      notes.push(metricsOk ? 'metrics: /metrics serves dapr_* series' : `metrics: NOT observed (GET :${metricsPort}/metrics -> ${m.status})`);
      const spanCount = async (): Promise<number> => (Number((await httpGet(ctx.appPort, '/__bench/spans')).body.toString()) || 0) - spansBefore;
      // Exporters batch spans (OpenTelemetry's default delay is 5 s): wait a little, bounded.
      await pollUntil(async () => (await spanCount()) > 0, ctx.smoke ? 1500 : 5500, 500);
      const spans = await spanCount();
      notes.push(spans > 0 ? `tracing: ${spans} Zipkin span batch(es) received` : 'tracing: NO spans received by the Zipkin sink (not implemented yet, or not flushed)');
      notes.push('access control / retry / breaker: YAML written; their hot-path cost is measured, their effect is not exercised (no faults injected)');
      for (const l of unsupportedLines(proc)) notes.push(`sidecar said: ${l}`);
    };
    const load = { protocol: 'http' as const, port: r.ports.http, path: `/v1.0/invoke/${appId}/method/hello`, headers: {} };
    return { ok: true, running: { load, sut: [proc], notes, afterRuns } };
  },
};

type PairOutcome = { ok: true; a: Launched; b: Launched; aPorts: { http: number; grpc: number } } | { ok: false; reason: string };

/** B's ports are written into the Configuration first: one retry on fresh ports if one was taken meanwhile. */
async function startPair(ctx: TargetContext, prefix: string, calleeId: string, calleePort: number, protocol: 'http' | 'grpc', mtls: boolean): Promise<PairOutcome> {
  const first = await startPairOnce(ctx, prefix, calleeId, calleePort, protocol, mtls);
  return first.ok || !isAddressInUse(first.reason) ? first : startPairOnce(ctx, prefix, calleeId, calleePort, protocol, mtls);
}

async function startPairOnce(
  ctx: TargetContext,
  prefix: string,
  calleeId: string,
  calleePort: number,
  protocol: 'http' | 'grpc',
  mtls: boolean,
): Promise<PairOutcome> {
  const bPorts = await allocatePorts();
  const config = await twoSidecarConfig(join(ctx.tmpDir, prefix), ctx.nameResolution, { appId: calleeId, internalPort: bPorts.internal });
  const resourcesPath = await emptyResources(join(ctx.tmpDir, prefix));
  const b = await startSidecar(ctx, `${prefix}-b`, { appId: calleeId, appPort: calleePort, appProtocol: protocol, config, resourcesPath, mtls }, bPorts);
  if (!b.ok) return b;
  const a = await startSidecar(ctx, `${prefix}-a`, { appId: `${calleeId}-caller`, config, resourcesPath, mtls });
  if (!a.ok) {
    await b.proc.stop();
    return a;
  }
  return { ok: true, a: a.proc, b: b.proc, aPorts: a.ports };
}

function twoSidecars(name: string, mtls: boolean): TargetDef {
  return {
    name,
    title: `Dapr-shaped path: generator (app A) -> sidecar A -> sidecar B -> app, ${mtls ? 'mTLS between sidecars' : 'plain between sidecars'}`,
    protocol: 'http',
    hops: 2,
    security: mtls ? 'mTLS sidecar to sidecar (--enable-mtls, local CA)' : 'plain HTTP',
    async start(ctx): Promise<StartOutcome> {
      const r = await startPair(ctx, name, 'bench-callee', ctx.appPort, 'http', mtls);
      if (!r.ok) return { ok: false, unavailable: r.reason };
      const load = { protocol: 'http' as const, port: r.aPorts.http, path: '/v1.0/invoke/bench-callee/method/hello', headers: {} };
      return { ok: true, running: { load, sut: [r.a, r.b], notes: [mtlsNote(mtls), `name resolution: ${ctx.nameResolution}`] } };
    },
  };
}

/** Both run in the same run, interleaved, so the cost of mTLS is read side by side. */
export const outriggerTwoSidecars = twoSidecars('outrigger-2sidecar', false);
export const outriggerTwoSidecarsMtls = twoSidecars('outrigger-2sidecar-mtls', true);

export const outriggerGrpc: TargetDef = {
  name: 'outrigger-grpc-2sidecar',
  title: 'gRPC proxying: generator -> sidecar A (dapr-app-id) -> sidecar B -> grpc app',
  protocol: 'grpc',
  hops: 2,
  security: 'see notes',
  async start(ctx): Promise<StartOutcome> {
    const r = await startPair(ctx, 'outrigger-grpc', 'bench-grpc', ctx.grpcAppPort, 'grpc', ctx.outriggerMtls);
    if (!r.ok) return { ok: false, unavailable: r.reason };
    const load = { protocol: 'grpc' as const, port: r.aPorts.grpc, method: '/bench.Echo/Echo', metadata: { 'dapr-app-id': 'bench-grpc' } };
    return { ok: true, running: { load, sut: [r.a, r.b], notes: [mtlsNote(ctx.outriggerMtls), `name resolution: ${ctx.nameResolution}`] } };
  },
};

export const outriggerGrpcOneHop: TargetDef = {
  name: 'outrigger-grpc-1hop',
  title: 'gRPC proxying: generator -> sidecar (dapr-app-id: own app id) -> grpc app',
  protocol: 'grpc',
  hops: 1,
  security: 'h2c',
  async start(ctx): Promise<StartOutcome> {
    const appId = 'bench-grpc-app';
    const r = await startSidecar(ctx, 'outrigger-grpc-1hop', { appId, appPort: ctx.grpcAppPort, appProtocol: 'grpc', resourcesPath: await emptyResources(ctx.tmpDir) });
    if (!r.ok) return { ok: false, unavailable: r.reason };
    const load = { protocol: 'grpc' as const, port: r.ports.grpc, method: '/bench.Echo/Echo', metadata: { 'dapr-app-id': appId } };
    return { ok: true, running: { load, sut: [r.proc], notes: [] } };
  },
};
