/**
 * Start-up time (spawn -> ready) and idle RSS after a short settle, for a bare Node HTTP server
 * (ready = its port accepts TCP) and an Outrigger sidecar with 0 and 5 components
 * (ready = GET /v1.0/healthz answers 204). All pinned to the SUT CPU.
 */
import { join } from 'node:path';
import { launch, outputReason } from '../proc/processes';
import { freePort, pollUntil, tcpAccepts } from '../proc/net';
import { treeRssMb } from '../proc/sampler';
import { emptyResources, fiveComponents, FIVE_COMPONENTS } from './outrigger-config';
import { allocatePorts, healthy, sidecarArgs, sidecarDataDir, sidecarMissing } from './sidecar';
import type { TargetContext } from './types';

export interface StartupDef {
  readonly name: string;
  readonly title: string;
}

export const STARTUP_SCENARIOS: readonly StartupDef[] = [
  { name: 'startup-bare-node', title: 'bare Node HTTP server (node:http listen)' },
  { name: 'startup-sidecar-0', title: 'Outrigger sidecar, 0 components' },
  { name: 'startup-sidecar-5', title: `Outrigger sidecar, 5 components (${FIVE_COMPONENTS.join(', ')})` },
];

export type StartupSample = { ok: true; ms: number; idleRssMb: number } | { ok: false; reason: string };

const POLL_MS = 2;

export async function measureStartup(ctx: TargetContext, name: string, settleMs: number): Promise<StartupSample> {
  let cmd: string[];
  let ready: () => Promise<boolean>;
  if (name === 'startup-bare-node') {
    const port = await freePort();
    cmd = [join(__dirname, '..', 'servers', 'bare-node.js'), String(port)];
    ready = () => tcpAccepts(port);
  } else {
    const missing = await sidecarMissing();
    if (missing) return { ok: false, reason: missing };
    const resourcesPath = name === 'startup-sidecar-5' ? await fiveComponents(join(ctx.tmpDir, 'startup')) : await emptyResources(join(ctx.tmpDir, 'startup'));
    const ports = await allocatePorts();
    cmd = await sidecarArgs({ appId: `bench-startup-${name.slice(-1)}`, appPort: ctx.appPort, resourcesPath, dataDir: sidecarDataDir(ctx) }, ports, ctx.outriggerMtls);
    ready = healthy(ports.http);
  }
  const t0 = performance.now();
  const proc = launch(name, process.execPath, cmd, ctx.plan, { cpu: ctx.plan.sutCpu });
  try {
    const r = await pollUntil(ready, ctx.readyTimeoutMs, POLL_MS, proc.exited);
    if (!r.ok) {
      const tail = outputReason(proc.tail());
      return { ok: false, reason: `${r.reason}${tail ? `; output: ${tail}` : ''}` };
    }
    const ms = performance.now() - t0;
    await new Promise((res) => setTimeout(res, settleMs));
    return { ok: true, ms, idleRssMb: treeRssMb(proc.pid) };
  } finally {
    await proc.stop();
  }
}
