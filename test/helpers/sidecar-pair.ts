/** Two running sidecars that reach each other through the static resolver. */
import { startTestSidecar, staticResolutionConfig, freePort, type TestApp } from './sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import type { SidecarOptions } from '../../runtime/options';

export interface Pair {
  readonly a: SidecarHandle;
  readonly b: SidecarHandle;
  readonly idA: string;
  readonly idB: string;
  close(): Promise<void>;
}

/**
 * Two sidecars that find each other through the static resolver (ports picked in advance).
 * `specA`/`specB` are extra Configuration spec lines (indented two spaces) for each side.
 */
export async function startPair(o: {
  idA: string; idB: string; appB?: TestApp; appA?: TestApp;
  specA?: string; specB?: string;
  optsA?: Partial<SidecarOptions>; optsB?: Partial<SidecarOptions>;
  extraB?: number[];
}): Promise<Pair> {
  const [portA, portB] = await Promise.all([freePort(), freePort()]);
  const apps = { [o.idA]: [`127.0.0.1:${portA}`], [o.idB]: [`127.0.0.1:${portB}`, ...(o.extraB ?? []).map((p) => `127.0.0.1:${p}`)] };
  const a = await startTestSidecar({ appId: o.idA, daprInternalGrpcPort: portA, config: staticResolutionConfig(apps, o.specA ?? ''), ...(o.appA ? { appPort: o.appA.port } : {}), ...o.optsA });
  const b = await startTestSidecar({ appId: o.idB, daprInternalGrpcPort: portB, config: staticResolutionConfig(apps, o.specB ?? ''), ...(o.appB ? { appPort: o.appB.port } : {}), ...o.optsB });
  return { a, b, idA: o.idA, idB: o.idB, close: async () => { await Promise.all([a.stop('test done'), b.stop('test done')]); } };
}
