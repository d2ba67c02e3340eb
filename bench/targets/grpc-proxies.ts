/**
 * gRPC baselines beside Outrigger's gRPC proxying: nginx (grpc_pass, h2c both sides) and the
 * minimal node:http2 proxy (bench/servers/h2-grpc-proxy.ts), one hop and two hops. The two-hop
 * variants are plain h2c between hops, like outrigger-grpc-2sidecar without --outrigger-mtls.
 */
import { join } from 'node:path';
import { freePort } from '../proc/net';
import type { Launched } from '../proc/processes';
import { nginxBin, startNginx } from './nginx';
import { startSut } from './start-process';
import type { StartOutcome, TargetContext, TargetDef } from './types';

type Started = { ok: true; proc: Launched } | { ok: false; reason: string };
type HopStarter = (ctx: TargetContext, name: string, listenPort: number, upstreamPort: number) => Promise<Started>;

const grpcLoad = (port: number) => ({ protocol: 'grpc' as const, port, method: '/bench.Echo/Echo', metadata: {} });

/** Starts `hops` chained proxies (the last one in front of the gRPC app), the generator calls the first. */
async function startChain(ctx: TargetContext, prefix: string, hops: number, hop: HopStarter): Promise<StartOutcome> {
  const ports: number[] = [];
  for (let i = 0; i < hops; i++) ports.push(await freePort());
  const sut: Launched[] = [];
  for (let i = hops - 1; i >= 0; i--) {
    const upstream = i === hops - 1 ? ctx.grpcAppPort : ports[i + 1];
    const r = await hop(ctx, hops === 1 ? prefix : `${prefix}-hop-${String.fromCharCode(97 + i)}`, ports[i], upstream);
    if (!r.ok) {
      for (const p of sut) await p.stop();
      return { ok: false, unavailable: r.reason };
    }
    sut.unshift(r.proc);
  }
  return { ok: true, running: { load: grpcLoad(ports[0]), sut, notes: [] } };
}

const nginxHop: HopStarter = async (ctx, name, listenPort, upstreamPort) => {
  const bin = await nginxBin();
  if (!bin) return { ok: false, reason: 'nginx not installed (run bench/setup.sh)' };
  return startNginx(ctx, bin, name, { listen: `127.0.0.1:${listenPort}`, upstreamPort, upstreamScheme: 'http', tlsDirectives: '', grpc: true });
};

const nodeHop: HopStarter = (ctx, name, listenPort, upstreamPort) =>
  startSut(ctx, name, process.execPath, [join(__dirname, '..', 'servers', 'h2-grpc-proxy.js'), String(listenPort), String(upstreamPort)], listenPort);

function target(name: string, title: string, hops: number, hop: HopStarter): TargetDef {
  return { name, title, protocol: 'grpc', hops, security: 'h2c', start: (ctx) => startChain(ctx, name, hops, hop) };
}

export const grpcProxyTargets: readonly TargetDef[] = [
  target('nginx-grpc', 'nginx grpc_pass, one hop (h2c)', 1, nginxHop),
  target('nginx-grpc-2hop', 'two nginx grpc_pass hops (h2c between them)', 2, nginxHop),
  target('node-h2-grpc', 'minimal node:http2 gRPC proxy (raw streams), one hop', 1, nodeHop),
  target('node-h2-grpc-2hop', 'two minimal node:http2 gRPC proxy hops (h2c between them)', 2, nodeHop),
];
