/** Launching an Outrigger sidecar (`node dist/cli/launcher.js sidecar ...`, daprd flags) for the bench. */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { freePorts, httpGet } from '../proc/net';
import { startSut } from './start-process';
import type { Launched } from '../proc/processes';
import type { TargetContext } from './types';

/** dist/bench/targets -> dist/cli/launcher.js (the `outrigger` executable: bundle + code cache); BENCH_SIDECAR_MAIN points the bench at another build. */
export const SIDECAR_MAIN = process.env.BENCH_SIDECAR_MAIN ?? join(__dirname, '..', '..', 'cli', 'launcher.js');

export interface SidecarPorts {
  readonly http: number;
  readonly grpc: number;
  readonly internal: number;
  readonly metrics: number;
}

export interface SidecarSpec {
  readonly appId: string;
  readonly appPort?: number;
  readonly appProtocol?: 'http' | 'grpc';
  readonly config?: string;
  readonly resourcesPath: string;
  /** --data-dir (local CA in <dir>/ca); default: shared scratch dir of the run, see sidecarDataDir. */
  readonly dataDir?: string;
  /** --enable-mtls for this sidecar; default: the run's --outrigger-mtls. */
  readonly mtls?: boolean;
}

/**
 * One --data-dir for every sidecar of the run (never ~/.outrigger): mTLS sidecars then share
 * the local CA in <dir>/ca, so they trust each other, and the handshake scenario can issue a
 * client certificate from it.
 */
export const sidecarDataDir = (ctx: { tmpDir: string }): string => join(ctx.tmpDir, 'sidecar-data');

/** Undefined when the sidecar can be started, else why not. */
export async function sidecarMissing(): Promise<string | undefined> {
  try {
    await access(SIDECAR_MAIN);
    return undefined;
  } catch {
    return `${SIDECAR_MAIN} not built yet (run npx tsc -p tsconfig.json)`;
  }
}

export async function sidecarArgs(spec: SidecarSpec, ports: SidecarPorts, mtls: boolean): Promise<string[]> {
  const args = [SIDECAR_MAIN, 'sidecar', '--app-id', spec.appId,
    '--dapr-http-port', String(ports.http), '--dapr-grpc-port', String(ports.grpc),
    '--dapr-internal-grpc-port', String(ports.internal), '--metrics-port', String(ports.metrics),
    '--resources-path', spec.resourcesPath, '--log-level', 'warn'];
  if (spec.appPort !== undefined) args.push('--app-port', String(spec.appPort));
  if (spec.appProtocol) args.push('--app-protocol', spec.appProtocol);
  if (spec.config) args.push('--config', spec.config);
  if (spec.dataDir) args.push('--data-dir', spec.dataDir);
  if (mtls) args.push('--enable-mtls');
  return args;
}

export async function allocatePorts(): Promise<SidecarPorts> {
  const [http, grpc, internal, metrics] = await freePorts(4);
  return { http, grpc, internal, metrics };
}

export const healthy = (port: number) => async (): Promise<boolean> => (await httpGet(port, '/v1.0/healthz', {}, 1000)).status === 204;

export async function startSidecar(
  ctx: TargetContext,
  name: string,
  spec: SidecarSpec,
  preallocated?: SidecarPorts,
): Promise<{ ok: true; proc: Launched; ports: SidecarPorts } | { ok: false; reason: string }> {
  const missing = await sidecarMissing();
  if (missing) return { ok: false, reason: missing };
  // A port found free can be taken by someone else before the sidecar binds it (many start at
  // once): one retry on fresh ports when the ports are ours to choose.
  for (let attempt = 0; ; attempt++) {
    const ports = preallocated ?? (await allocatePorts());
    const args = await sidecarArgs({ ...spec, dataDir: spec.dataDir ?? sidecarDataDir(ctx) }, ports, spec.mtls ?? ctx.outriggerMtls);
    const r = await startSut(ctx, name, process.execPath, args, healthy(ports.http), { ...process.env, DAPR_HOST_IP: '127.0.0.1' });
    if (r.ok) return { ok: true, proc: r.proc, ports };
    if (preallocated || attempt > 0 || !isAddressInUse(r.reason)) return r;
  }
}

export const isAddressInUse = (reason: string): boolean => reason.includes('EADDRINUSE');

/** Lines of the sidecar's output that say a feature is not there (for the report's notes). */
export function unsupportedLines(proc: Launched): string[] {
  return proc
    .tail()
    .split('\n')
    .filter((l) => /not (yet )?(supported|implemented)|unknown|ignored|unsupported/i.test(l))
    .slice(0, 5)
    .map((l) => l.trim().slice(0, 200));
}
